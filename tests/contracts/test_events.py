"""Contract tests between publishers and consumers: the event models, their fixtures, the consumers'
handlers, and the routing of the deployed template (which must match ``shared.events.CONSUMERS``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local.apps import load_apps
from shared import outbox
from shared.events import CONSUMERS, parse, registry
from tests.helpers import signup_body

FIXTURES = Path(__file__).parent / "fixtures"
EVENTS = sorted(registry())
CONSUMER_MODULES = {"notifications": "notifications.handlers", "enrolment": "enrolment.handlers",
                    "planning": "planning.handlers", "accounts": "accounts.structures"}


# Enrolment retries an e-mail change until the family file exists (it is not lost): open it first.
SUBJECT_FIRST = {"enrolment": {"EmailChanged": "AccountRegistered"}}


def fixture(detail_type: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{detail_type}.json").read_text())


def consumer_of(name: str) -> Any:
    load_apps()
    return __import__(CONSUMER_MODULES[name], fromlist=["consumer"]).consumer


@pytest.mark.parametrize("detail_type", EVENTS)
def test_every_event_has_a_fixture_that_its_model_accepts(detail_type: str) -> None:
    event = parse(detail_type, fixture(detail_type))
    assert event.detail_type() == detail_type
    assert event.source.startswith("portail.")
    assert event.schema_version == 1
    # A round trip through the wire format keeps every field.
    assert parse(detail_type, event.detail_json()) == event


def test_no_fixture_without_an_event() -> None:
    assert sorted(p.stem for p in FIXTURES.glob("*.json")) == EVENTS


@pytest.mark.parametrize("detail_type", EVENTS)
def test_events_stay_far_below_the_eventbridge_entry_limit(detail_type: str) -> None:
    assert len(parse(detail_type, fixture(detail_type)).detail_json().encode()) < 8 * 1024


@pytest.mark.parametrize("name", sorted(CONSUMERS))
def test_each_consumer_handles_exactly_the_events_routed_to_it(name: str) -> None:
    routed = {event.detail_type() for event in CONSUMERS[name]}
    assert set(consumer_of(name).handlers) == routed


@pytest.mark.parametrize(("name", "detail_type"),
                         [(name, e.detail_type()) for name, events in CONSUMERS.items() for e in events])
def test_consumers_handle_the_publishers_fixtures(stack: Any, name: str, detail_type: str) -> None:
    source = registry()[detail_type].source
    envelope = {"version": "0", "id": "x", "detail-type": detail_type, "source": source,
                "time": "2026-09-01T08:00:00Z", "region": "eu-west-3", "resources": [],
                "detail": fixture(detail_type)}
    consumer = consumer_of(name)
    if detail_type in SUBJECT_FIRST.get(name, {}):  # an event about something the consumer must know first
        subject = SUBJECT_FIRST[name][detail_type]
        consumer.handle_envelope(json.dumps({**envelope, "detail-type": subject, "detail": fixture(subject)}))
    assert consumer.handle_envelope(json.dumps(envelope)) is True
    assert consumer.handle_envelope(json.dumps(envelope)) is False  # idempotent on event_id


def _queue_bodies(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in messages]


@pytest.mark.parametrize("detail_type", EVENTS)
def test_the_deployed_rules_route_each_event_to_its_consumers_only(stack: Any, detail_type: str) -> None:
    cls = registry()[detail_type]
    events = boto3.client("events", region_name="eu-west-3")
    sqs = boto3.client("sqs", region_name="eu-west-3")
    event = cls.model_validate(fixture(detail_type))
    result = events.put_events(Entries=[{"Source": cls.source, "DetailType": detail_type,
                                         "Detail": event.detail_json(), "EventBusName": stack.outputs["BusName"]}])
    assert result["FailedEntryCount"] == 0
    for name in CONSUMERS:
        bodies = _queue_bodies(sqs, stack.outputs[f"{name.title()}QueueUrl"])
        expected = cls in CONSUMERS[name]
        assert len(bodies) == (1 if expected else 0), f"{detail_type} → {name}"
        if expected:
            # What the consumer receives is the EventBridge envelope around the publisher's detail.
            assert bodies[0]["detail-type"] == detail_type
            assert parse(detail_type, bodies[0]["detail"]) == event


def test_what_accounts_publishes_validates_against_the_models(stack: Any) -> None:
    from accounts.models import Outbox

    stack.call("POST", "/api/accounts/signup", signup_body("contrat@example.fr"))
    stack.call("POST", "/api/accounts/password/forgot", body={"email": "contrat@example.fr"})
    published = [(item.detail_type, outbox.decode(item)) for item in Outbox.pending.query(outbox.PENDING)]
    assert sorted(dt for dt, _ in published) == ["AccountRegistered", "PasswordResetRequested"]
    for detail_type, detail in published:
        event = parse(detail_type, detail)
        assert event.source == "portail.accounts"
