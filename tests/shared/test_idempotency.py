"""The idempotent-consumer helper: once per event_id, a failed action is retried, a fresh claim of
another worker keeps the message for later, a stale claim (crashed worker) is taken over."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared import clock, idempotency


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
