"""Planning's staff actions and multi-transaction writes under faults and races (issues 12 and 13): each staff
action writes its audit event in its own first transaction (``AUDIT_STRICT=1`` turns a missing one into an
error); a decision whose first transaction fails records nothing, one whose process dies after it keeps
its record; two actions appending to a request's history at the same instant both keep their entry; a
request whose process died between its transactions is completed by the retry with the same key."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import botocore.client
import chalice.local
import pytest
from botocore.exceptions import ClientError

from tests.helpers import seed_catalogue, staff_token
from tests.planning.support import at, validated_family
from tests.planning.test_capacity_concurrency import atomic_moto  # noqa: F401  (a fixture)
from tests.planning.test_line_races import _recaps, _year, post, together

API = "/api/planning"
PERIOD = "periscolaire-2026-2027-schweighouse"
STRUCTURE = "acem-schweighouse"
GRANT = [(STRUCTURE, "periscolaire")]
ACCEPT_MONDAYS = {"elements": [{"weekday": 0, "slot_code": "MIDI", "decision": "accepted"}]}


class Crash(BaseException):
    """The process dies (nothing in the application catches it, as nothing runs after a Lambda is killed)."""


@pytest.fixture
def staff(stack: Any) -> tuple[str, str]:
    """(manager, admin) of a catalogue whose period leaves the waiting list and cancellations to the manager."""
    seed_catalogue(stack)
    at(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    manager = staff_token(stack, "responsable@asso.fr", "manager", [STRUCTURE])
    admin = staff_token(stack, "admin@asso.fr", "admin", [])
    body = {"decision_mode": "manual", "waitlist_mode": "manual", "auto_confirm_cancellations": False,
            "capacities": {"MIDI": 1}}
    assert stack.call("PUT", f"{API}/staff/periods/{PERIOD}/settings", body, token=manager).status_code == 200
    return manager, admin


def _book(stack: Any, token: str, child: str, weekdays: tuple[int, ...] = (0,)) -> str:
    created = stack.call("POST", f"{API}/requests", {"child_id": child, "period_id": PERIOD, "selection": [
        {"weekday": d, "slot_code": "MIDI"} for d in weekdays]}, token=token)
    assert created.status_code == 201, created.json
    return str(created.json["request_id"])


def _recorded(stack: Any, admin: str, request_id: str | None = None) -> list[tuple[str, str]]:
    """The audit log's (label, request) entries of planning's staff actions, as the admin reads them."""
    stack.drain()
    found = stack.call("GET", "/api/enrolment/staff/audit?from=2026-05-01&to=2026-06-30", token=admin)
    assert found.status_code == 200, found.json
    return sorted((e["label"], e["request_id"]) for e in found.json["items"]
                  if e["action"] in ("decision", "promotion") and (request_id is None or e["request_id"] == request_id))


@contextmanager
def transactions(fail_first: bool = False, crash_after_first: bool = False) -> Iterator[list[int]]:
    """Faults on the first TransactWriteItems made meanwhile: refused (throttled), or written and then the
    process dies. Yields the sizes of the transactions sent."""
    original = botocore.client.BaseClient._make_api_call
    sizes: list[int] = []

    def faulty(client: Any, operation: str, params: Any) -> Any:
        if operation != "TransactWriteItems":
            return original(client, operation, params)
        sizes.append(len(params["TransactItems"]))
        if fail_first and len(sizes) == 1:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, operation)
        answer = original(client, operation, params)
        if crash_after_first and len(sizes) == 1:
            raise Crash()
        return answer

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.client.BaseClient, "_make_api_call", faulty)
        yield sizes


@contextmanager
def both_read_before_either_writes() -> Iterator[Callable[[], None]]:
    """Two threads each hold their first TransactWriteItems until the other reaches its own, so both have
    read before either writes; yields the function that arms it again for another round."""
    original = botocore.client.BaseClient._make_api_call
    barrier = threading.Barrier(2, timeout=120)
    waited: set[int] = set()

    def hold(client: Any, operation: str, params: Any) -> Any:
        if operation == "TransactWriteItems" and threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()
        return original(client, operation, params)

    def again() -> None:
        waited.clear()
        barrier.reset()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.client.BaseClient, "_make_api_call", hold)
        yield again


def _statuses(stack: Any, manager: str, family_id: str, request_id: str) -> dict[str, int]:
    view = stack.call("GET", f"{API}/staff/requests/{family_id}/{request_id}", token=manager)
    assert view.status_code == 200, view.json
    counts: dict[str, int] = {}
    for line in view.json["lines"]:
        counts[line["status"]] = counts.get(line["status"], 0) + 1
    return counts


def test_planning_staff_actions_write_their_audit_event_in_their_transaction(
        stack: Any, staff: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    manager, admin = staff
    monkeypatch.setenv("AUDIT_STRICT", "1")  # a staff action without its event in a transaction is a 500
    (first, first_id), (second, second_id) = (
        validated_family(stack, f"famille{n}@example.fr", GRANT, f"c-{n}", f"Enfant{n}") for n in (1, 2))
    one, two = _book(stack, first, "c-1"), _book(stack, second, "c-2")
    decided = stack.call("POST", f"{API}/staff/requests/{first_id}/{one}/decide", ACCEPT_MONDAYS, token=manager)
    assert decided.status_code == 200 and decided.json["answer"] == "accepted", decided.json
    waiting = stack.call("POST", f"{API}/staff/requests/{second_id}/{two}/decide", ACCEPT_MONDAYS, token=manager)
    assert waiting.status_code == 200 and waiting.json["full_dates"] > 30, waiting.json  # one place a Monday
    assert stack.call("POST", f"{API}/requests/{one}/cancel", {"lines": [{"date": "2026-09-07", "slot_code": "MIDI"}]},
                      token=first).status_code == 200
    confirmed = stack.call("POST", f"{API}/staff/requests/{first_id}/{one}/cancellations/confirm", {},
                           token=manager)
    assert confirmed.status_code == 200 and confirmed.json["freed"] == 1, confirmed.json
    promoted = stack.call("POST", f"{API}/staff/waitlist/promote", {"period_id": PERIOD}, token=manager)
    assert promoted.status_code == 200 and promoted.json["promoted_requests"] == [two], promoted.json
    nothing = stack.call("POST", f"{API}/staff/waitlist/promote", {"period_id": PERIOD}, token=manager)
    assert nothing.status_code == 200 and nothing.json["promoted_requests"] == [], nothing.json
    flagged = stack.call("POST", f"{API}/staff/families/{second_id}/flag",
                         {"child_id": "c-2", "structure_id": STRUCTURE, "flag": True}, token=manager)
    assert flagged.status_code == 200, flagged.json
    # One entry per action that changed something (the promotion with no place to give changed nothing).
    assert _recorded(stack, admin) == sorted([
        ("Réponse à la demande", one), ("Réponse à la demande", two), ("Annulation confirmée", one),
        ("Places libérées attribuées", ""), ("Situation signalée", "")])


def test_a_decision_whose_first_transaction_fails_changes_and_records_nothing(
        stack: Any, staff: tuple[str, str]) -> None:
    manager, admin = staff
    token, family_id = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    request_id = _book(stack, token, "c-lea", (0, 1, 3))  # 100-odd lines: several transactions
    year = {"elements": [{"weekday": d, "slot_code": "MIDI", "decision": "accepted"} for d in (0, 1, 3)]}
    with transactions(fail_first=True) as sizes:
        failed = stack.call("POST", f"{API}/staff/requests/{family_id}/{request_id}/decide", year, token=manager)
    assert failed.status_code == 503 and failed.json["error"]["fields"], failed.json
    assert len(sizes) == 1  # the first transaction (48 lines, their counters, the request, the audit event)
    assert set(_statuses(stack, manager, family_id, request_id)) == {"pending"}
    assert _recorded(stack, admin, request_id) == []
    assert not [m for m in stack.mail_to("claire@example.fr") if m["subject"].startswith("Votre demande N°")]


def test_a_decision_dying_after_its_first_transaction_keeps_that_write_and_its_record(
        stack: Any, staff: tuple[str, str]) -> None:
    manager, admin = staff
    token, family_id = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    request_id = _book(stack, token, "c-lea", (0, 1, 3))
    year = {"elements": [{"weekday": d, "slot_code": "MIDI", "decision": "accepted"} for d in (0, 1, 3)]}
    with transactions(crash_after_first=True), pytest.raises(Crash):
        stack.call("POST", f"{API}/staff/requests/{family_id}/{request_id}/decide", year, token=manager)
    statuses = _statuses(stack, manager, family_id, request_id)
    assert statuses["accepted"] == 48 and statuses["pending"] > 50, statuses
    assert _recorded(stack, admin, request_id) == [("Réponse à la demande", request_id)]
    # The same answer sent again ends the work: every line accepted, the family told once, a second record.
    again = stack.call("POST", f"{API}/staff/requests/{family_id}/{request_id}/decide", year, token=manager)
    assert again.status_code == 200 and again.json["answer"] == "accepted", again.json
    assert set(_statuses(stack, manager, family_id, request_id)) == {"accepted"}
    assert _recorded(stack, admin, request_id) == [("Réponse à la demande", request_id)] * 2
    told = [m for m in stack.mail_to("claire@example.fr") if m["subject"].startswith("Votre demande N°")]
    assert len(told) == 1, [m["subject"] for m in told]


def test_two_history_entries_written_at_the_same_instant_are_both_kept(
        stack: Any, staff: tuple[str, str], atomic_moto: None) -> None:  # noqa: F811
    """The family asks to cancel a Monday while the manager refuses another, both having read the request
    before either writes (a barrier on their transactions): both entries are in its history."""
    manager, _ = staff
    token, family_id = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    request_id = _book(stack, token, "c-lea")
    assert stack.call("POST", f"{API}/staff/requests/{family_id}/{request_id}/decide", ACCEPT_MONDAYS,
                      token=manager).status_code == 200  # an answer, so that each refusal below is told
    mondays = ("2026-09-07", "2026-09-14", "2026-09-21")
    with both_read_before_either_writes() as again:
        for cancelled, refused in zip(mondays, ("2026-10-05", "2026-10-12", "2026-11-02"), strict=True):
            again()
            cancel, refuse = together(
                post(f"{API}/requests/{request_id}/cancel", {"lines": [{"date": cancelled, "slot_code": "MIDI"}]},
                     token),
                post(f"{API}/staff/requests/{family_id}/{request_id}/decide",
                     {"lines": [{"date": refused, "slot_code": "MIDI", "decision": "refused", "reason": "Complet"}]},
                     manager))
            assert cancel.status_code == 200 and refuse.status_code == 200, (cancel.json, refuse.json)
    history = stack.call("GET", f"{API}/requests/{request_id}", token=token).json["history"]
    whats = [entry["what"] for entry in history]
    assert whats[0].startswith("Demande créée")
    assert whats.count("Annulation demandée de 1 présence(s)") == 3, whats
    assert whats.count("Réponse de la structure") == 4, whats
    assert len(whats) == 8


def test_a_request_whose_process_died_between_its_transactions_is_completed_by_the_retry(
        stack: Any, staff: tuple[str, str]) -> None:
    token, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    key = "crash-key-0001"
    # The process dies once the first of its transactions is written (a Lambda killed): its claim on the key
    # ends with the Lambda's remaining time, here at once.
    with transactions(crash_after_first=True) as sizes, pytest.MonkeyPatch.context() as patch, \
            pytest.raises(Crash):
        patch.setattr(chalice.local.LambdaContext, "get_remaining_time_in_millis", lambda self: 1)
        stack.call("POST", f"{API}/requests", _year("c-lea"), token=token, headers={"Idempotency-Key": key})
    assert len(sizes) == 1 and sizes[0] > 90  # the lines of the first transaction were written
    assert stack.call("GET", f"{API}/requests", token=token).json["items"] == []  # no request yet
    retried = stack.call("POST", f"{API}/requests", _year("c-lea"), token=token, headers={"Idempotency-Key": key})
    assert retried.status_code == 201, retried.json
    request_id, line_count = retried.json["request_id"], retried.json["line_count"]
    assert line_count > 100
    history = stack.call("GET", f"{API}/requests", token=token).json["items"]
    assert [(h["request_id"], h["counts"]) for h in history] == [(request_id, {"pending": line_count})]
    # Every line of the family's months belongs to that request: none left by the dead attempt.
    lines = [ln for month in ("2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02", "2027-03",
                              "2027-04", "2027-05", "2027-06", "2027-07")
             for ln in stack.call("GET", f"{API}/agenda?month={month}", token=token).json["lines"]]
    assert len(lines) == line_count and {ln["request_id"] for ln in lines} == {request_id}
    assert len(_recaps(stack, "claire@example.fr")) == 1
    # The answer of that key stays the same request.
    again = stack.call("POST", f"{API}/requests", _year("c-lea"), token=token, headers={"Idempotency-Key": key})
    assert (again.status_code, again.json["request_id"]) == (201, request_id)


def test_two_tabs_adding_slots_to_one_request_at_once_never_lose_a_slot_of_the_pattern(
        stack: Any, staff: tuple[str, str], atomic_moto: None) -> None:  # noqa: F811
    """Both tabs read the request before either writes: the second addition's pattern (rewritten from its
    copy) would drop the first's element; it is refused instead (409) and its lines are taken back."""
    token, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    request_id = _book(stack, token, "c-lea")
    path = f"{API}/requests/{request_id}/lines"
    with both_read_before_either_writes():
        fridays, tuesdays = together(post(path, {"selection": [{"weekday": 4, "slot_code": "MIDI"}]}, token),
                                     post(path, {"selection": [{"weekday": 1, "slot_code": "MIDI"}]}, token))
    assert sorted([fridays.status_code, tuesdays.status_code]) == [200, 409], (fridays.json, tuesdays.json)
    won = 4 if fridays.status_code == 200 else 1
    lost = (tuesdays if won == 4 else fridays).json
    assert lost["error"]["fields"] and lost["error"]["message"]
    view = stack.call("GET", f"{API}/requests/{request_id}", token=token).json
    weekdays = {date.fromisoformat(ln["date"]).weekday() for ln in view["lines"]}
    assert weekdays == {0, won}  # the winner's lines only: the loser's were taken back
    assert view["line_count"] == len(view["lines"])
    assert {o["weekday"] for o in view["outcomes"]} == {"Lundi", {4: "Vendredi", 1: "Mardi"}[won]}
    mine = stack.call("GET", f"{API}/requests", token=token).json["items"]
    assert mine[0]["counts"] == {"pending": len(view["lines"])}
    # The family sends it again and it goes through: both elements are in the request.
    again = stack.call("POST", path, {"selection": [{"weekday": 5 - won, "slot_code": "MIDI"}]}, token=token)
    assert again.status_code == 200, again.json
    view = stack.call("GET", f"{API}/requests/{request_id}", token=token).json
    assert {o["weekday"] for o in view["outcomes"]} == {"Lundi", "Mardi", "Vendredi"}
