"""Chalice entry point of the notifications service."""

from notifications.api import app  # noqa: F401
