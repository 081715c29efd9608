"""Event consumers: EventBridge delivers to the consumer's SQS queue; Chalice's ``on_sqs_message`` runs
the handler registered for each detail-type, once per ``event_id`` (:mod:`shared.idempotency`).

A handler costs two writes at most beyond its own reads: the claim, then its action with the completion
mark (in its last transaction, through ``idempotency.complete``). A handler whose one effect cannot be
undone (an e-mail) is registered with ``deferred_claim=True`` and calls ``idempotency.claim()`` right
before it: the claim is then that effect's own claim.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalice import Chalice

from shared import idempotency, settings
from shared.events.base import Event, UnknownEvent, parse

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger  # created lazily: shared.logs

E = TypeVar("E", bound=Event)


class Consumer:
    def __init__(self, name: str, processed: type[Any], logger: Logger) -> None:
        self.name = name
        self.processed = processed
        self.logger = logger
        self.handlers: dict[str, Callable[[Any], dict[str, Any] | None]] = {}
        self.deferred: set[str] = set()  # detail-types whose handler claims the event itself

    def on(self, event_type: type[E], deferred_claim: bool = False,
           ) -> Callable[[Callable[[E], dict[str, Any] | None]], Callable[[E], dict[str, Any] | None]]:
        """Register the handler of ``event_type``. ``deferred_claim``: the handler only reads until its one
        irreversible step, before which it calls ``idempotency.claim()`` (see :mod:`shared.idempotency`)."""
        def decorator(fn: Callable[[E], dict[str, Any] | None]) -> Callable[[E], dict[str, Any] | None]:
            self.handlers[event_type.detail_type()] = fn
            if deferred_claim:
                self.deferred.add(event_type.detail_type())
            return fn
        return decorator

    def handle_envelope(self, body: str | dict[str, Any], remaining_ms: int | None = None) -> bool:
        """Handle one EventBridge envelope (the SQS message body); True when an action ran.

        ``remaining_ms`` (what the Lambda may still run) sizes the claim: see :mod:`shared.idempotency`.
        """
        self.logger.set_correlation_id(None)  # a warm container must not log the previous event's id
        envelope = json.loads(body) if isinstance(body, str) else body
        detail_type = envelope.get("detail-type", "")
        try:
            event = parse(detail_type, envelope.get("detail") or {})
        except UnknownEvent:
            self.logger.warning("event ignored: unknown type", extra={"detail_type": detail_type})
            return False
        handler = self.handlers.get(detail_type)
        if handler is None:
            self.logger.warning("event ignored: no handler", extra={"detail_type": detail_type})
            return False
        self.logger.set_correlation_id(event.correlation_id)
        ran = idempotency.run_once(self.processed, event.event_id, detail_type, lambda: handler(event),
                                   lease=idempotency.lease_for(remaining_ms), deferred=detail_type in self.deferred)
        self.logger.info("event handled" if ran else "event already handled",
                         extra={"detail_type": detail_type, "event_id": event.event_id})
        return ran

    def register(self, app: Chalice) -> None:
        """Subscribe ``app`` to the consumer's queue. One message a batch: a failure retries just it."""
        queue = settings.load().queue(self.name)

        @app.on_sqs_message(queue=queue, batch_size=1, name=f"{self.name}_events")
        def on_events(event: Any) -> None:
            context = getattr(event, "context", None)
            remaining = context.get_remaining_time_in_millis() if context is not None else None
            for record in event:
                self.handle_envelope(record.body, remaining)
