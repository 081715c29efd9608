"""Answers to requests through the HTTP API (issue #5): the manager's decisions per element and per line,
what the family reads, the period's answer settings (automatic acceptance, waiting-list mode, automatic
confirmation of cancellations, capacities), the waiting list, the capacity board, and who may do what."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import botocore.client
import pytest

from tests.helpers import seed_catalogue, staff_token
from tests.planning.support import at, authorizer, validated_family

PERIOD = "periscolaire-2026-2027-schweighouse"
STRUCTURE = "acem-schweighouse"
GRANT = [(STRUCTURE, "periscolaire")]
API = "/api/planning"


@pytest.fixture
def manager(stack: Any) -> str:
    seed_catalogue(stack)
    at(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    return staff_token(stack, "responsable@asso.fr", "manager", [STRUCTURE])


def settings(stack: Any, token: str, **values: Any) -> Any:
    body = {"decision_mode": "manual", "waitlist_mode": "auto", "auto_confirm_cancellations": False, **values}
    return stack.call("PUT", f"{API}/staff/periods/{PERIOD}/settings", body, token=token)


def book(stack: Any, token: str, child_id: str, slots: list[str], weekday: int = 0) -> dict[str, Any]:
    created = stack.call("POST", f"{API}/requests", {"child_id": child_id, "period_id": PERIOD,
                         "selection": [{"weekday": weekday, "slot_code": s} for s in slots]}, token=token)
    assert created.status_code == 201, created.json
    return dict(created.json)


def decide(stack: Any, token: str, family_id: str, request_id: str, **body: Any) -> Any:
    return stack.call("POST", f"{API}/staff/requests/{family_id}/{request_id}/decide", body, token=token)


def statuses(stack: Any, token: str, request_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in stack.call("GET", f"{API}/requests/{request_id}", token=token).json["lines"]:
        counts[line["status"]] = counts.get(line["status"], 0) + 1
    return counts


def subjects(stack: Any, email: str) -> list[str]:
    return [m["subject"] for m in stack.mail_to(email)]


@contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    """The DynamoDB operations made meanwhile (every AWS call goes through botocore's client)."""
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(client: Any, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name == "dynamodb" and not authorizer(operation, params):
            calls.append(operation)
        return original(client, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
        yield calls


def test_manager_decides_per_element_and_per_line_and_the_family_reads_the_answer(stack: Any, manager: str) -> None:
    family, family_id = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    request = book(stack, family, "c-lea", ["MIDI", "SOIR"])
    rid = request["request_id"]

    queue = stack.call("GET", f"{API}/staff/requests?structure_id={STRUCTURE}&status=pending&q=L%C3%A9", token=manager)
    assert [(i["request_id"], i["child_first_name"], i["answer"]) for i in queue.json["items"]] == \
        [(rid, "Léa", "pending")]
    assert stack.call("GET", f"{API}/staff/requests?structure_id={STRUCTURE}&q=zoé", token=manager).json["items"] == []
    detail = stack.call("GET", f"{API}/staff/requests/{family_id}/{rid}", token=manager).json
    assert [(e["weekday_label"], e["slot_code"], e["parity"]) for e in detail["elements"]] == \
        [("Lundi", "MIDI", "all"), ("Lundi", "SOIR", "all")]
    mondays = detail["elements"][0]["counts"]["pending"]
    assert mondays > 30  # every school Monday of the year

    refused = decide(stack, manager, family_id, rid, elements=[
        {"weekday": 0, "slot_code": "MIDI", "decision": "accepted"},
        {"weekday": 0, "slot_code": "SOIR", "decision": "refused"}])
    assert refused.status_code == 400
    assert refused.json["error"]["message"] and "elements" in refused.json["error"]["fields"]
    assert statuses(stack, family, rid) == {"pending": 2 * mondays}  # nothing half written

    decided = decide(stack, manager, family_id, rid, elements=[
        {"weekday": 0, "slot_code": "MIDI", "decision": "accepted"},
        {"weekday": 0, "slot_code": "SOIR", "decision": "refused", "reason": "Pas de transport le soir"}],
        lines=[{"date": "2026-09-14", "slot_code": "MIDI", "decision": "waitlisted", "reason": "Complet ce jour"}])
    assert decided.status_code == 200, decided.json
    lines = {(ln["date"], ln["slot_code"]): ln for ln in decided.json["lines"]}
    assert (lines[("2026-09-14", "MIDI")]["status"], lines[("2026-09-14", "MIDI")]["reason"]) == \
        ("waitlisted", "Complet ce jour")
    assert lines[("2026-09-21", "MIDI")]["status"] == "accepted"
    # The manager puts that date back with its element: it takes its place.
    assert decide(stack, manager, family_id, rid, lines=[
        {"date": "2026-09-14", "slot_code": "MIDI", "decision": "accepted"}]).status_code == 200
    assert (decided.json["answer"], decided.json["answer_label"], decided.json["full_dates"]) == \
        ("partially_accepted", "Partiellement acceptée", 0)

    mine = stack.call("GET", f"{API}/requests/{rid}", token=family).json
    assert mine["answer_label"] == "Partiellement acceptée"
    assert "Motif du refus : Pas de transport le soir" in mine["explanation"]
    assert [(o["slot"], o["accepted"], o["refused"], o["reason"]) for o in mine["outcomes"]] == \
        [("PERISCOLAIRE MIDI", mondays, 0, ""), ("PERISCOLAIRE SOIR", 0, mondays, "Pas de transport le soir")]
    history = stack.call("GET", f"{API}/requests", token=family).json["items"]
    assert (history[0]["answer"], history[0]["status"]) == ("partially_accepted", "Partiellement acceptée")
    agenda = stack.call("GET", f"{API}/agenda?month=2026-09", token=family).json["lines"]
    assert {(ln["slot_code"], ln["status"], ln["reason"]) for ln in agenda} == \
        {("MIDI", "accepted", None), ("SOIR", "refused", "Pas de transport le soir")}
    stack.drain()
    told = [m for m in stack.mail_to("claire@example.fr") if "partiellement acceptée" in m["subject"]]
    assert len(told) == 2  # one e-mail per decision that changed the answer's detail
    assert all("Pas de transport le soir" in m["text"] for m in told)

    # One line revised: the accepted Monday 7 September is refused, its place is freed.
    first_monday = "2026-09-07"
    board = stack.call("GET", f"{API}/staff/board?structure_id={STRUCTURE}&period_id={PERIOD}&month=2026-09",
                       token=manager).json
    cell = next(s for d in board["days"] if d["date"] == first_monday for s in d["slots"] if s["code"] == "MIDI")
    assert cell["taken"] == 1
    revised = decide(stack, manager, family_id, rid, lines=[
        {"date": first_monday, "slot_code": "MIDI", "decision": "refused", "reason": "Sortie scolaire"}])
    assert revised.status_code == 200 and revised.json["freed"] == 1
    board = stack.call("GET", f"{API}/staff/board?structure_id={STRUCTURE}&period_id={PERIOD}&month=2026-09",
                       token=manager).json
    cell = next(s for d in board["days"] if d["date"] == first_monday for s in d["slots"] if s["code"] == "MIDI")
    assert (cell["taken"], cell["free"]) == (0, cell["capacity"])


def test_the_capacity_board_is_one_query_and_shows_closed_days(stack: Any, manager: str) -> None:
    assert settings(stack, manager, decision_mode="auto_accept", capacities={"MIDI": 1}).status_code == 200
    family, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    book(stack, family, "c-lea", ["MIDI"])
    with dynamodb_calls() as calls:
        board = stack.call("GET", f"{API}/staff/board?structure_id={STRUCTURE}&period_id={PERIOD}&month=2027-05",
                           token=manager)
    assert board.status_code == 200
    assert calls == ["Query", "Query"]  # the catalogue, then the month's counters
    days = {d["date"]: d for d in board.json["days"]}
    assert days["2027-05-06"]["reason"] == "Jour férié : Ascension"
    assert days["2027-05-12"]["reason"] == "Hors période"  # a Wednesday: not a day of this period
    assert days["2027-05-17"]["slots"] == [] and not days["2027-05-17"]["open"]  # Whit Monday
    midi = next(s for s in days["2027-05-10"]["slots"] if s["code"] == "MIDI")
    assert (midi["capacity"], midi["taken"], midi["free"]) == (1, 1, 0)


def test_automatic_acceptance_then_a_capacity_raise_moves_the_waiting_list(stack: Any, manager: str) -> None:
    assert settings(stack, manager, decision_mode="auto_accept", capacities={"MIDI": 1}).status_code == 200
    first, _ = validated_family(stack, "alice@example.fr", GRANT, "c-alice", "Alice")
    second, _ = validated_family(stack, "basile@example.fr", GRANT, "c-basile", "Basile")
    a = book(stack, first, "c-alice", ["MIDI"])
    with dynamodb_calls() as calls:
        b = book(stack, second, "c-basile", ["MIDI"])
    assert set(statuses(stack, first, a["request_id"])) == {"accepted"}
    assert set(statuses(stack, second, b["request_id"])) == {"waitlisted"}
    # Every date full: after the request's own writes (its number, its lines), one refused transaction,
    # one Query of the counters, the waiting list in one transaction and the answer in another - never
    # a write per date.
    assert calls.count("UpdateItem") == 1 and calls.count("TransactWriteItems") == 4, " ".join(calls)
    waiting = stack.call("GET", f"{API}/requests/{b['request_id']}", token=second).json
    assert waiting["answer_label"] == "Sur liste d'attente" and "liste d'attente" not in waiting["lines"][0]["reason"]
    assert waiting["lines"][0]["reason"] == "Plus de place disponible à cette date."
    stack.drain()
    assert any("est acceptée" in s for s in subjects(stack, "alice@example.fr"))
    assert any("liste d'attente" in s for s in subjects(stack, "basile@example.fr"))

    raised = settings(stack, manager, decision_mode="auto_accept", capacities={"MIDI": 2})
    assert raised.status_code == 200 and raised.json["promoted_requests"] == [b["request_id"]]
    assert set(statuses(stack, second, b["request_id"])) == {"accepted"}
    stack.drain()
    assert any("Une place s'est libérée" in s for s in subjects(stack, "basile@example.fr"))


def test_a_waiting_list_left_to_the_manager_waits_for_the_button(stack: Any, manager: str) -> None:
    assert settings(stack, manager, decision_mode="auto_accept", waitlist_mode="manual",
                    capacities={"MIDI": 1}).status_code == 200
    first, first_id = validated_family(stack, "alice@example.fr", GRANT, "c-alice", "Alice")
    second, _ = validated_family(stack, "basile@example.fr", GRANT, "c-basile", "Basile")
    a = book(stack, first, "c-alice", ["MIDI"])
    b = book(stack, second, "c-basile", ["MIDI"])
    assert stack.call("POST", f"{API}/requests/{a['request_id']}/cancel", {"all": True}, token=first).status_code == 200
    confirmed = stack.call("POST", f"{API}/staff/requests/{first_id}/{a['request_id']}/cancellations/confirm", {},
                           token=manager)
    assert confirmed.status_code == 200 and confirmed.json["promoted_requests"] == []
    assert set(statuses(stack, second, b["request_id"])) == {"waitlisted"}

    (item,) = stack.call("GET", f"{API}/staff/waitlist?structure_id={STRUCTURE}&period_id={PERIOD}",
                         token=manager).json["items"]
    assert (item["request_id"], item["rank"], item["mode"], item["child_first_name"]) == \
        (b["request_id"], 1, "manual", "Basile")
    assert item["placeable"] == item["waiting_lines"] > 30
    promoted = stack.call("POST", f"{API}/staff/waitlist/promote", {"period_id": PERIOD}, token=manager)
    assert promoted.status_code == 200 and promoted.json["promoted_requests"] == [b["request_id"]]
    assert set(statuses(stack, second, b["request_id"])) == {"accepted"}
    assert stack.call("GET", f"{API}/staff/waitlist?structure_id={STRUCTURE}", token=manager).json["items"] == []


def test_cancellations_confirmed_automatically_free_the_place_at_once(stack: Any, manager: str) -> None:
    assert settings(stack, manager, decision_mode="auto_accept", auto_confirm_cancellations=True,
                    capacities={"MIDI": 1}).status_code == 200
    first, _ = validated_family(stack, "alice@example.fr", GRANT, "c-alice", "Alice")
    second, _ = validated_family(stack, "basile@example.fr", GRANT, "c-basile", "Basile")
    a = book(stack, first, "c-alice", ["MIDI"])
    b = book(stack, second, "c-basile", ["MIDI"])
    cancelled = stack.call("POST", f"{API}/requests/{a['request_id']}/cancel", {"from": "2027-01-01"}, token=first)
    assert cancelled.status_code == 200
    after = statuses(stack, first, a["request_id"])
    assert set(after) == {"accepted", "cancelled"} and after["cancelled"] == cancelled.json["line_count"]
    second_lines = statuses(stack, second, b["request_id"])
    assert second_lines == {"waitlisted": after["accepted"], "accepted": after["cancelled"]}
    stack.drain()
    assert any("Annulation confirmée" in s for s in subjects(stack, "alice@example.fr"))
    assert any("Une place s'est libérée" in s for s in subjects(stack, "basile@example.fr"))
    answer = stack.call("GET", f"{API}/requests/{b['request_id']}", token=second).json
    assert answer["answer"] == "partially_accepted"


def test_staff_answer_only_for_their_structures_and_bad_settings_are_refused(stack: Any, manager: str) -> None:
    family, family_id = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    rid = book(stack, family, "c-lea", ["MIDI"])["request_id"]
    other = staff_token(stack, "ailleurs@asso.fr", "manager", ["acem-haguenau-mercredi"])
    assert decide(stack, other, family_id, rid, elements=[{"weekday": 0, "slot_code": "MIDI",
                                                            "decision": "accepted"}]).status_code == 403
    assert stack.call("GET", f"{API}/staff/requests/{family_id}/{rid}", token=other).status_code == 403
    assert settings(stack, other, capacities={"MIDI": 99}).status_code == 403
    assert stack.call("POST", f"{API}/staff/waitlist/promote", {"period_id": PERIOD}, token=other).status_code == 403
    assert stack.call("GET", f"{API}/staff/committee/{PERIOD}/jobs", token=other).status_code == 403
    assert stack.call("GET", f"{API}/staff/requests/{family_id}/{rid}", token=family).status_code == 403
    assert set(statuses(stack, family, rid)) == {"pending"}

    unknown = settings(stack, manager, capacities={"GOUTER": 3})
    assert unknown.status_code == 400 and "capacities" in unknown.json["error"]["fields"]
    negative = settings(stack, manager, capacities={"MIDI": -1})
    assert negative.status_code == 400 and "capacities" in str(negative.json["error"]["fields"])
    bad_mode = settings(stack, manager, waitlist_mode="parfois")
    assert bad_mode.status_code == 400 and "waitlist_mode" in bad_mode.json["error"]["fields"]
    bad_status = stack.call("GET", f"{API}/staff/requests?structure_id={STRUCTURE}&status=nimporte", token=manager)
    assert bad_status.status_code == 400 and "status" in bad_status.json["error"]["fields"]
    wrong = stack.call("GET", f"{API}/staff/board?structure_id={STRUCTURE}&period_id=inconnue&month=2026-09",
                       token=manager)
    assert wrong.status_code == 404 and "period_id" in wrong.json["error"]["fields"]


def test_committee_runs_are_listed_newest_first(stack: Any, manager: str) -> None:
    family, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    book(stack, family, "c-lea", ["MIDI"])
    first = stack.call("POST", f"{API}/staff/committee/{PERIOD}/jobs", {"keep_siblings_together": False},
                       token=manager).json
    at(datetime(2026, 6, 1, 8, 30, tzinfo=UTC))
    second = stack.call("POST", f"{API}/staff/committee/{PERIOD}/jobs", {}, token=manager).json
    stack.drain()
    runs = stack.call("GET", f"{API}/staff/committee/{PERIOD}/jobs", token=manager).json["items"]
    assert [(r["job_id"], r["status"]) for r in runs] == [(second["job_id"], "simulated"),
                                                           (first["job_id"], "simulated")]
    assert runs[1]["options"] == {"keep_siblings_together": False}
    assert runs[0]["summary"]["children"] == 1


def test_publication_goes_page_by_page_and_tells_each_family_once(stack: Any, manager: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from planning import jobs

    monkeypatch.setattr(jobs, "PAGE", 2)  # three children: two messages of publication
    assert settings(stack, manager, capacities={"MIDI": 2}).status_code == 200
    families = [validated_family(stack, f"{name}@example.fr", GRANT, f"c-{name}", name.title())
                for name in ("alice", "basile", "chloe")]
    requests = [book(stack, token, f"c-{name}", ["MIDI"])
                for (token, _), name in zip(families, ("alice", "basile", "chloe"), strict=True)]
    job = stack.call("POST", f"{API}/staff/committee/{PERIOD}/jobs", {}, token=manager).json
    stack.drain()
    assert stack.call("POST", f"{API}/staff/committee/{PERIOD}/jobs/{job['job_id']}/publish", {},
                      token=manager).status_code == 202
    stack.drain()
    done = stack.call("GET", f"{API}/staff/committee/{PERIOD}/jobs/{job['job_id']}", token=manager).json
    assert (done["status"], done["published_rows"]) == ("published", 3)
    assert all(row["published"] for row in done["rows"])
    answers = [stack.call("GET", f"{API}/requests/{r['request_id']}", token=t).json["answer"]
               for r, (t, _) in zip(requests, families, strict=True)]
    assert sorted(answers) == ["accepted", "accepted", "waitlisted"]

    told = len(stack.mail())
    jobs.publish(jobs.get_job(PERIOD, job["job_id"]), "redelivered")  # a page delivered again
    stack.drain()
    assert len(stack.mail()) == told


def test_the_family_month_is_one_query_with_the_answer_on_each_slot(stack: Any, manager: str) -> None:
    family, family_id = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    rid = book(stack, family, "c-lea", ["MIDI", "SOIR"])["request_id"]
    assert decide(stack, manager, family_id, rid, elements=[
        {"weekday": 0, "slot_code": "MIDI", "decision": "accepted"},
        {"weekday": 0, "slot_code": "SOIR", "decision": "waitlisted"}]).status_code == 200
    with dynamodb_calls() as calls:
        month = stack.call("GET", f"{API}/agenda?month=2026-10", token=family)
    assert calls == ["Query"]
    assert {(ln["slot_label"], ln["status_label"], ln["child_first_name"]) for ln in month.json["lines"]} == \
        {("PERISCOLAIRE MIDI", "Acceptée", "Léa"), ("PERISCOLAIRE SOIR", "Liste d'attente", "Léa")}


def test_a_slot_with_no_place_accepts_nobody(stack: Any, manager: str) -> None:
    assert settings(stack, manager, decision_mode="auto_accept", capacities={"MIDI": 0}).status_code == 200
    family, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    request = book(stack, family, "c-lea", ["MIDI"])
    assert set(statuses(stack, family, request["request_id"])) == {"waitlisted"}
