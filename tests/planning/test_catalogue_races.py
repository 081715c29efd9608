"""Catalogue changes against bookings and acceptances, with real threads (issue 13, decision 106): a slot
removed, a closure added or a capacity lowered while families book and staff accept. Whatever the order,
no live line is left on a removed slot or a closed day, no date's places exceed its capacity, and each
loser gets a French 409 that names what changed; a refused change leaves no audit event."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from werkzeug.test import Client

from infra.local.gateway import Gateway
from planning import decisions, gates, reservations
from tests.conftest import APPS
from tests.helpers import seed_catalogue, staff_token
from tests.planning.support import at, validated_family
from tests.planning.test_line_races import together

API = "/api/planning"
PERIOD = "periscolaire-2026-2027-schweighouse"
STRUCTURE = "acem-schweighouse"
GRANT = [(STRUCTURE, "periscolaire")]
LIVE = {"pending", "accepted", "waitlisted", "offered", "cancel_requested"}
MONTHS = ("2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05",
          "2027-06", "2027-07")


@pytest.fixture(autouse=True)
def strict_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIT_STRICT", "1")  # every catalogue write carries its audit event in its transaction


@pytest.fixture
def admin(stack: Any) -> str:
    seed_catalogue(stack)
    at(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    return staff_token(stack, "admin@asso.fr", "admin", [])


def _call(method: str, path: str, body: dict[str, Any] | None, token: str) -> Callable[[Client], Any]:
    return lambda client: client.open(path, method=method, json=body,
                                      headers={"Authorization": f"Bearer {token}"})


def _aside(call: Callable[[Client], Any]) -> Any:
    """Run ``call`` on another thread and connection, and wait for it (a second Lambda, in between)."""
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(call(Client(Gateway(APPS)))))
    worker.start()
    worker.join()
    return result[0]


def _period(stack: Any, token: str) -> dict[str, Any]:
    period = next(p for p in stack.call("GET", f"{API}/catalogue", token=token).json["periods"]
                  if p["period_id"] == PERIOD)
    return {k: v for k, v in period.items() if k != "period_id"}


def _without(body: dict[str, Any], code: str) -> dict[str, Any]:
    return {**body, "slots": [s for s in body["slots"] if s["code"] != code]}


def _booking(child: str, slot: str = "SOIR", weekday: int = 0) -> dict[str, Any]:
    return {"child_id": child, "period_id": PERIOD, "selection": [{"weekday": weekday, "slot_code": slot}]}


def _lines(stack: Any, token: str) -> list[dict[str, Any]]:
    """The family's lines over the year, as its agenda shows them."""
    return [ln for month in MONTHS
            for ln in stack.call("GET", f"{API}/agenda?month={month}", token=token).json["lines"]]


def _catalogue_audit(stack: Any, admin: str) -> list[dict[str, Any]]:
    stack.drain()
    return stack.call("GET", "/api/enrolment/staff/audit?from=2026-05-01&to=2026-06-30&action=catalogue",
                      token=admin).json["items"]


