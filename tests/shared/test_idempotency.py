"""The idempotent-consumer helper: once per event_id, a failed action is retried, a fresh claim of
another worker keeps the message for later, a stale claim (crashed worker) is taken over."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pynamodb.exceptions import TransactWriteError

from shared import clock, idempotency
from shared.ddb import transaction
from tests.helpers import dynamodb_calls


@pytest.fixture
def processed(stack: Any) -> Any:
    from notifications.models import Base

    return idempotency.processed_model(Base)


def test_an_event_acts_once(processed: Any) -> None:
    calls: list[int] = []
    assert idempotency.run_once(processed, "e1", "T", lambda: calls.append(1) or {"n": 1}) is True
    assert idempotency.run_once(processed, "e1", "T", lambda: calls.append(2) or None) is False
    assert calls == [1]


def test_a_failed_action_releases_the_claim(processed: Any) -> None:
    def boom() -> None:
        raise RuntimeError("SES down")

    with pytest.raises(RuntimeError):
        idempotency.run_once(processed, "e2", "T", boom)
    assert idempotency.run_once(processed, "e2", "T", lambda: None) is True


def test_a_fresh_claim_of_another_worker_is_retried_later_not_dropped(processed: Any) -> None:
    def other_worker_dies_midway() -> None:
        # While this worker holds the claim, a redelivery arrives.
        with pytest.raises(idempotency.EventInProgress):
            idempotency.run_once(processed, "e3", "T", lambda: None)
        raise SystemExit  # the worker dies without releasing anything else

    with pytest.raises(SystemExit):
        idempotency.run_once(processed, "e3", "T", other_worker_dies_midway)


def test_a_stale_claim_is_taken_over(processed: Any) -> None:
    pk, sk = idempotency.key("e4")
    now = clock.now()
    processed(pk=pk, sk=sk, detail_type="T", status="processing", claimed_at=int(now.timestamp())).save()
    with pytest.raises(idempotency.EventInProgress):
        idempotency.run_once(processed, "e4", "T", lambda: None)
    clock.travel(idempotency.LEASE + timedelta(seconds=1))
    assert idempotency.run_once(processed, "e4", "T", lambda: None) is True


# --- two writes per event (issue 12): the done mark in the action's transaction, the e-mail's deferred claim ---


def _name(structure_id: str, name: str) -> Any:
    from notifications.models import StructureName

    return StructureName(*StructureName.key(structure_id), name=name, changed_at=clock.now())


def _names() -> dict[str, str]:
    from notifications.models import StructureName

    return {item.sk: item.name for item in StructureName.query("STRUCTURE_NAME")}


def test_the_done_mark_rides_with_the_actions_transaction(processed: Any) -> None:
    def action() -> dict[str, Any]:
        with transaction() as tx:
            tx.save(_name("s1", "Les Lutins"))
            idempotency.complete(tx, {"written": 1})
        return {"written": 1}

    with dynamodb_calls() as seen:
        assert idempotency.run_once(processed, "e5", "T", action) is True
    assert seen == ["PutItem", "TransactWriteItems"]  # the claim; the action with its done mark
    assert processed.get(*idempotency.key("e5")).status == "done"
    assert idempotency.run_once(processed, "e5", "T", action) is False

    def fails_after_its_transaction() -> None:
        with transaction() as tx:
            tx.save(_name("s2", "ACEM"))
            idempotency.complete(tx)
        raise RuntimeError("after the write")

    with pytest.raises(RuntimeError):
        idempotency.run_once(processed, "e6", "T", fails_after_its_transaction)
    # What was written is recorded as handled: a retry does not write it twice.
    assert idempotency.run_once(processed, "e6", "T", fails_after_its_transaction) is False


def test_a_worker_whose_claim_was_taken_over_cannot_commit_its_action(processed: Any) -> None:
    def taken_over() -> None:
        # This worker's lease runs out while it works; the message comes back and another worker acts.
        clock.travel(idempotency.LEASE + timedelta(seconds=1))

        def other() -> None:
            with transaction() as tx:
                tx.save(_name("s1", "written by the other worker"))
                idempotency.complete(tx)

        assert idempotency.run_once(processed, "e7", "T", other) is True
        with transaction() as tx:  # the late worker's own transaction is fenced off by its claim
            tx.save(_name("s1", "written twice"))
            idempotency.complete(tx)

    with pytest.raises(TransactWriteError):
        idempotency.run_once(processed, "e7", "T", taken_over)
    assert _names() == {"s1": "written by the other worker"}
    assert processed.get(*idempotency.key("e7")).status == "done"  # not released by the late worker
    assert idempotency.run_once(processed, "e7", "T", lambda: None) is False


def test_a_deferred_claim_is_written_only_before_the_irreversible_step(processed: Any) -> None:
    effects: list[str] = []

    def send() -> dict[str, Any]:
        if idempotency.claim():
            effects.append("sent")
        return {"sent": 1}

    with dynamodb_calls() as seen:
        assert idempotency.run_once(processed, "e8", "T", send, deferred=True) is True
    assert seen == ["PutItem", "UpdateItem"]
    assert idempotency.run_once(processed, "e8", "T", send, deferred=True) is False
    # An action that reaches no irreversible step is recorded handled at the end, in one write.
    with dynamodb_calls() as seen:
        assert idempotency.run_once(processed, "e9", "T", lambda: None, deferred=True) is True
    assert seen == ["PutItem"]
    assert idempotency.run_once(processed, "e9", "T", lambda: None, deferred=True) is False
    assert effects == ["sent"]
