"""Transactional outbox: a state change and the event announcing it are written in one transaction.

A service adds ``outbox.entry(event)`` to the same ``TransactWrite`` as its own items. The relay then
publishes pending entries to EventBridge and marks them sent (dropping the payload, which may hold a
single-use token). In AWS the relay runs on the table's stream; locally the same :func:`publish` runs
from a poller. A crash after PutEvents and before the mark publishes twice: consumers are idempotent.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from shared import aws, clock, settings
from shared.ddb import gsi
from shared.events.base import Event

PENDING = "OUTBOX#PENDING"
KEEP_SENT = timedelta(days=7)
PUT_EVENTS_MAX = 10

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
    """Publish ``items`` (pending outbox entries) and mark each one that EventBridge accepted."""
    events = aws.client("events")
    sent = 0
    pending = [item for item in items if item.status == "pending"]
    for start in range(0, len(pending), PUT_EVENTS_MAX):
        batch = pending[start:start + PUT_EVENTS_MAX]
        response = events.put_events(Entries=[item.entry() for item in batch])
        for item, result in zip(batch, response["Entries"], strict=True):
            if result.get("EventId") and not result.get("ErrorCode"):
                _mark_sent(model, item)
                sent += 1
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


def publish_pending(model: type[Any], limit: int = 100) -> int:
    """Publish what is still pending, oldest first (the local poller and a manual redrive use it)."""
    return publish(model, list(model.pending.query(PENDING, limit=limit)))


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
    """In AWS, the table's stream runs the relay (function ``relay_outbox``)."""

    @app.on_dynamodb_record(stream_arn=settings.load().stream_arn(service), name="relay_outbox", batch_size=100)
    def relay_outbox(event: Any) -> None:
        publish_from_stream(model, event)
