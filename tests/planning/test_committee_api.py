"""The placement committee through the HTTP API and the job queue (issues 12 and 13): waiting lines are
ranked with the pending ones, a waiting element says which date was full (simulation and family),
partial answers give the dates left, the publication counts its DynamoDB calls per child, a place taken
since the simulation sends only that date to the waiting list, and the ranking exports as CSV."""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import boto3
import pytest
from werkzeug.test import Client

from infra.local.gateway import Gateway
from shared.events.enrolment import FamilyValidated
from tests.conftest import APPS
from tests.planning.support import validated_family
from tests.planning.test_answers_api import (
    API,
    GRANT,
    PERIOD,
    STRUCTURE,
    book,
    decide,
    dynamodb_calls,
    manager,
    settings,
    statuses,
)
from tests.planning.test_capacity_concurrency import atomic_moto

__all__ = ["atomic_moto", "manager"]  # the fixtures, imported for this module's tests

MONDAY_MIDI = {"weekday": 0, "slot_code": "MIDI", "parity": "all"}


def flag(stack: Any, token: str, family_id: str, child_id: str) -> None:
    flagged = stack.call("POST", f"{API}/staff/families/{family_id}/flag",
                         {"child_id": child_id, "structure_id": STRUCTURE, "flag": True}, token=token)
    assert flagged.status_code == 200, flagged.json


def validate_sibling(stack: Any, family_id: str, email: str, child_id: str, name: str, **facts: bool) -> None:
    """Enrolment validates a second child of the family (the event through the bus, as in production)."""
    event = FamilyValidated(family_id=family_id, child_id=child_id, structure_id=STRUCTURE, activity="periscolaire",
                            email=email, first_name="Claire", child_first_name=name, structure_name=STRUCTURE,
                            **facts)
    boto3.client("events", region_name="eu-west-3").put_events(Entries=[{
        "Source": event.source, "DetailType": "FamilyValidated", "Detail": event.detail_json(),
        "EventBusName": stack.outputs["BusName"]}])
    stack.drain()


def simulate(stack: Any, token: str, keep_siblings_together: bool = True) -> dict[str, Any]:
    job = stack.call("POST", f"{API}/staff/committee/{PERIOD}/jobs",
                     {"keep_siblings_together": keep_siblings_together}, token=token)
    assert job.status_code == 202, job.json
    stack.drain()
    done = stack.call("GET", f"{API}/staff/committee/{PERIOD}/jobs/{job.json['job_id']}", token=token).json
    assert done["status"] == "simulated", done
    return dict(done)


def publish(stack: Any, token: str, job: dict[str, Any]) -> None:
    assert stack.call("POST", f"{API}/staff/committee/{PERIOD}/jobs/{job['job_id']}/publish", {},
                      token=token).status_code == 202
    stack.drain()


def request_view(stack: Any, token: str, request_id: str) -> dict[str, Any]:
    return dict(stack.call("GET", f"{API}/requests/{request_id}", token=token).json)


def first_monday(stack: Any, token: str, request_id: str) -> str:
    return min(ln["date"] for ln in request_view(stack, token, request_id)["lines"])


def take_one_date(stack: Any, manager: str, email: str, child: str) -> str:
    """Another family's request for Monday lunch, answered by the manager before the committee: its first
    Monday accepted (the only place of that date), the others refused. Returns that date."""
    token, family_id = validated_family(stack, email, GRANT, child, child.title())
    rid = book(stack, token, child, ["MIDI"])["request_id"]
    day = first_monday(stack, token, rid)
    assert decide(stack, manager, family_id, rid,
                  elements=[{**MONDAY_MIDI, "decision": "refused", "reason": "Une seule date possible."}],
                  lines=[{"date": day, "slot_code": "MIDI", "decision": "accepted"}]).status_code == 200
    return day


