"""Chalice entry point of the accounts service."""

from accounts.api import app  # noqa: F401
