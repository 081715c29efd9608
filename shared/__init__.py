"""Shared kernel of Portail Familles: what every service needs and nothing service-specific."""
