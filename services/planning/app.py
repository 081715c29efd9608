"""Chalice entry point of the planning service."""

from planning.api import app  # noqa: F401
