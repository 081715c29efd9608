"""Idempotent consumers: an event's effect happens once, keyed on its ``event_id``.

A consumer claims the event with a conditional put in its own table before acting. If the action fails,
the claim is released and the error re-raised, so the queue delivers again (and, after five receives,
moves the message to the dead-letter queue). A claim left by a crashed worker expires after its lease.

The lease and the queue agree (tests/contracts/test_operations.py checks it): a consumer's lease is
the time its function may still run plus ``LEASE_MARGIN``, so a live worker never loses its claim, and
each queue's visibility timeout is at least that long, so a message that comes back after a crash
finds the claim expired and is handled then, instead of bouncing off a fresh claim into the DLQ.
What the action did before the crash must then not be done again: side effects that cannot be undone
(an e-mail) keep their own claim, never retaken (see notifications.handlers._send).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from shared import clock

LEASE = timedelta(minutes=5)  # when the caller does not know how long it may run (tests, tools)
LEASE_MARGIN = timedelta(seconds=30)
KEEP = timedelta(days=90)


def processed_model(base: type[Model]) -> type[Any]:
    """The record of handled events in ``base``'s table."""

    class ProcessedEvent(base):  # type: ignore[misc, valid-type]
        detail_type = UnicodeAttribute()
        status = UnicodeAttribute()
        claimed_at = NumberAttribute()
        result = UnicodeAttribute(null=True)

    ProcessedEvent.__qualname__ = ProcessedEvent.__name__ = f"{base.__name__}ProcessedEvent"
    return ProcessedEvent


class EventInProgress(RuntimeError):
    """The event is being handled by another worker right now; retry after its lease."""


def _is_done(model: type[Any], pk: str, sk: str) -> bool:
    try:
        return bool(model.get(pk, sk, consistent_read=True).status == "done")
    except model.DoesNotExist:
        return False  # the claim was just released: the retry will take it


def key(event_id: str) -> tuple[str, str]:
    return f"EVENT#{event_id}", "PROCESSED"


def lease_for(remaining_ms: int | None) -> timedelta:
    """The claim a worker needs: what its Lambda may still run, plus ``LEASE_MARGIN``."""
    if remaining_ms is None:
        return LEASE
    return timedelta(milliseconds=max(remaining_ms, 0)) + LEASE_MARGIN


def run_once(model: type[Any], event_id: str, detail_type: str,
             action: Callable[[], dict[str, Any] | None], lease: timedelta = LEASE) -> bool:
    """Run ``action`` unless this event was handled already; True when it ran, False when it had run.
    Raises :class:`EventInProgress` while another worker's claim is fresh (younger than ``lease``), so
    the message is retried.

    Whatever ``action`` returns is stored with the record (notifications keeps the email it sent).
    """
    now = clock.now()
    pk, sk = key(event_id)
    record = model(pk=pk, sk=sk, detail_type=detail_type, status="processing", claimed_at=int(now.timestamp()),
                   ttl=int((now + KEEP).timestamp()))
    stale = int((now - lease).timestamp())
    try:
        record.save(condition=model.pk.does_not_exist()
                    | ((model.status == "processing") & (model.claimed_at < stale)))
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        if _is_done(model, pk, sk):
            return False
        # Another worker holds a fresh claim: keep the message in the queue, it comes back later.
        raise EventInProgress(event_id) from None
    try:
        result = action()
    except Exception:
        record.delete()
        raise
    record.update(actions=[model.status.set("done"),
                           model.result.set(json.dumps(result, default=str) if result else None)])
    return True
