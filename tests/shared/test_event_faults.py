"""Faults injected on the event path, in process, on the template-deployed moto stack; each scenario
counts the e-mails SES accepted for the event: 0 lost, 0 doubled.

- EventBridge rejects an entry of a PutEvents call (throttling): the relay fails (so the stream batch
  is retried), the entry stays pending, the sweeper publishes it.
- The consumer is killed right after SES accepted the e-mail: redelivered after its lease, redriven
  from the DLQ: nothing more is sent.
- A redelivery arrives while the first worker still holds the claim (real threads).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from infra import ops
from infra.local import workers
from shared import aws, clock, idempotency, outbox
from tests.conftest import APPS, PREFIX
from tests.notifications import support

SIGNUP = {"civility": "Mme", "last_name": "Muller", "first_name": "Claire", "email": "claire@example.fr",
          "phone": "06 12 34 56 78", "password": "Tartine-Confiture-42", "accept_terms": True,
          "address": {"line1": "3 rue des Tilleuls", "line2": "", "postal_code": "67590", "city": "Schweighouse"}}


class Killed(BaseException):
    """The worker process ends here (timeout, out of memory): no ``except Exception`` runs."""


class RejectingEvents:
    """An EventBridge client whose PutEvents rejects the first ``count`` entries (as throttling does)."""

    def __init__(self, real: Any, count: int) -> None:
        self.real, self.count = real, count

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        rejected, self.count = Entries[:self.count], max(0, self.count - len(Entries))
        answer = self.real.put_events(Entries=Entries[len(rejected):]) if len(rejected) < len(Entries) else \
            {"Entries": []}
        results = [{"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"} for _ in rejected]
        return {"FailedEntryCount": len(rejected), "Entries": results + answer["Entries"]}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.fixture
def rejecting(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    plan = {"reject": 0}
    real_client = aws.client

    def client(service: str) -> Any:
        real = real_client(service)
        if service == "events" and plan["reject"]:
            fake = RejectingEvents(real, plan["reject"])
            plan["reject"] = 0
            return fake
        return real

    monkeypatch.setattr(aws, "client", client)
    yield plan


def _pending(model: Any) -> list[Any]:
    return list(model.pending.query(outbox.PENDING))


def _sweep(service: str) -> None:
    (app, source), = [(a, s) for a, s in workers.scheduled_sources({service: APPS[service]})
                      if s.name == "sweep_outbox"]
    workers.run_scheduled(app, source)


def test_a_rejected_put_events_entry_fails_the_relay_and_the_sweeper_publishes_it(
        stack: Any, rejecting: dict[str, int]) -> None:
    from accounts.models import Outbox

    assert stack.call("POST", "/api/accounts/signup", SIGNUP).status_code == 201
    (entry,) = _pending(Outbox)
    image = {"pk": {"S": entry.pk}, "sk": {"S": entry.sk}}
    stream_event = {"Records": [{"eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb",
                                 "awsRegion": "eu-west-3", "eventSourceARN": "arn:aws:dynamodb:stream",
                                 "dynamodb": {"Keys": image, "NewImage": image, "SequenceNumber": "1",
                                              "ApproximateCreationDateTime": 1767225600,
                                              "StreamViewType": "NEW_IMAGE", "SizeBytes": 10}}]}
    relay = APPS["accounts"].handler_map["relay_outbox"]

    # The stream relay: EventBridge throttles the entry; the function fails so Lambda retries the batch.
    rejecting["reject"] = 1
    with pytest.raises(outbox.PublishFailed, match="ThrottlingException"):
        relay(stream_event, None)
    assert [e.pk for e in _pending(Outbox)] == [entry.pk], "still pending, not silently dropped"

    # The retries are exhausted too (the stream moves on): the sweeper leaves fresh entries to the relay,
    # then publishes what is still pending.
    rejecting["reject"] = 1
    with pytest.raises(outbox.PublishFailed):
        relay(stream_event, None)
    _sweep("accounts")
    assert len(_pending(Outbox)) == 1
    clock.travel(outbox.SWEEP_AFTER + timedelta(seconds=1))
    _sweep("accounts")
    assert _pending(Outbox) == []
    stack.drain()
    _sweep("accounts")
    stack.drain()
    confirmations = [m for m in stack.mail_to(SIGNUP["email"]) if "Confirmez" in m["subject"]]
    assert len(confirmations) == 1, "lost: 0, doubled: 0"


def _account_registered() -> Any:
    return support.event("AccountRegistered", email="claire@example.fr", first_name="Claire")


def _envelope(event: Any) -> str:
    return json.dumps({"version": "0", "id": "x", "detail-type": event.detail_type(), "source": event.source,
                       "account": "123456789012", "time": "2026-01-01T08:00:00Z", "region": "eu-west-3",
                       "resources": [], "detail": json.loads(event.detail_json())})


def _sqs_event(body: str) -> dict[str, Any]:
    return {"Records": [{"messageId": "m1", "receiptHandle": "r1", "body": body, "attributes": {},
                         "messageAttributes": {}, "eventSource": "aws:sqs",
                         "eventSourceARN": f"arn:aws:sqs:eu-west-3:123456789012:{PREFIX}-notifications-events"}]}


class Context:
    """Lambda's context: the consumer sizes its claim from the time its function may still run."""

    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_a_consumer_killed_after_ses_accepted_never_sends_twice(
        stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from notifications import mailer

    event = _account_registered()
    body = _envelope(event)
    handler = APPS["notifications"].handler_map["notifications_events"]
    real_send = mailer.send

    def send_then_die(email: Any) -> str:
        real_send(email)
        raise Killed

    monkeypatch.setattr(mailer, "send", send_then_die)
    with pytest.raises(Killed):
        handler(_sqs_event(body), Context(30_000))
    monkeypatch.setattr(mailer, "send", real_send)
    assert len(stack.mail_to("claire@example.fr")) == 1

    # Redelivered inside the dead worker's claim: left in the queue for later, nothing sent.
    with pytest.raises(idempotency.EventInProgress):
        handler(_sqs_event(body), Context(30_000))
    # Redelivered once the claim expired (the queue's visibility timeout is longer than the claim).
    clock.travel(timedelta(seconds=30) + idempotency.LEASE_MARGIN + timedelta(seconds=1))
    handler(_sqs_event(body), Context(30_000))
    assert len(stack.mail_to("claire@example.fr")) == 1

    # The same message lands in the DLQ and the person on call redrives it with `make redrive`.
    sqs = boto3.client("sqs", region_name="eu-west-3")
    dlq = sqs.get_queue_url(QueueName=f"{PREFIX}-notifications-events-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody=body)
    assert ops.redrive(PREFIX, "notifications", "eu-west-3", sqs=sqs) == 1
    stack.drain()
    assert len(stack.mail_to("claire@example.fr")) == 1, "lost: 0, doubled: 0"


def test_a_redelivery_inside_the_claim_waits_and_the_email_goes_once(
        stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from notifications import mailer

    body = _envelope(_account_registered())
    handler = APPS["notifications"].handler_map["notifications_events"]
    real_send = mailer.send
    sending, release = threading.Event(), threading.Event()

    def slow_send(email: Any) -> str:
        sending.set()
        assert release.wait(60)
        return real_send(email)

    monkeypatch.setattr(mailer, "send", slow_send)
    first_error: list[BaseException] = []

    def first_worker() -> None:
        try:
            handler(_sqs_event(body), Context(30_000))
        except BaseException as exc:
            first_error.append(exc)

    worker = threading.Thread(target=first_worker)
    worker.start()
    assert sending.wait(60)
    with pytest.raises(idempotency.EventInProgress):
        handler(_sqs_event(body), Context(30_000))
    release.set()
    worker.join(60)
    assert first_error == []
    handler(_sqs_event(body), Context(30_000))  # a late duplicate after the e-mail went out
    assert len(stack.mail_to("claire@example.fr")) == 1, "lost: 0, doubled: 0"


def test_a_consumer_killed_before_the_emails_claim_sends_it_on_the_next_delivery(
        stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The e-mail's claim is written right before SES (a deferred claim): a worker that dies before it, while
    reading or rendering, leaves nothing behind, so the redelivery sends at once (no lease to wait for)."""
    from notifications import mailer

    body = _envelope(_account_registered())
    handler = APPS["notifications"].handler_map["notifications_events"]
    real_render = mailer.render

    def render_then_die(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(mailer, "render", real_render)
        raise Killed

    monkeypatch.setattr(mailer, "render", render_then_die)
    with pytest.raises(Killed):
        handler(_sqs_event(body), Context(30_000))
    assert stack.mail_to("claire@example.fr") == []
    handler(_sqs_event(body), Context(30_000))
    handler(_sqs_event(body), Context(30_000))  # a duplicate
    assert len(stack.mail_to("claire@example.fr")) == 1, "lost: 0, doubled: 0"


def _family_validated() -> Any:
    from shared.events import enrolment as en

    return en.FamilyValidated(family_id="fam-1", child_id="c1", structure_id="acem-schweighouse",
                              activity="periscolaire", email="claire@example.fr", first_name="Claire",
                              child_first_name="Léa", structure_name="ACEM", both_parents_working=True,
                              resident=True)


@pytest.mark.parametrize("moment", ["before_its_transaction", "after_its_transaction"])
def test_planning_killed_around_the_validations_transaction_writes_it_once(
        stack: Any, monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    """FamilyValidated → planning's read model is the claim, then one transaction (the validation and the
    event's done mark): killed before it, the redelivery after the lease writes it; killed after it, the
    redelivery finds the event handled."""
    from contextlib import contextmanager

    from planning import handlers

    real = handlers.transaction

    @contextmanager
    def dying() -> Iterator[Any]:
        monkeypatch.setattr(handlers, "transaction", real)
        if moment == "before_its_transaction":
            raise Killed
        with real() as tx:
            yield tx
        raise Killed

    monkeypatch.setattr(handlers, "transaction", dying)
    body = _envelope(_family_validated())
    with pytest.raises(Killed):
        handlers.consumer.handle_envelope(body, 30_000)
    if moment == "before_its_transaction":
        assert handlers.validations("fam-1") == []
        with pytest.raises(idempotency.EventInProgress):  # inside the dead worker's claim: later
            handlers.consumer.handle_envelope(body, 30_000)
        clock.travel(timedelta(seconds=30) + idempotency.LEASE_MARGIN + timedelta(seconds=1))
        assert handlers.consumer.handle_envelope(body, 30_000) is True
    else:
        assert handlers.consumer.handle_envelope(body, 30_000) is False  # handled: nothing written twice
    assert handlers.consumer.handle_envelope(body, 30_000) is False
    (validation,) = handlers.validations("fam-1")
    assert (validation.status, validation.email) == ("validated", "claire@example.fr"), "lost: 0, doubled: 0"
