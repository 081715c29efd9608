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

Two writes per event at most (issue 12: the claim, then the action with its completion mark):

- an action whose last write is a transaction adds the done mark to it (:func:`complete`): the event is
  recorded as handled if and only if the action's writes are, and only while this worker still holds the
  claim (the mark's condition fences off a worker whose claim expired and was taken over);
- an action with one step that cannot be undone (one e-mail) runs with a *deferred* claim: what it does
  before that step is reads and rendering, run again on a redelivery; :func:`claim` writes the claim
  right before the step, so a worker that dies before it leaves nothing behind (the redelivery sends),
  and one that dies after it leaves a claim that is never retaken blindly (reported, not resent).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, PutError
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


@dataclass
class _Run:
    """The event being handled by this worker: its claim (once written) and whether it is marked done."""

    model: type[Any]
    event_id: str
    detail_type: str
    lease: timedelta
    claimed_at: int | None = None
    done: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return key(self.event_id)

    def record(self, status: str, claimed_at: int) -> Any:
        pk, sk = self.key
        kept = int((clock.now() + KEEP).timestamp())
        return self.model(pk=pk, sk=sk, detail_type=self.detail_type, status=status, claimed_at=claimed_at,
                          ttl=kept)

    def done_actions(self, result: dict[str, Any] | None) -> list[Any]:
        return [self.model.status.set("done"),
                self.model.result.set(json.dumps(result, default=str) if result else None)]


_RUN: ContextVar[_Run | None] = ContextVar("idempotency_run", default=None)


class AlreadyHandled(Exception):
    """Raised by :func:`claim` when the event was handled already: :func:`run_once` answers False."""


def _take(run: _Run) -> None:
    """Write ``run``'s claim: new, or over a claim older than the lease (a crashed worker's)."""
    now = int(clock.now().timestamp())
    stale = int((clock.now() - run.lease).timestamp())
    model = run.model
    try:
        run.record("processing", now).save(
            condition=model.pk.does_not_exist() | ((model.status == "processing") & (model.claimed_at < stale)))
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        if _is_done(model, *run.key):
            raise AlreadyHandled(run.event_id) from None
        # Another worker holds a fresh claim: keep the message in the queue, it comes back later.
        raise EventInProgress(run.event_id) from None
    run.claimed_at = now


def _release(run: _Run) -> None:
    """Give the claim back so that the retry acts, unless it is no longer this worker's (taken over after
    its lease: the other worker's claim, or its done mark, stays)."""
    model = run.model
    with contextlib.suppress(DeleteError):
        run.record("processing", run.claimed_at or 0).delete(
            condition=(model.status == "processing") & (model.claimed_at == run.claimed_at))


def claim() -> bool:
    """In an action run with ``deferred=True``: take the event's claim now, right before the step that cannot
    be undone. True: claimed, go on. False: a worker claimed it earlier and stopped without finishing, so
    the step may have happened: do not do it again (the claim is now this worker's, marked done after).
    Raises :class:`EventInProgress` while another worker's claim is fresh, :class:`AlreadyHandled` (ends
    the run, answered False) when it was handled. Outside a deferred run (the claim is already held, or
    no consumer runs): True."""
    run = _RUN.get()
    if run is None or run.claimed_at is not None:
        return True
    now = int(clock.now().timestamp())
    model = run.model
    try:
        run.record("processing", now).save(condition=model.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    else:
        run.claimed_at = now
        return True
    try:
        previous = model.get(*run.key, consistent_read=True)
    except model.DoesNotExist:
        raise EventInProgress(run.event_id) from None  # released meanwhile: the retry takes it
    if previous.status == "done":
        raise AlreadyHandled(run.event_id)
    if int(previous.claimed_at) >= int((clock.now() - run.lease).timestamp()):
        raise EventInProgress(run.event_id)
    try:  # the claimer died after claiming: take its claim over, to mark the event done
        run.record("processing", now).save(condition=(model.status == "processing")
                                           & (model.claimed_at == previous.claimed_at))
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        raise EventInProgress(run.event_id) from None
    run.claimed_at = now
    return False


def complete(tx: Any, result: dict[str, Any] | None = None) -> None:
    """Add the event's done mark to ``tx``, the action's last transaction (a ``shared.ddb.transaction()``):
    the event is handled if and only if ``tx`` commits, and ``tx`` commits only while this worker's claim
    is still the one written (a worker whose lease ran out and whose claim was taken over is fenced off:
    its transaction is cancelled). Outside a consumer's run (tools, tests): nothing is added."""
    run = _RUN.get()
    if run is None or run.claimed_at is None:
        return
    pk, sk = run.key
    model = run.model
    tx.update(model(pk, sk), actions=run.done_actions(result),
              condition=(model.status == "processing") & (model.claimed_at == run.claimed_at))
    tx.on_commit(lambda: setattr(run, "done", True))


def run_once(model: type[Any], event_id: str, detail_type: str,
             action: Callable[[], dict[str, Any] | None], lease: timedelta = LEASE, deferred: bool = False) -> bool:
    """Run ``action`` unless this event was handled already; True when it ran, False when it had run.
    Raises :class:`EventInProgress` while another worker's claim is fresh (younger than ``lease``), so
    the message is retried.

    The claim is written before ``action`` runs, or with ``deferred`` when the action calls :func:`claim`
    (an action that never does is recorded as handled at the end, in one conditional put). Whatever
    ``action`` returns is stored with the record (notifications keeps the e-mail it sent), by the final
    update, or by :func:`complete` inside the action's own last transaction (then no final update).
    """
    run = _Run(model, event_id, detail_type, lease)
    try:
        if not deferred:
            _take(run)
    except AlreadyHandled:
        return False
    token = _RUN.set(run)
    try:
        result = action()
    except AlreadyHandled:
        return False
    except Exception:
        if run.claimed_at is not None and not run.done:
            _release(run)
        raise
    finally:
        _RUN.reset(token)
    if run.done:
        return True
    if run.claimed_at is None:  # a deferred action that did nothing irreversible: recorded handled now
        try:
            record = run.record("done", int(clock.now().timestamp()))
            record.result = json.dumps(result, default=str) if result else None
            record.save(condition=model.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False  # another delivery of the event handled it meanwhile
        return True
    pk, sk = run.key
    model(pk, sk).update(actions=run.done_actions(result))
    return True
