"""The volume demo (``DEMO_FAMILIES=N make run``): each kind of family it seeds ends where the demo says,
through the real routes, with the relay and the queues running in the background as under ``make run``."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from infra.local import demo, demo_volume, workers
from tests.conftest import APPS


@pytest.fixture
def background(stack: Any) -> Iterator[None]:
    """What ``make run``'s threads do: relay outboxes and pump queues until stopped."""
    stopped = threading.Event()

    def run() -> None:
        while not stopped.is_set():
            if not workers.relay_once() + workers.pump_once(APPS, retry_delay=0):
                stopped.wait(0.05)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    stopped.set()
    thread.join(timeout=60)


def staff_token(stack: Any, email: str) -> str:
    response = stack.call("POST", "/api/accounts/login", {"email": email, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 200, response.json
    return str(response.json["access_token"])


def test_the_mix_covers_every_kind_of_request() -> None:
    kinds = Counter(demo_volume.kind_of(n) for n in range(1, 301))
    assert kinds == {"periscolaire": 195, "creche": 60, "periscolaire+sejour": 45}


def test_families_of_each_kind_are_seeded_validated_and_booked(stack: Any, background: None) -> None:
    demo.seed()
    emails = {role: email for _, role, email, *_ in demo.STAFF}
    staff = demo_volume.Staff(*(staff_token(stack, emails[r]) for r in ("manager", "admin", "coordinator")))
    families = (1, 2, 3, 6)  # périscolaire + séjour, périscolaire with Wednesdays, crèche, left « à valider »
    assert [demo_volume.kind_of(n) for n in families] == ["periscolaire+sejour", "periscolaire", "creche",
                                                           "periscolaire"]
    for n in families:
        demo_volume._family(demo_volume._Client(stack.http.application), n, staff, demo.DEMO_PASSWORD)

    queue = stack.call("GET", "/api/enrolment/staff/requests", token=staff.admin).json["items"]
    assert Counter((r["kind"], r["status"]) for r in queue) == {
        ("periscolaire", "validated"): 2, ("sejour", "validated"): 1, ("creche", "validated"): 1,
        ("periscolaire", "submitted"): 1}

    def booked(structure_id: str) -> list[dict[str, Any]]:
        return list(stack.call("GET", f"/api/planning/staff/requests?structure_id={structure_id}&status=all",
                               token=staff.admin).json["items"])

    assert {r["period_id"] for r in booked("acem-schweighouse")} == {demo_volume.PERISCOLAIRE}
    assert len(booked("acem-schweighouse")) == 2
    assert [r["period_id"] for r in booked("acem-haguenau-mercredi")] == [demo_volume.MERCREDI]
    assert [r["period_id"] for r in booked("creche-les-lutins")] == [demo_volume.CRECHE]
    (sejour,) = booked("sejours")
    assert sejour["period_id"] == demo_volume.sejour_of(1) and sejour["counts"] == {"accepted": 5}  # decided
