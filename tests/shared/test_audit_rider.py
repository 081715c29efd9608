"""The audit event rides with the staff action's first committed transaction (decision 101): written if
and only if the action changed something, never twice, and a route without a transaction is caught."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pynamodb.exceptions import TransactWriteError

from shared import audit, ddb
from shared.auth import Principal, Role

MANAGER = Principal(account_id="acc-julie", role=Role.MANAGER, session_id="s1", structures=("acem",))
DECIDE = ("POST", "/staff/requests/{family_id}/{request_id}/decide")
PARAMS = {"family_id": "fam-1", "request_id": "req-1"}
BODY = json.dumps({"elements": [{"weekday": 0, "slot_code": "MIDI", "decision": "accepted"}]}).encode()


@pytest.fixture
def planning(stack: Any) -> Any:
    from planning import models

    return models


def audit_events(models: Any) -> list[dict[str, Any]]:
    return [json.loads(item.detail) for item in models.Outbox.scan()
            if item.detail_type == "PlanningStaffActed"]


def begin(models: Any, method: str = DECIDE[0], path: str = DECIDE[1]) -> Any:
    return audit.recorder("planning", models.Outbox)(method, path, MANAGER, PARAMS, BODY, "corr-1")


def counter(models: Any, key: str) -> Any:
    return models.Counter(pk="TEST", sk=key, value=1)


def test_the_first_committed_transaction_carries_the_event_once(planning: Any) -> None:
    finish = begin(planning)
    with ddb.transaction() as tx:
        tx.save(counter(planning, "a"))
    with ddb.transaction() as tx:  # a second transaction of the same action carries nothing
        tx.save(counter(planning, "b"))
    finish({"request_id": "req-1"})
    events = audit_events(planning)
    assert len(events) == 1
    assert events[0]["actor_id"] == "acc-julie" and events[0]["request_id"] == "req-1"
    assert events[0]["outcome"] == "accepted"


def test_a_failed_transaction_leaves_no_event_and_the_next_one_carries_it(planning: Any) -> None:
    counter(planning, "taken").save()
    finish = begin(planning)
    with pytest.raises(TransactWriteError), ddb.transaction() as tx:
        tx.save(counter(planning, "taken"), condition=planning.Counter.pk.does_not_exist())
    assert audit_events(planning) == []
    with ddb.transaction() as tx:
        tx.save(counter(planning, "free"))
    finish(None)
    assert len(audit_events(planning)) == 1


def test_a_view_that_raised_records_nothing(planning: Any) -> None:
    finish = begin(planning)
    finish(audit.failed())
    assert audit_events(planning) == []


def test_a_full_transaction_leaves_the_event_to_the_fallback_which_strict_mode_refuses(
        planning: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    finish = begin(planning)
    with ddb.transaction() as tx:
        for n in range(ddb.MAX_TRANSACTION_ITEMS):
            tx.save(counter(planning, f"n{n:03}"))
    assert audit_events(planning) == []
    monkeypatch.setenv("AUDIT_STRICT", "1")
    with pytest.raises(audit.AuditNotInTransaction):
        finish(None)
    assert audit_events(planning) == []

    monkeypatch.delenv("AUDIT_STRICT")
    finish = begin(planning)
    finish({"request_id": "req-1"})  # outside any transaction: the fallback writes it after the view
    assert len(audit_events(planning)) == 1


def test_family_routes_and_unaudited_routes_ride_nothing(planning: Any) -> None:
    assert begin(planning, "POST", "/requests") is None
    family = Principal(account_id="acc-fam", role=Role.FAMILY, session_id="s2")
    assert audit.recorder("planning", planning.Outbox)(*DECIDE, family, PARAMS, BODY, "c") is None
    with ddb.transaction() as tx:
        tx.save(counter(planning, "x"))
    assert audit_events(planning) == []