def test_a_booking_that_read_the_slot_before_its_removal_gets_a_409_naming_it(
        stack: Any, admin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    token, _ = validated_family(stack, "claire@example.fr", GRANT)
    body = _period(stack, admin)
    real = reservations._write_new_lines
    removed: list[Any] = []

    def removal_in_between(*args: Any, **kwargs: Any) -> Any:
        if not removed:  # the family read the catalogue with SOIR; the admin removes it before the write
            removed.append(_aside(_call("PUT", f"{API}/catalogue/periods/{PERIOD}", _without(body, "SOIR"), admin)))
        return real(*args, **kwargs)

    monkeypatch.setattr(reservations, "_write_new_lines", removal_in_between)
    booked = stack.call("POST", f"{API}/requests", _booking("child-1"), token=token)
    assert removed[0].status_code == 200, removed[0].json
    assert booked.status_code == 409, booked.json
    error = booked.json["error"]
    assert error["code"] == "catalogue_changed" and "SOIR" in error["message"] and "07/09/2026" in error["message"]
    assert "selection" in error["fields"]
    assert not [ln for ln in _lines(stack, token) if ln["slot_code"] == "SOIR"]  # nothing half written
    # The admin's change was recorded once; the family's lost booking is not a staff action.
    assert [e["label"] for e in _catalogue_audit(stack, admin)] == ["Période enregistrée"]


def test_a_removal_that_read_no_booking_loses_to_the_booking_with_a_409_and_no_audit_event(
        stack: Any, admin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    token, _ = validated_family(stack, "claire@example.fr", GRANT)
    body = _period(stack, admin)
    real = gates.Change.apply
    booked: list[Any] = []

    def booking_in_between(self: gates.Change, *args: Any, **kwargs: Any) -> Any:
        if not booked:  # the admin's checks are done; a family books SOIR before the cells are written
            booked.append(_aside(_call("POST", f"{API}/requests", _booking("child-1"), token)))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(gates.Change, "apply", booking_in_between)
    removal = stack.call("PUT", f"{API}/catalogue/periods/{PERIOD}", _without(body, "SOIR"), token=admin)
    assert booked[0].status_code == 201, booked[0].json
    assert removal.status_code == 409, removal.json
    assert removal.json["error"]["code"] == "would_orphan" and "SOIR" in removal.json["error"]["message"]
    assert "SOIR" in {s["code"] for s in _period(stack, admin)["slots"]}  # the period kept its slot
    lines = _lines(stack, token)
    assert lines and all(ln["slot_code"] == "SOIR" and ln["status"] == "pending" for ln in lines)
    assert _catalogue_audit(stack, admin) == []  # the refused change left no audit event
    # The cells the refused change had begun to close were reopened: the family can still add to SOIR.
    more = stack.call("POST", f"{API}/requests", _booking("child-1", weekday=1), token=token)
    assert more.status_code == 201, more.json


def test_families_booking_while_the_admin_removes_the_slot_never_leave_an_orphan(stack: Any, admin: str) -> None:
    families = [validated_family(stack, f"famille{n}@example.fr", GRANT, f"c-{n}", f"Enfant{n}")[0]
                for n in range(5)]
    body = _period(stack, admin)
    results = together(*(_call("POST", f"{API}/requests", _booking(f"c-{n}"), token)
                         for n, token in enumerate(families)),
                       _call("PUT", f"{API}/catalogue/periods/{PERIOD}", _without(body, "SOIR"), admin))
    *bookings, removal = results
    assert removal.status_code in (200, 409), removal.json
    soir = [ln for token in families for ln in _lines(stack, token) if ln["slot_code"] == "SOIR"]
    if removal.status_code == 200:  # the slot is gone: no booking may have landed on it
        assert "SOIR" not in {s["code"] for s in _period(stack, admin)["slots"]}
        assert not [ln for ln in soir if ln["status"] in LIVE]
    else:  # a booking landed first: the slot stays, named in the refusal
        assert removal.json["error"]["code"] == "would_orphan" and "SOIR" in removal.json["error"]["message"]
        assert "SOIR" in {s["code"] for s in _period(stack, admin)["slots"]}
    for booking in bookings:
        assert booking.status_code in (201, 400, 409), booking.json
        if booking.status_code == 409:  # lost the race to the removal
            assert booking.json["error"]["code"] == "catalogue_changed"
            assert "SOIR" in booking.json["error"]["message"]
        elif booking.status_code == 400:  # read the catalogue once the slot was gone
            assert booking.json["error"]["fields"] == {"selection": "SOIR"}
    # Each booking answered 201 kept every one of its lines.
    assert len(soir) == sum(b.json["line_count"] for b in bookings if b.status_code == 201)


def test_a_closure_added_while_a_family_books_that_day(stack: Any, admin: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    token, _ = validated_family(stack, "claire@example.fr", GRANT)
    closure = {"start": "2026-09-14", "end": "2026-09-14", "label": "Formation"}
    real = reservations._write_new_lines
    added: list[Any] = []

    def closure_in_between(*args: Any, **kwargs: Any) -> Any:
        if not added:
            added.append(_aside(_call("POST", f"{API}/catalogue/structures/{STRUCTURE}/closures", closure, admin)))
        return real(*args, **kwargs)

    monkeypatch.setattr(reservations, "_write_new_lines", closure_in_between)
    booked = stack.call("POST", f"{API}/requests", _booking("child-1", "MIDI"), token=token)
    assert added[0].status_code == 201, added[0].json
    assert booked.status_code == 409 and booked.json["error"]["code"] == "catalogue_changed", booked.json
    assert "14/09/2026" in booked.json["error"]["message"]
    monkeypatch.setattr(reservations, "_write_new_lines", real)
    # Booked again on the new catalogue, the closed Monday is left out; the closure taken back reopens it.
    again = stack.call("POST", f"{API}/requests", _booking("child-1", "MIDI"), token=token)
    assert again.status_code == 201, again.json
    assert "2026-09-14" not in {ln["date"] for ln in _lines(stack, token)}
    assert stack.call("DELETE", f"{API}/catalogue/structures/{STRUCTURE}/closures/2026-09-14",
                      token=admin).status_code == 200
    more = stack.call("POST", f"{API}/requests/{again.json['request_id']}/lines",
                      {"selection": [{"weekday": 0, "slot_code": "MIDI"}]}, token=token)
    assert more.status_code in (200, 201), more.json
    assert "2026-09-14" in {ln["date"] for ln in _lines(stack, token)}

    # The other way round: the booking lands first, the closure over it is refused, without an audit event.
    refused = stack.call("POST", f"{API}/catalogue/structures/{STRUCTURE}/closures",
                         {"start": "2026-09-21", "end": "2026-09-21", "label": "Formation"}, token=admin)
    assert refused.status_code == 409 and "annulez-les d'abord" in refused.json["error"]["message"]
    assert sorted(e["label"] for e in _catalogue_audit(stack, admin)) == ["Fermeture ajoutée", "Fermeture supprimée"]


def _board(stack: Any, token: str, month: str) -> list[tuple[str, int, int]]:
    board = stack.call("GET", f"{API}/staff/board?structure_id={STRUCTURE}&period_id={PERIOD}&month={month}",
                       token=token).json
    return [(d["date"], s["taken"], s["capacity"]) for d in board["days"] for s in d["slots"] if s["code"] == "MIDI"]


def test_a_capacity_lowered_while_staff_accept_never_oversells(stack: Any, admin: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    manual = {"decision_mode": "manual", "waitlist_mode": "manual", "auto_confirm_cancellations": False,
              "offer_reply_days": 0, "capacities": {"MIDI": 4}}
    assert stack.call("PUT", f"{API}/staff/periods/{PERIOD}/settings", manual, token=admin).status_code == 200
    families = [validated_family(stack, f"famille{n}@example.fr", GRANT, f"c-{n}", f"Enfant{n}") for n in range(4)]
    requests = [stack.call("POST", f"{API}/requests", _booking(f"c-{n}", "MIDI"), token=token).json["request_id"]
                for n, (token, _) in enumerate(families)]
    accept = {"elements": [{"weekday": 0, "slot_code": "MIDI", "decision": "accepted"}]}
    first = stack.call("POST", f"{API}/staff/requests/{families[0][1]}/{requests[0]}/decide", accept, token=admin)
    assert first.status_code == 200, first.json

    # A decision that read capacity 4 writes after the capacity went down to 1: it may not take a place.
    real = decisions._decide_together
    lowered: list[Any] = []

    def lowering_in_between(*args: Any, **kwargs: Any) -> Any:
        if not lowered:
            lowered.append(_aside(_call("PUT", f"{API}/staff/periods/{PERIOD}/settings",
                                        {**manual, "capacities": {"MIDI": 1}}, admin)))
        return real(*args, **kwargs)

    monkeypatch.setattr(decisions, "_decide_together", lowering_in_between)
    second = stack.call("POST", f"{API}/staff/requests/{families[1][1]}/{requests[1]}/decide", accept, token=admin)
    monkeypatch.setattr(decisions, "_decide_together", real)
    assert lowered[0].status_code == 200, lowered[0].json
    assert second.status_code in (200, 409), second.json
    cells = _board(stack, admin, "2026-09")
    assert cells and all(taken <= capacity == 1 for _, taken, capacity in cells), cells

    # Lowering below the places taken is refused, naming the slot and the days.
    below = stack.call("PUT", f"{API}/staff/periods/{PERIOD}/settings", {**manual, "capacities": {"MIDI": 0}},
                       token=admin)
    assert below.status_code == 409 and below.json["error"]["code"] == "capacity_below_taken", below.json
    assert "MIDI" in below.json["error"]["message"] and "07/09/2026" in below.json["error"]["message"]

    # Threads: the manager raises then lowers the capacity while the two other requests are decided.
    assert stack.call("PUT", f"{API}/staff/periods/{PERIOD}/settings", manual, token=admin).status_code == 200
    results = together(*(_call("POST", f"{API}/staff/requests/{families[n][1]}/{requests[n]}/decide", accept, admin)
                         for n in (1, 2, 3)),
                       _call("PUT", f"{API}/staff/periods/{PERIOD}/settings", {**manual, "capacities": {"MIDI": 2}},
                             admin))
    *decided, settings = results
    assert all(r.status_code in (200, 409) for r in decided), [r.json for r in decided]
    if settings.status_code == 409:
        assert settings.json["error"]["code"] in ("capacity_below_taken", "conflict"), settings.json
    for month in ("2026-09", "2026-12", "2027-06"):
        for day, taken, capacity in _board(stack, admin, month):
            assert taken <= capacity, (day, taken, capacity)


def test_a_booking_cancelled_by_a_concurrent_transaction_on_its_cells_is_tried_again(
        stack: Any, admin: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """In AWS two transactions touching the same cell at the same instant cancel one another
    (``TransactionConflict``, which moto never raises: injected here). Nothing was refused, so the booking
    writes the same items again; a condition that fails is still a 409 at once."""
    import botocore.client
    from botocore.exceptions import ClientError

    token, _ = validated_family(stack, "claire@example.fr", GRANT)
    original = botocore.client.BaseClient._make_api_call
    seen: list[int] = []

    def conflict(client: Any, operation: str, params: Any) -> Any:
        if operation == "TransactWriteItems" and len(seen) < 2:
            seen.append(len(params["TransactItems"]))
            raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                               "CancellationReasons": [{"Code": "TransactionConflict"}]
                               + [{"Code": "None"}] * (len(params["TransactItems"]) - 1)}, operation)
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", conflict)
    booked = stack.call("POST", f"{API}/requests", _booking("child-1", "MIDI"), token=token)
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", original)
    assert len(seen) == 2 and booked.status_code == 201, booked.json
    assert len(_lines(stack, token)) == booked.json["line_count"]
