"""Capacity under concurrency: many parallel acceptances for the last K places accept exactly K.

DynamoDB applies each conditional write atomically; moto does not (it evaluates a condition and writes
in plain Python, so threads may interleave between the two). The test makes moto's DynamoDB write
operations atomic, as the real service is, and nothing else: a read-then-write implementation in the
service would still over-accept here, since threads interleave between its read and its write."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend
from werkzeug.test import Client

from infra.local.gateway import Gateway
from tests.conftest import APPS
from tests.helpers import seed_catalogue, staff_token
from tests.planning.support import at, validated_family

PERIOD = "periscolaire-2026-2027-schweighouse"
FAMILIES = 8
PLACES = 3


@pytest.fixture
def atomic_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    lock = threading.RLock()  # transact_write_items calls the item operations itself
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def atomic(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, atomic)


def test_parallel_acceptances_never_exceed_capacity(stack: Any, atomic_moto: None) -> None:
    seed_catalogue(stack)
    at(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    manager = staff_token(stack, "responsable@asso.fr", "manager", ["acem-schweighouse"])
    period = next(p for p in stack.call("GET", "/api/planning/catalogue", token=manager).json["periods"]
                  if p["period_id"] == PERIOD)
    period["slots"] = [{**s, "capacity": PLACES if s["code"] == "MIDI" else s["capacity"]} for s in period["slots"]]
    stack.call("PUT", f"/api/planning/catalogue/periods/{PERIOD}",
               {k: v for k, v in period.items() if k != "period_id"}, token=manager)
    requests = []
    for n in range(FAMILIES):
        token, family_id = validated_family(stack, f"famille{n}@example.fr", [("acem-schweighouse", "periscolaire")],
                                            f"child-{n}", f"Enfant{n}")
        created = stack.call("POST", "/api/planning/requests", {"child_id": f"child-{n}", "period_id": PERIOD,
                             "selection": [{"weekday": 0, "slot_code": "MIDI"}]}, token=token).json
        requests.append((family_id, created["request_id"]))

    barrier = threading.Barrier(FAMILIES)

    def accept(family_and_request: tuple[str, str]) -> int:
        family_id, request_id = family_and_request
        client = Client(Gateway(APPS))  # one connection per worker, as parallel Lambdas
        barrier.wait()
        response = client.open(f"/api/planning/staff/requests/{family_id}/{request_id}/decide", method="POST",
                               json={"elements": [{"weekday": 0, "slot_code": "MIDI", "decision": "accepted"}]},
                               headers={"Authorization": f"Bearer {manager}"})
        return response.status_code

    with ThreadPoolExecutor(max_workers=FAMILIES) as pool:
        statuses = list(pool.map(accept, requests))
    assert statuses == [200] * FAMILIES

    for monday in ("2026-09-07", "2026-11-16", "2027-06-28"):
        board = stack.call("GET", f"/api/planning/staff/occupancy?structure_id=acem-schweighouse&date={monday}",
                           token=manager).json
        midi = next(s for s in board["slots"] if s["code"] == "MIDI")
        assert midi["accepted"] == PLACES, monday
        assert midi["waitlisted"] == FAMILIES - PLACES, monday
