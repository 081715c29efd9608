"""What AWS does between the services, done locally by the same code: the outbox relay (the table
stream in AWS), the SQS pump (Lambda's event source mapping in AWS) and the scheduled functions
(EventBridge schedules in AWS; every ``SCHEDULE_SECONDS`` locally).

``relay_once``/``pump_once`` are single steps; the local stack runs them in threads, tests call
``drain`` to run them until nothing moves.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

from chalice import Chalice
from chalice.app import ScheduledEventConfig, SQSEventConfig
from chalice.local import LambdaContext

from shared import aws, outbox, settings

log = logging.getLogger("portail.local")
RETRY_DELAY_SECONDS = 2
SCHEDULE_SECONDS = 60  # the local stack runs each scheduled function this often, whatever its rate


def relay_once() -> int:
    """Publish every pending outbox entry of every service loaded in this process."""
    return sum(outbox.publish_pending(model) for model in outbox.registered_models())


def queue_sources(apps: dict[str, Chalice]) -> list[tuple[Chalice, SQSEventConfig]]:
    return [(app, source) for app in apps.values() for source in app.event_sources
            if isinstance(source, SQSEventConfig)]


def pump_once(apps: dict[str, Chalice], wait_seconds: int = 0, retry_delay: int = RETRY_DELAY_SECONDS) -> int:
    """Deliver what waits in each consumer queue to its handler (see :func:`pump_queue`)."""
    return sum(pump_queue(app, source, wait_seconds, retry_delay) for app, source in queue_sources(apps))


_QUEUE_URLS: dict[tuple[str | None, str], str] = {}


def queue_url(sqs: Any, queue: str) -> str:
    """A queue's URL, asked once per endpoint (tests drain the four queues several times a test)."""
    key = (settings.load().endpoint_url, queue)
    url = _QUEUE_URLS.get(key)
    if url is None:
        url = _QUEUE_URLS[key] = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    return url


def pump_queue(app: Chalice, source: SQSEventConfig, wait_seconds: int = 0,
               retry_delay: int = RETRY_DELAY_SECONDS) -> int:
    """Deliver what waits in one queue to its ``on_sqs_message`` handler, one message a call; returns how
    many messages it received (handled or not).

    A handler that raises leaves its message in the queue (visible again after ``retry_delay``); after
    five receives the queue's redrive policy moves it to the dead-letter queue, as in AWS.
    """
    sqs = aws.client("sqs")
    url = queue_url(sqs, source.queue)
    arn = f"arn:aws:sqs:{settings.load().region}:123456789012:{source.queue}"
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds,
                                   AttributeNames=["All"]).get("Messages", [])
    for message in messages:
        record = {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
                  "body": message["Body"], "attributes": message.get("Attributes", {}),
                  "messageAttributes": {}, "eventSource": "aws:sqs", "eventSourceARN": arn}
        context = LambdaContext(function_name=source.name, memory_size=512, max_runtime_ms=60_000)
        try:
            app.handler_map[source.name]({"Records": [record]}, context)
        except Exception:
            log.exception("handler %s failed; the message will be retried", source.name)
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                          VisibilityTimeout=retry_delay)
            continue
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return len(messages)


def scheduled_sources(apps: dict[str, Chalice]) -> list[tuple[Chalice, ScheduledEventConfig]]:
    return [(app, source) for app in apps.values() for source in app.event_sources
            if isinstance(source, ScheduledEventConfig)]


def run_scheduled(app: Chalice, source: ScheduledEventConfig) -> int:
    """Invoke a scheduled function with the event an EventBridge schedule sends; returns 0 (the loop then
    waits for the next run)."""
    event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
             "account": "123456789012", "time": "1970-01-01T00:00:00Z", "region": settings.load().region,
             "resources": [f"arn:aws:events:{settings.load().region}:123456789012:rule/{source.name}"],
             "detail": {}}
    app.handler_map[source.name](event, LambdaContext(function_name=source.name, memory_size=512,
                                                      max_runtime_ms=60_000))
    return 0


def drain(apps: dict[str, Chalice], max_rounds: int = 50) -> int:
    """Relay and pump until nothing moves (tests); a failing message is retried until the redrive
    policy moves it to its dead-letter queue. Returns the number of messages received."""
    total = 0
    for _ in range(max_rounds):
        moved = relay_once()
        received = pump_once(apps, retry_delay=0)
        total += received
        if moved == 0 and received == 0:
            return total
    raise RuntimeError(f"the local stack did not settle in {max_rounds} rounds")


class Loop(threading.Thread):
    """Runs ``step`` until stopped, pausing when it has nothing to do."""

    def __init__(self, name: str, step: Any, idle_seconds: float) -> None:
        super().__init__(name=name, daemon=True)
        self.step = step
        self.idle_seconds = idle_seconds
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                busy = self.step()
            except Exception:
                log.exception("%s step failed", self.name)
                busy = 0
            if not busy:
                self.stopped.wait(self.idle_seconds)

    def stop(self) -> None:
        self.stopped.set()
