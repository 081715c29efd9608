"""Helpers of the planning API tests: a family validated for a structure, through the real event path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3

from shared import clock
from shared.events.enrolment import FamilyValidated
from tests.helpers import confirmed_family


def validated_family(stack: Any, email: str, grants: list[tuple[str, str]], child_id: str = "child-1",
                     child_first_name: str = "Léa", family_name: str = "", **facts: bool) -> tuple[str, str]:
    """A confirmed family that enrolment validated for each (structure, activity): the events go
    through the bus to planning's queue, as in production. Returns (token, family_id)."""
    token, family_id = confirmed_family(stack, email)
    events = boto3.client("events", region_name="eu-west-3")
    for structure_id, activity in grants:
        event = FamilyValidated(family_id=family_id, child_id=child_id, structure_id=structure_id,
                                activity=activity, email=email, first_name="Claire",
                                child_first_name=child_first_name, structure_name=structure_id,
                                family_name=family_name, child_last_name=family_name, **facts)
        events.put_events(Entries=[{"Source": event.source, "DetailType": "FamilyValidated",
                                    "Detail": event.detail_json(), "EventBusName": stack.outputs["BusName"]}])
    stack.drain()
    return token, family_id


def login(stack: Any, email: str) -> str:
    from tests.helpers import PASSWORD

    logged = stack.call("POST", "/api/accounts/login", {"email": email, "password": PASSWORD})
    assert logged.status_code == 200, logged.json
    return str(logged.json["access_token"])


def at(moment: datetime) -> None:
    """Move the shared clock to ``moment`` (UTC)."""
    clock.reset()
    clock.travel(moment.astimezone(UTC) - clock.now())


def authorizer(operation: str, params: Any) -> bool:
    """The shared authorizer's session check (one BatchGetItem of ``AUTH#`` keys on every authenticated
    request, shared/sessions.py): the cost of authentication, not of the action."""
    return operation == "BatchGetItem" and all(
        key["pk"]["S"].startswith("AUTH#") for table in params["RequestItems"].values() for key in table["Keys"])
