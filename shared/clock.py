"""One clock for the whole code base, so tests can move time (token expiry, throttling windows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    """The current time in UTC, shifted by :func:`travel` in tests (stopped by :func:`freeze`)."""
    return (_frozen or datetime.now(UTC)) + _offset


def freeze() -> None:
    """Stop the clock where it is until :func:`reset` (tests only: time then moves by travel alone)."""
    global _frozen
    _frozen = datetime.now(UTC)


def travel(delta: timedelta) -> None:
    """Move the clock forward (tests only)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset, _frozen
    _offset = timedelta(0)
    _frozen = None
