"""Structured JSON logs with the correlation id (Powertools Logger).

Log events, identifiers and outcomes; never bodies, tokens, passwords, or personal data. ``redact`` helps
when a dict must be logged.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

_SENSITIVE = ("password", "token", "secret", "authorization", "email", "phone", "address", "name", "birth")
_LOCK = threading.Lock()


class _LazyLogger:
    """Powertools' Logger, created by its first use (a log line, a correlation id) rather than at import.

    Importing Powertools loads its Logger, Metrics and Tracer (about 10 ms of CPU): every function logs,
    but after its cold start, not during it (decision 37). Everything is delegated to the real Logger.
    """

    def __init__(self, service: str) -> None:
        self._service = service
        self._logger: Logger | None = None

    def _real(self) -> Logger:
        if self._logger is None:
            with _LOCK:
                if self._logger is None:
                    from aws_lambda_powertools import Logger

                    self._logger = Logger(service=self._service, log_uncaught_exceptions=False)
        return self._logger

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)


def get_logger(service: str) -> Logger:
    return cast("Logger", _LazyLogger(service))


def redact(values: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``values`` with anything that might be personal or secret masked."""
    return {k: ("***" if any(s in k.lower() for s in _SENSITIVE) else v) for k, v in values.items()}
