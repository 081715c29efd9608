"""Races on reservation lines, with real threads through the HTTP routes (issue 10): a family cancels the
very line the manager revises; the same request is sent twice (one key, or two tabs); a line write fails
halfway. Each shows its invariant: places taken never exceed the capacity and the counter equals the
lines holding a place; one request; one recap e-mail; nothing half applied; the loser gets a French 409."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import botocore.client
import pytest
from botocore.exceptions import ClientError
from werkzeug.test import Client

from infra.local.gateway import Gateway
from tests.conftest import APPS
from tests.helpers import seed_catalogue, staff_token
from tests.planning.support import at, validated_family
from tests.planning.test_capacity_concurrency import atomic_moto  # noqa: F401  (a fixture)

API = "/api/planning"
PERIOD = "periscolaire-2026-2027-schweighouse"
STRUCTURE = "acem-schweighouse"
GRANT = [(STRUCTURE, "periscolaire")]
MONDAYS = ("2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28", "2026-10-05", "2026-10-12")


@pytest.fixture
def manager(stack: Any) -> str:
    seed_catalogue(stack)
    at(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    return staff_token(stack, "responsable@asso.fr", "manager", [STRUCTURE])


def together(*calls: Callable[[Client], Any]) -> list[Any]:
    """Run each call on its own thread and connection, released at the same instant."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[Client], Any]) -> Any:
        client = Client(Gateway(APPS))  # one connection per worker, as parallel Lambdas
        barrier.wait()
        return call(client)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def post(path: str, body: dict[str, Any], token: str, key: str | None = None) -> Callable[[Client], Any]:
    headers = {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}
    return lambda client: client.open(path, method="POST", json=body, headers=headers)


def places(stack: Any, token: str, day: str) -> tuple[int, int, int]:
    """(places counted on the board, lines holding a place, capacity) of MIDI on ``day``."""
    board = stack.call("GET", f"{API}/staff/board?structure_id={STRUCTURE}&period_id={PERIOD}&month={day[:7]}",
                       token=token).json
    cell = next(s for d in board["days"] if d["date"] == day for s in d["slots"] if s["code"] == "MIDI")
    occupancy = stack.call("GET", f"{API}/staff/occupancy?structure_id={STRUCTURE}&date={day}", token=token).json
    midi = next(s for s in occupancy["slots"] if s["code"] == "MIDI")
    return cell["taken"], midi["accepted"] + midi["offered"] + midi["cancel_requested"], cell["capacity"]


def test_a_family_cancelling_the_line_the_manager_revises_never_oversells(stack: Any, manager: str,
                                                                          atomic_moto: None) -> None:  # noqa: F811
    body = {"decision_mode": "manual", "waitlist_mode": "manual", "auto_confirm_cancellations": False,
            "capacities": {"MIDI": 2}}
    assert stack.call("PUT", f"{API}/staff/periods/{PERIOD}/settings", body, token=manager).status_code == 200
    families = [validated_family(stack, f"famille{n}@example.fr", GRANT, f"c-{n}", f"Enfant{n}") for n in range(3)]
    requests = [stack.call("POST", f"{API}/requests", {"child_id": f"c-{n}", "period_id": PERIOD,
                           "selection": [{"weekday": 0, "slot_code": "MIDI"}]}, token=token).json
                for n, (token, _) in enumerate(families)]
    (x_token, x_id), x_request = families[0], requests[0]["request_id"]
    accept = {"elements": [{"weekday": 0, "slot_code": "MIDI", "decision": "accepted"}]}
    assert stack.call("POST", f"{API}/staff/requests/{x_id}/{x_request}/decide", accept,
                      token=manager).status_code == 200

    outcomes = []
    for day in MONDAYS:
        cancel, revise = together(
            post(f"{API}/requests/{x_request}/cancel", {"lines": [{"date": day, "slot_code": "MIDI"}]}, x_token),
            post(f"{API}/staff/requests/{x_id}/{x_request}/decide",
                 {"lines": [{"date": day, "slot_code": "MIDI", "decision": "refused", "reason": "Révision"}]},
                 manager))
        assert revise.status_code == 200, revise.json
        assert cancel.status_code in (200, 409), cancel.json
        if cancel.status_code == 409:
            assert cancel.json["error"]["message"].startswith("Ces présences viennent de changer")
        outcomes.append((cancel.status_code, revise.json["freed"]))
        # Exactly one of the two moved the line: a cancellation asked, or a place freed by the revision.
        assert (cancel.status_code == 200) != (revise.json["freed"] == 1), (day, outcomes)
    confirmed = stack.call("POST", f"{API}/staff/requests/{x_id}/{x_request}/cancellations/confirm", {},
                           token=manager)
    assert confirmed.status_code in (200, 409)
    for (_token, family_id), request in zip(families[1:], requests[1:], strict=True):
        decided = stack.call("POST", f"{API}/staff/requests/{family_id}/{request['request_id']}/decide", accept,
                             token=manager)
        assert decided.status_code == 200, decided.json
    for day in MONDAYS:
        taken, holding, capacity = places(stack, manager, day)
        assert taken == holding == capacity == 2, (day, taken, holding, outcomes)  # Y and Z got X's place
    taken, holding, capacity = places(stack, manager, "2026-11-16")  # a Monday nobody raced on: X kept it
    assert (taken, holding) == (2, 2)