def test_a_line_the_manager_put_on_the_waiting_list_is_ranked_by_the_committee(stack: Any, manager: str) -> None:
    """Issue 13: a 50-point child already on the waiting list kept no place; a 30-point one took it."""
    assert settings(stack, manager, capacities={"MIDI": 1}).status_code == 200
    flagged, flagged_id = validated_family(stack, "flagged@example.fr", GRANT, "c-flag", "Inès")
    flag(stack, manager, flagged_id, "c-flag")
    waiting = book(stack, flagged, "c-flag", ["MIDI"])["request_id"]
    assert decide(stack, manager, flagged_id, waiting,
                  elements=[{**MONDAY_MIDI, "decision": "waitlisted"}]).status_code == 200
    assert set(statuses(stack, flagged, waiting)) == {"waitlisted"}
    resident, _ = validated_family(stack, "resident@example.fr", GRANT, "c-res", "Hugo", resident=True)
    pending = book(stack, resident, "c-res", ["MIDI"])["request_id"]

    job = simulate(stack, manager)
    assert [(r["request_id"], r["score"], r["answer"]) for r in job["rows"]] == [
        (waiting, 50, "accepted"), (pending, 30, "waitlisted")]
    publish(stack, manager, job)
    assert set(statuses(stack, flagged, waiting)) == {"accepted"}
    assert set(statuses(stack, resident, pending)) == {"waitlisted"}
    assert any("acceptée" in m["subject"] for m in stack.mail_to("flagged@example.fr"))


def test_a_waiting_element_says_which_date_was_full_in_the_simulation_and_to_the_family(
        stack: Any, manager: str) -> None:
    assert settings(stack, manager, capacities={"MIDI": 1}).status_code == 200
    day = take_one_date(stack, manager, "first@example.fr", "c-first")
    family, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa", resident=True)
    rid = book(stack, family, "c-lea", ["MIDI"])["request_id"]
    reason = f"Plus de place le {day[8:10]}/{day[5:7]}/{day[:4]}."

    job = simulate(stack, manager)
    (row,) = job["rows"]
    (element,) = row["elements"]
    assert (element["outcome"], element["full_dates"], element["reason"]) == ("waitlisted", [day], reason)
    assert job["summary"]["partial_answers"] is False
    assert job["summary"]["free_where_waiting"] == element["dates"] - 1  # the period refuses partial answers
    publish(stack, manager, job)

    view = request_view(stack, family, rid)
    assert view["answer"] == "waitlisted"
    assert [(o["waitlisted"], o["reason"]) for o in view["outcomes"]] == [(element["dates"], reason)]
    assert {ln["reason"] for ln in view["lines"]} == {reason}
    stack.drain()
    (mail,) = [m for m in stack.mail_to("claire@example.fr") if "liste d'attente" in m["subject"]]
    assert reason in mail["text"]


def test_partial_answers_give_every_date_with_a_place_and_the_family_reads_them(stack: Any, manager: str) -> None:
    """Issue 12: with the period's « réponses partielles », the dates left are given date by date."""
    assert settings(stack, manager, partial_answers=True, capacities={"MIDI": 1}).status_code == 200
    catalogue = stack.call("GET", f"{API}/catalogue", token=manager).json
    assert next(p for p in catalogue["periods"] if p["period_id"] == PERIOD)["partial_answers"] is True
    day = take_one_date(stack, manager, "first@example.fr", "c-first")
    family, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa", resident=True)
    rid = book(stack, family, "c-lea", ["MIDI"])["request_id"]
    other, _ = validated_family(stack, "zoe@example.fr", GRANT, "c-zoe", "Zoé")
    later = book(stack, other, "c-zoe", ["MIDI"])["request_id"]

    job = simulate(stack, manager)
    first, second = job["rows"]
    (element,) = first["elements"]
    assert (first["request_id"], first["answer"], element["outcome"]) == (rid, "partially_accepted", "partial")
    assert len(element["accepted_dates"]) == element["dates"] - 1 and day not in element["accepted_dates"]
    assert element["full_dates"] == [day]
    assert (second["request_id"], second["answer"]) == (later, "waitlisted")
    assert job["summary"]["free_where_waiting"] == 0
    publish(stack, manager, job)

    view = request_view(stack, family, rid)
    assert (view["answer"], view["answer_label"]) == ("partially_accepted", "Partiellement acceptée")
    waiting = [ln for ln in view["lines"] if ln["status"] == "waitlisted"]
    assert [(ln["date"], ln["reason"]) for ln in waiting] == [(day, f"Plus de place le {day[8:10]}/{day[5:7]}/"
                                                                    f"{day[:4]}.")]
    assert Counter(ln["status"] for ln in view["lines"])["accepted"] == element["dates"] - 1
    board = stack.call("GET", f"{API}/staff/board?structure_id={STRUCTURE}&period_id={PERIOD}&month={day[:7]}",
                       token=manager).json
    assert all(c["taken"] <= c["capacity"] for d in board["days"] for c in d["slots"])


