"""Chalice entry point of the enrolment service."""

from enrolment.api import app  # noqa: F401
