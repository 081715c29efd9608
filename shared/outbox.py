"""Transactional outbox: a state change and the event announcing it are written in one transaction.

A service adds ``outbox.entry(event)`` to the same ``TransactWrite`` as its own items. The relay then
publishes pending entries to EventBridge and marks them sent (dropping the payload, which may hold a
single-use token). In AWS the relay runs on the table's stream; locally the same :func:`publish` runs
from a poller. A crash after PutEvents and before the mark publishes twice: consumers are idempotent.

Nothing stays pending silently: an entry EventBridge rejects (throttling, a per-entry error) makes the
relay raise :class:`PublishFailed` once the accepted ones are marked, so Lambda retries the stream
batch (the sent ones are skipped); and a scheduled sweeper (``sweep_outbox``, every few minutes)
republishes whatever is still pending after ``SWEEP_AFTER``, in AWS and on the local stack alike.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from shared import aws, clock, metrics, settings
from shared.ddb import gsi
from shared.events.base import Event

PENDING = "OUTBOX#PENDING"
KEEP_SENT = timedelta(days=7)
PUT_EVENTS_MAX = 10
# The stream relay normally publishes within seconds; the sweeper leaves it that long before stepping in.
SWEEP_AFTER = timedelta(minutes=2)
SWEEP_RATE_MINUTES = 5
SWEEP_PAGE = 100


class PublishFailed(RuntimeError):
    """EventBridge rejected some entries: they stay pending and the caller must fail (to be retried)."""

    def __init__(self, rejected: list[tuple[str, str]]) -> None:
        self.rejected = rejected
        codes = sorted({code for _, code in rejected})
        super().__init__(f"EventBridge rejected {len(rejected)} outbox entries ({', '.join(codes)})")

_MODELS: list[type[Any]] = []


def outbox_model(base: type[Model]) -> type[Any]:
    """The outbox item type living in ``base``'s table."""

    class OutboxItem(base):  # type: ignore[misc, valid-type]
        source = UnicodeAttribute()
        detail_type = UnicodeAttribute()
        detail = UnicodeAttribute(null=True)
        status = UnicodeAttribute(default="pending")
        gsi1pk = UnicodeAttribute(null=True)
        gsi1sk = UnicodeAttribute(null=True)
        pending = gsi(1)

        def entry(self) -> dict[str, str]:
            return {"Source": self.source, "DetailType": self.detail_type, "Detail": self.detail or "{}",
                    "EventBusName": settings.load().bus_name}

    OutboxItem.__qualname__ = OutboxItem.__name__ = f"{base.__name__}Outbox"
    _MODELS.append(OutboxItem)
    return OutboxItem


def registered_models() -> list[type[Any]]:
    """Every outbox type declared by the services imported in this process (the local relay polls them)."""
    return list(_MODELS)


def entry(model: type[Any], event: Event) -> Any:
    """The outbox item announcing ``event``: save it in the caller's transaction."""
    return model(
        pk=f"OUTBOX#{event.event_id}",
        sk="OUTBOX",
        source=event.source,
        detail_type=event.detail_type(),
        detail=event.detail_json(),
        gsi1pk=PENDING,
        gsi1sk=f"{event.occurred_at.isoformat()}#{event.event_id}",
    )


def publish(model: type[Any], items: Sequence[Any]) -> int:
    """Publish ``items`` (pending outbox entries) and mark each one that EventBridge accepted.

    Raises :class:`PublishFailed` after the whole run if any entry was rejected (they stay pending).
    """
    events = aws.client("events")
    sent = 0
    rejected: list[tuple[str, str]] = []
    pending = [item for item in items if item.status == "pending"]
    for start in range(0, len(pending), PUT_EVENTS_MAX):
        batch = pending[start:start + PUT_EVENTS_MAX]
        response = events.put_events(Entries=[item.entry() for item in batch])
        for item, result in zip(batch, response["Entries"], strict=True):
            if result.get("EventId") and not result.get("ErrorCode"):
                _mark_sent(model, item)
                sent += 1
            else:
                rejected.append((item.pk, str(result.get("ErrorCode") or "NoEventId")))
    if rejected:
        raise PublishFailed(rejected)
    return sent


def _mark_sent(model: type[Any], item: Any) -> None:
    with contextlib.suppress(UpdateError):  # another relay marked it first
        item.update(
            actions=[
                model.status.set("sent"),
                model.detail.remove(),
                model.gsi1pk.remove(),
                model.gsi1sk.remove(),
                model.ttl.set(int((clock.now() + KEEP_SENT).timestamp())),
            ],
            condition=model.status == "pending",
        )


def publish_pending(model: type[Any], limit: int = 100, older_than: timedelta | None = None) -> int:
    """Publish what is still pending, oldest first (the local poller, the sweeper and ``make replay``).

    ``older_than`` leaves alone what the stream relay is about to publish anyway.
    """
    condition = None
    if older_than is not None:
        condition = model.gsi1sk < (clock.now() - older_than).isoformat()
    return publish(model, list(model.pending.query(PENDING, condition, limit=limit)))


def sweep(model: type[Any], service: str = "", pages: int = 10) -> int:
    """The sweeper's body: republish entries pending for longer than ``SWEEP_AFTER``, page by page; then
    report the age of the oldest entry still pending (``OutboxOldestPendingSeconds``, alarmed)."""
    total = 0
    try:
        for _ in range(pages):
            sent = publish_pending(model, SWEEP_PAGE, older_than=SWEEP_AFTER)
            total += sent
            if sent < SWEEP_PAGE:
                break
    finally:
        oldest = next(iter(model.pending.query(PENDING, limit=1)), None)
        age = 0.0
        if oldest is not None and oldest.gsi1sk:
            occurred = datetime.fromisoformat(oldest.gsi1sk.split("#", 1)[0])
            age = max(0.0, (clock.now() - occurred).total_seconds())
        metrics.seconds("OutboxOldestPendingSeconds", service or model.__name__, age)
    return total


def publish_from_stream(model: type[Any], records: Iterable[Any]) -> int:
    """The stream handler's body: publish the outbox items the stream records announce."""
    keys = []
    for record in records:
        if getattr(record, "event_name", None) != "INSERT":
            continue
        image = record.new_image or {}
        pk = (image.get("pk") or {}).get("S", "")
        if pk.startswith("OUTBOX#"):
            keys.append((pk, "OUTBOX"))
    items = [item for item in model.batch_get(keys)] if keys else []
    return publish(model, items)


def decode(item: Any) -> dict[str, Any]:
    """The stored event detail (tests and ops tools)."""
    return json.loads(item.detail or "{}")


def register_relay(app: Any, service: str, model: type[Any]) -> None:
    """In AWS, the table's stream runs the relay (function ``relay_outbox``) and a schedule the sweeper
    (``sweep_outbox``); locally the poller and the same schedule run them."""
    from chalice import Rate

    @app.on_dynamodb_record(stream_arn=settings.load().stream_arn(service), name="relay_outbox", batch_size=100)
    def relay_outbox(event: Any) -> None:
        publish_from_stream(model, event)

    @app.schedule(Rate(SWEEP_RATE_MINUTES, unit=Rate.MINUTES), name="sweep_outbox",
                  description="Republish outbox entries still pending (rejected or missed by the stream relay).")
    def sweep_outbox(event: Any) -> None:
        sweep(model, service)