def _year(child: str) -> dict[str, Any]:
    """Mondays, Tuesdays and Thursdays at noon: 100-odd lines, more than one transaction."""
    return {"child_id": child, "period_id": PERIOD, "selection": [{"weekday": d, "slot_code": "MIDI"}
                                                                  for d in (0, 1, 3)]}


def _recaps(stack: Any, email: str) -> list[dict[str, Any]]:
    stack.drain()
    return [m for m in stack.mail_to(email) if m["subject"].startswith("Récapitulatif de votre demande")]


def test_the_same_request_sent_twice_with_one_key_makes_one_request(stack: Any, manager: str,
                                                                   atomic_moto: None) -> None:  # noqa: F811
    token, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    first, second = together(post(f"{API}/requests", _year("c-lea"), token, "tab-key-0001"),
                             post(f"{API}/requests", _year("c-lea"), token, "tab-key-0001"))
    statuses = sorted([first.status_code, second.status_code])
    assert statuses in ([201, 201], [201, 409]), (first.json, second.json)
    created = [r.json for r in (first, second) if r.status_code == 201]
    assert len({c["request_id"] for c in created}) == 1  # a repeat answers the first result
    lost = [r.json for r in (first, second) if r.status_code == 409]
    assert all(e["error"]["message"] and e["error"]["fields"] for e in lost)
    repeat = stack.call("POST", f"{API}/requests", _year("c-lea"), token=token,
                        headers={"Idempotency-Key": "tab-key-0001"})
    assert (repeat.status_code, repeat.json["request_id"]) == (201, created[0]["request_id"])
    history = stack.call("GET", f"{API}/requests", token=token).json["items"]
    assert [(h["request_id"], h["line_count"], h["counts"]) for h in history] == \
        [(created[0]["request_id"], created[0]["line_count"], {"pending": created[0]["line_count"]})]
    assert created[0]["line_count"] > 100
    assert len(_recaps(stack, "claire@example.fr")) == 1
    mondays = {**_year("c-lea"), "selection": [{"weekday": 0, "slot_code": "MIDI"}]}
    other = stack.call("POST", f"{API}/requests", mondays, token=token, headers={"Idempotency-Key": "tab-key-0001"})
    assert other.status_code == 422 and "Idempotency-Key" in other.json["error"]["fields"]


def test_two_tabs_sending_the_same_request_make_one_request_and_one_recap(stack: Any, manager: str,
                                                                         atomic_moto: None) -> None:  # noqa: F811
    token, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    first, second = together(post(f"{API}/requests", _year("c-lea"), token, "tab-one-0001"),
                             post(f"{API}/requests", _year("c-lea"), token, "tab-two-0002"))
    assert sorted([first.status_code, second.status_code]) == [201, 409], (first.json, second.json)
    loser = first if first.status_code == 409 else second
    assert "demandées" in loser.json["error"]["message"] and "selection" in loser.json["error"]["fields"]
    history = stack.call("GET", f"{API}/requests", token=token).json["items"]
    assert len(history) == 1 and history[0]["counts"] == {"pending": history[0]["line_count"]}
    agenda = stack.call("GET", f"{API}/agenda?month=2026-09", token=token).json["lines"]
    assert {ln["request_id"] for ln in agenda} == {history[0]["request_id"]}
    assert len(_recaps(stack, "claire@example.fr")) == 1


def test_a_line_write_failing_halfway_leaves_no_request_no_line_and_no_email(stack: Any, manager: str) -> None:
    token, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    original = botocore.client.BaseClient._make_api_call
    seen: list[str] = []

    def second_transaction_throttled(client: Any, operation: str, params: Any) -> Any:
        if operation == "TransactWriteItems":
            seen.append(operation)
            if len(seen) == 2:
                raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, operation)
        return original(client, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.client.BaseClient, "_make_api_call", second_transaction_throttled)
        failed = stack.call("POST", f"{API}/requests", _year("c-lea"), token=token,
                            headers={"Idempotency-Key": "flaky-key-0001"})
    assert failed.status_code == 503, failed.json
    assert failed.json["error"]["message"].startswith("Le service est momentanément surchargé")
    assert stack.call("GET", f"{API}/requests", token=token).json["items"] == []
    assert stack.call("GET", f"{API}/agenda?month=2026-09", token=token).json["lines"] == []
    assert _recaps(stack, "claire@example.fr") == []
    # The failure released the key: the family's retry goes through, once.
    retried = stack.call("POST", f"{API}/requests", _year("c-lea"), token=token,
                         headers={"Idempotency-Key": "flaky-key-0001"})
    assert retried.status_code == 201, retried.json
    assert len(_recaps(stack, "claire@example.fr")) == 1