def test_a_place_taken_since_the_simulation_sends_only_that_date_to_the_waiting_list(
        stack: Any, manager: str) -> None:
    assert settings(stack, manager, capacities={"MIDI": 1}).status_code == 200
    family, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    rid = book(stack, family, "c-lea", ["MIDI"])["request_id"]
    job = simulate(stack, manager)
    assert job["rows"][0]["answer"] == "accepted"
    day = take_one_date(stack, manager, "first@example.fr", "c-first")  # after the simulation

    publish(stack, manager, job)
    lines = request_view(stack, family, rid)["lines"]
    assert [(ln["date"], ln["reason"]) for ln in lines if ln["status"] != "accepted"] == [
        (day, "Plus de place disponible à cette date.")]
    board = stack.call("GET", f"{API}/staff/board?structure_id={STRUCTURE}&period_id={PERIOD}&month={day[:7]}",
                       token=manager).json
    assert next(c["taken"] for d in board["days"] if d["date"] == day for c in d["slots"] if c["code"] == "MIDI") == 1


def test_publication_makes_at_most_six_dynamodb_calls_per_child(stack: Any, manager: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: 18.5 calls per child before (a GetItem, two Queries, a transaction per element and per
    answer). Counted on a publication of 6 children (two of them siblings) asking Monday lunch and
    evening over the school year (about 70 lines each), with partial answers and a full date."""
    from planning import jobs

    assert settings(stack, manager, partial_answers=True, capacities={"MIDI": 3, "SOIR": 2}).status_code == 200
    take_one_date(stack, manager, "first@example.fr", "c-first")
    children = []
    for n, name in enumerate(("alice", "basile", "chloe", "dylan", "emma")):
        token, family_id = validated_family(stack, f"{name}@example.fr", GRANT, f"c-{name}", name.title(),
                                            resident=n % 2 == 0)
        children.append(book(stack, token, f"c-{name}", ["MIDI", "SOIR"])["request_id"])
        if name == "alice":
            validate_sibling(stack, family_id, "alice@example.fr", "c-alice-2", "Arthur", resident=True)
            children.append(book(stack, token, "c-alice-2", ["MIDI", "SOIR"])["request_id"])
    job = simulate(stack, manager)
    assert {r["answer"] for r in job["rows"]} >= {"accepted", "partially_accepted"}
    lines = sum(e["dates"] for r in job["rows"] for e in r["elements"])
    assert lines > 60 * len(children)

    with dynamodb_calls() as calls:
        jobs.publish(jobs.get_job(PERIOD, job["job_id"]), "counted")
    per_child = len(calls) / len(job["rows"])
    print(f"publication of {len(job['rows'])} children, {lines} lines: {len(calls)} DynamoDB calls "
          f"({per_child:.2f} per child): {dict(Counter(calls))}")
    assert per_child <= 6, Counter(calls)
    assert jobs.get_job(PERIOD, job["job_id"]).status == "published"
    assert all(r["published"] for r in jobs.rows(job["job_id"]))


def test_the_ranking_exports_as_csv(stack: Any, manager: str) -> None:
    assert settings(stack, manager, capacities={"MIDI": 1}).status_code == 200
    family, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa", resident=True)
    book(stack, family, "c-lea", ["MIDI"])
    other, _ = validated_family(stack, "zoe@example.fr", GRANT, "c-zoe", "Zoé")
    book(stack, other, "c-zoe", ["MIDI"])
    job = simulate(stack, manager)
    url = f"{API}/staff/committee/{PERIOD}/jobs/{job['job_id']}/export"
    exported = stack.call("GET", url, token=manager)
    assert exported.status_code == 200
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in exported.headers["Content-Disposition"]
    body = exported.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:5] == ["Rang", "N° demande", "Enfant", "Score", "Détail du score"]
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [("1", "Léa", "30"), ("2", "Zoé", "0")]
    assert rows[1][5:] and "Lundi PERISCOLAIRE MIDI : Acceptée" in rows[1][5]
    assert "Lundi PERISCOLAIRE MIDI : Liste d'attente" in rows[2][5] and "Plus de place le" in rows[2][5]
    other_token = stack.call("GET", url, token=other)
    assert other_token.status_code == 403


def test_publication_racing_manager_decisions_never_exceeds_capacity(stack: Any, manager: str,
                                                                     atomic_moto: None) -> None:
    """Three children published by the committee while the manager accepts three other requests for the
    same Mondays, in parallel threads: each Monday ends with exactly its 3 places taken, the counter
    equal to the lines accepted, every other line on the waiting list."""
    from planning import jobs

    assert settings(stack, manager, capacities={"MIDI": 3}).status_code == 200
    for n in range(3):
        token, _ = validated_family(stack, f"comite{n}@example.fr", GRANT, f"c-com-{n}", f"Comité{n}")
        book(stack, token, f"c-com-{n}", ["MIDI"])
    job = simulate(stack, manager)
    assert [r["answer"] for r in job["rows"]] == ["accepted"] * 3
    others = []
    for n in range(3):
        token, family_id = validated_family(stack, f"direct{n}@example.fr", GRANT, f"c-dir-{n}", f"Direct{n}")
        others.append((family_id, book(stack, token, f"c-dir-{n}", ["MIDI"])["request_id"]))

    barrier = threading.Barrier(4)

    def publish_job() -> int:
        barrier.wait()
        jobs.publish(jobs.get_job(PERIOD, job["job_id"]), "race")
        return 200

    def accept(family_and_request: tuple[str, str]) -> int:
        family_id, request_id = family_and_request
        client = Client(Gateway(APPS))
        barrier.wait()
        return int(client.open(f"{API}/staff/requests/{family_id}/{request_id}/decide", method="POST",
                               json={"elements": [{**MONDAY_MIDI, "decision": "accepted"}]},
                               headers={"Authorization": f"Bearer {manager}"}).status_code)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [pool.submit(publish_job), *[pool.submit(accept, o) for o in others]]
        assert [r.result() for r in results] == [200] * 4

    mondays = {day for r in job["rows"] for day in
               [ln["date"] for ln in stack.call("GET", f"{API}/staff/requests/{r['family_id']}/{r['request_id']}",
                                                token=manager).json["lines"]]}
    for day in sorted(mondays)[:: max(len(mondays) // 6, 1)]:
        occupancy = stack.call("GET", f"{API}/staff/occupancy?structure_id={STRUCTURE}&date={day}",
                               token=manager).json
        midi = next(s for s in occupancy["slots"] if s["code"] == "MIDI")
        assert (midi["accepted"], midi["waitlisted"], midi["pending"]) == (3, 3, 0), day
        board = stack.call("GET", f"{API}/staff/board?structure_id={STRUCTURE}&period_id={PERIOD}&month={day[:7]}",
                           token=manager).json
        assert next(c["taken"] for d in board["days"] if d["date"] == day for c in d["slots"]
                    if c["code"] == "MIDI") == 3, day


def test_the_managers_promotion_says_whether_places_were_given_or_offered(stack: Any, manager: str) -> None:
    """Issue 13: after an offer the screen said « a reçu une place »; the API now says what happened."""
    assert settings(stack, manager, waitlist_mode="manual", offer_reply_days=2, capacities={"MIDI": 1}
                    ).status_code == 200
    day = take_one_date(stack, manager, "first@example.fr", "c-first")
    family, family_id = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    rid = book(stack, family, "c-lea", ["MIDI"])["request_id"]
    assert decide(stack, manager, family_id, rid, elements=[{**MONDAY_MIDI, "decision": "accepted"}]
                  ).status_code == 200
    assert statuses(stack, family, rid)["waitlisted"] == 1  # the first Monday is full
    waitlist = stack.call("GET", f"{API}/staff/waitlist?structure_id={STRUCTURE}", token=manager).json["items"]
    assert [(i["request_id"], i["mode"], i["offer_reply_days"], i["placeable"]) for i in waitlist] == [
        (rid, "manual", 2, 0)]

    first = next(r for r in stack.call("GET", f"{API}/staff/requests?structure_id={STRUCTURE}&status=all",
                                       token=manager).json["items"] if r["request_id"] != rid)
    assert decide(stack, manager, first["family_id"], first["request_id"],
                  lines=[{"date": day, "slot_code": "MIDI", "decision": "refused", "reason": "Erreur."}]
                  ).status_code == 200  # the place is freed; the period leaves it to the manager
    promoted = stack.call("POST", f"{API}/staff/waitlist/promote", {"period_id": PERIOD}, token=manager)
    assert promoted.status_code == 200
    assert (promoted.json["promoted_requests"], promoted.json["offered"], promoted.json["offer_reply_days"]) == \
        ([rid], True, 2)
    assert promoted.json["offer_until"] == "2026-06-03T21:59:59+00:00"  # two days after 1 June, Paris night
    assert statuses(stack, family, rid)["offered"] == 1

    assert settings(stack, manager, waitlist_mode="manual", offer_reply_days=0).status_code == 200
    nothing = stack.call("POST", f"{API}/staff/waitlist/promote", {"period_id": PERIOD}, token=manager).json
    assert (nothing["promoted_requests"], nothing["offered"], nothing["offer_until"]) == ([], False, None)


def test_a_page_interrupted_after_its_writes_is_delivered_again_without_losing_or_doubling(
        stack: Any, manager: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Injected fault: the consumer dies after writing the lines and before telling the families. The
    page comes back (SQS redelivery): nothing is lost (every family told, every line answered) and
    nothing doubled (one e-mail each, places counted once)."""
    from planning import jobs

    assert settings(stack, manager, partial_answers=True, capacities={"MIDI": 1}).status_code == 200
    day = take_one_date(stack, manager, "first@example.fr", "c-first")
    tokens = {}
    for name in ("alice", "basile"):
        token, _ = validated_family(stack, f"{name}@example.fr", GRANT, f"c-{name}", name.title(),
                                    resident=name == "alice")
        tokens[name] = (token, book(stack, token, f"c-{name}", ["MIDI"])["request_id"])
    job = simulate(stack, manager)
    stack.drain()
    before = {name: len(stack.mail_to(f"{name}@example.fr")) for name in tokens}

    told = jobs.Publication._tell
    calls = {"n": 0}

    def dies_once(self: Any, *args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the consumer was stopped")
        told(self, *args)

    monkeypatch.setattr(jobs.Publication, "_tell", dies_once)
    with pytest.raises(RuntimeError):
        jobs.publish(jobs.get_job(PERIOD, job["job_id"]), "first delivery")
    jobs.publish(jobs.get_job(PERIOD, job["job_id"]), "redelivered")
    jobs.publish(jobs.get_job(PERIOD, job["job_id"]), "redelivered again")
    stack.drain()

    alice = request_view(stack, tokens["alice"][0], tokens["alice"][1])
    assert alice["answer"] == "partially_accepted"
    assert [ln["date"] for ln in alice["lines"] if ln["status"] == "waitlisted"] == [day]
    assert set(statuses(stack, tokens["basile"][0], tokens["basile"][1])) == {"waitlisted"}
    for name in tokens:
        new = stack.mail_to(f"{name}@example.fr")[before[name]:]
        assert len([m for m in new if "La commission d'attribution des places a étudié" in m["text"]]) == 1, name
    board = stack.call("GET", f"{API}/staff/board?structure_id={STRUCTURE}&period_id={PERIOD}&month={day[:7]}",
                       token=manager).json
    assert all(c["taken"] == 1 for d in board["days"] if d["open"] and d["date"] >= day
               and date.fromisoformat(d["date"]).weekday() == 0 for c in d["slots"] if c["code"] == "MIDI")


def test_a_new_validation_keeps_the_situation_staff_flagged(stack: Any, manager: str) -> None:
    """A later FamilyValidated for the same child (a change approved, the file validated again) updates
    what enrolment owns and keeps the manager's flag: it used to put the whole item and drop it."""
    family, family_id = validated_family(stack, "flagged@example.fr", GRANT, "c-flag", "Inès")
    flag(stack, manager, family_id, "c-flag")
    validate_sibling(stack, family_id, "flagged@example.fr", "c-flag", "Inès", resident=True)
    rid = book(stack, family, "c-flag", ["MIDI"])["request_id"]

    (row,) = simulate(stack, manager)["rows"]
    assert (row["request_id"], row["score"]) == (rid, 50 + 30)  # the flag kept, the new fact (resident) added
