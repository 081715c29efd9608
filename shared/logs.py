"""Structured JSON logs with the correlation id (Powertools Logger).

Log events, identifiers and outcomes; never bodies, tokens, passwords, or personal data. ``redact`` helps
when a dict must be logged.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

_SENSITIVE = ("password", "token", "secret", "authorization", "email", "phone", "address", "name", "birth")


def get_logger(service: str) -> Logger:
    return Logger(service=service, log_uncaught_exceptions=False)


def redact(values: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``values`` with anything that might be personal or secret masked."""
    return {k: ("***" if any(s in k.lower() for s in _SENSITIVE) else v) for k, v in values.items()}
