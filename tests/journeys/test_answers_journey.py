"""Answers to requests (issue #5): three families ask for Monday midi where two places remain; the
committee's simulation is reviewed, then published; the answers reach the families by e-mail; a
cancellation then promotes the first waiting family, which is e-mailed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.helpers import seed_catalogue, staff_token
from tests.planning.support import at, validated_family

PERIOD = "periscolaire-2026-2027-schweighouse"
STRUCTURE = "acem-schweighouse"


def set_capacity(stack: Any, token: str, **capacities: int) -> None:
    period = next(p for p in stack.call("GET", "/api/planning/catalogue", token=token).json["periods"]
                  if p["period_id"] == PERIOD)
    period["slots"] = [{**s, "capacity": capacities.get(s["code"], s["capacity"])} for s in period["slots"]]
    body = {k: v for k, v in period.items() if k != "period_id"}
    assert stack.call("PUT", f"/api/planning/catalogue/periods/{PERIOD}", body, token=token).status_code == 200


def book(stack: Any, token: str, child_id: str, slots: list[str]) -> dict[str, Any]:
    created = stack.call("POST", "/api/planning/requests", {"child_id": child_id, "period_id": PERIOD,
                         "selection": [{"weekday": 0, "slot_code": s} for s in slots]}, token=token)
    assert created.status_code == 201, created.json
    return dict(created.json)


def subjects(stack: Any, email: str) -> list[str]:
    return [m["subject"] for m in stack.mail_to(email)]


def test_committee_then_waiting_list(stack: Any) -> None:
    seed_catalogue(stack)
    at(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    manager = staff_token(stack, "responsable@asso.fr", "manager", [STRUCTURE])
    set_capacity(stack, manager, MIDI=2, SOIR=1)
    grant = [(STRUCTURE, "periscolaire")]
    # The third family asks first: the request date only breaks ties between equal scores.
    chloe, chloe_id = validated_family(stack, "chloe@example.fr", grant, "c-chloe", "Chloé")
    basile, basile_id = validated_family(stack, "basile@example.fr", grant, "c-basile", "Basile", resident=True)
    alice, alice_id = validated_family(stack, "alice@example.fr", grant, "c-alice", "Alice", resident=True,
                                       both_parents_working=True)
    # Someone already holds the only SOIR place on Mondays.
    other, _ = validated_family(stack, "autre@example.fr", grant, "c-autre", "Zoé")
    held = book(stack, other, "c-autre", ["SOIR"])
    assert stack.call("POST", f"/api/planning/staff/requests/{_}/{held['request_id']}/decide",
                      {"elements": [{"weekday": 0, "slot_code": "SOIR", "decision": "accepted"}]},
                      token=manager).status_code == 200
    c = book(stack, chloe, "c-chloe", ["MIDI"])
    b = book(stack, basile, "c-basile", ["MIDI", "SOIR"])
    a = book(stack, alice, "c-alice", ["MIDI"])

    # The committee runs as a job: simulation first.
    job = stack.call("POST", f"/api/planning/staff/committee/{PERIOD}/jobs", {"keep_siblings_together": True},
                     token=manager)
    assert job.status_code == 202 and job.json["status"] == "queued"
    stack.drain()
    simulated = stack.call("GET", f"/api/planning/staff/committee/{PERIOD}/jobs/{job.json['job_id']}",
                           token=manager).json
    assert simulated["status"] == "simulated"
    rows = {r["request_id"]: r for r in simulated["rows"]}
    assert [r["request_id"] for r in simulated["rows"]] == [a["request_id"], b["request_id"], c["request_id"]]
    assert rows[a["request_id"]]["answer"] == "accepted"
    assert rows[b["request_id"]]["answer"] == "partially_accepted"
    assert rows[c["request_id"]]["answer"] == "waitlisted"
    assert {p["label"] for p in rows[a["request_id"]]["parts"]} == {"Résident du territoire",
                                                                     "Deux parents en activité"}
    assert rows[c["request_id"]]["score"] == 0
    # Nothing is decided before publication.
    assert {ln["status"] for ln in stack.call("GET", "/api/planning/agenda?month=2026-09",
                                              token=alice).json["lines"]} == {"pending"}

    assert stack.call("POST", f"/api/planning/staff/committee/{PERIOD}/jobs/{job.json['job_id']}/publish",
                      token=manager).status_code == 202
    stack.drain()
    assert any("est acceptée" in s for s in subjects(stack, "alice@example.fr"))
    assert any("partiellement acceptée" in s for s in subjects(stack, "basile@example.fr"))
    assert any("liste d'attente" in s for s in subjects(stack, "chloe@example.fr"))
    (basile_mail,) = [m for m in stack.mail_to("basile@example.fr") if "partiellement" in m["subject"]]
    assert "PERISCOLAIRE MIDI" in basile_mail["text"] and "PERISCOLAIRE SOIR" in basile_mail["text"]
    history = stack.call("GET", "/api/planning/requests", token=basile).json["items"][0]
    assert history["status"] == "Partiellement acceptée"
    monday = "2026-09-07"
    board = stack.call("GET", f"/api/planning/staff/occupancy?structure_id={STRUCTURE}&date={monday}",
                       token=manager).json
    midi = next(s for s in board["slots"] if s["code"] == "MIDI")
    assert (midi["capacity"], midi["accepted"], midi["waitlisted"]) == (2, 2, 1)
    waitlist = stack.call("GET", f"/api/planning/staff/waitlist?structure_id={STRUCTURE}", token=manager).json
    assert [i["request_id"] for i in waitlist["items"]] == [b["request_id"], c["request_id"]]

    # Alice cancels; the manager confirms; Chloé, first waiting for Monday midi, gets the places.
    assert stack.call("POST", f"/api/planning/requests/{a['request_id']}/cancel", {"all": True},
                      token=alice).status_code == 200
    confirmed = stack.call("POST", f"/api/planning/staff/requests/{alice_id}/{a['request_id']}/cancellations/confirm",
                           {}, token=manager)
    assert confirmed.status_code == 200 and confirmed.json["promoted_requests"] == [c["request_id"]]
    stack.drain()
    assert any("Une place s'est libérée" in s for s in subjects(stack, "chloe@example.fr"))
    assert any("Annulation confirmée" in s for s in subjects(stack, "alice@example.fr"))
    chloe_lines = stack.call("GET", "/api/planning/agenda?month=2026-09", token=chloe).json["lines"]
    assert {ln["status"] for ln in chloe_lines} == {"accepted"}
    midi = next(s for s in stack.call("GET", f"/api/planning/staff/occupancy?structure_id={STRUCTURE}&date={monday}",
                                      token=manager).json["slots"] if s["code"] == "MIDI")
    assert (midi["accepted"], midi["waitlisted"]) == (2, 0)
    # Basile's SOIR still waits: no SOIR place was freed.
    assert any(ln["status"] == "waitlisted" for ln in stack.call("GET", "/api/planning/agenda?month=2026-09",
                                                                token=basile).json["lines"])
    del basile_id, chloe_id
