"""Issue 13's defects of the staff's lists, through HTTP: full child and family names in the queues,
accent-insensitive search by child or family name, the occupancy of overlapping periods (each slot once per
period, named), « Places restantes » counting unconfirmed cancellations like the board, the next open day
by default; a committee account scoped to no structure works on every structure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from tests.helpers import seed_catalogue, staff_token
from tests.planning.support import at, validated_family

PERI = "periscolaire-2026-2027-schweighouse"
STRUCTURE = "acem-schweighouse"


def names_of(stack: Any, family_id: str, child_id: str, family_name: str, child_last_name: str) -> None:
    """What enrolment's FamilyValidated now carries: the family's and the child's last names."""
    import boto3

    from shared.events.enrolment import FamilyValidated

    event = FamilyValidated(family_id=family_id, child_id=child_id, structure_id=STRUCTURE, activity="periscolaire",
                            email="x@example.fr", first_name="Claire", child_first_name="Léa",
                            family_name=family_name, child_last_name=child_last_name)
    boto3.client("events", region_name="eu-west-3").put_events(Entries=[{
        "Source": event.source, "DetailType": "FamilyValidated", "Detail": event.detail_json(),
        "EventBusName": stack.outputs["BusName"]}])
    stack.drain()


def test_queues_name_the_child_and_family_and_search_ignores_accents(stack: Any) -> None:
    seed_catalogue(stack)
    at(datetime(2026, 8, 17, 8, 0, tzinfo=UTC))
    token, family_id = validated_family(stack, "claire@example.fr", [(STRUCTURE, "periscolaire")])
    names_of(stack, family_id, "child-1", "Müller", "Müller")
    created = stack.call("POST", "/api/planning/requests", {"child_id": "child-1", "period_id": PERI,
                         "selection": [{"weekday": 0, "slot_code": "MIDI"}]}, token=token).json
    manager = staff_token(stack, "responsable@asso.fr", "manager", [STRUCTURE])
    for text in ("lea", "LÉA", "muller", "Müll", created["number"]):
        found = stack.call("GET", f"/api/planning/staff/requests?structure_id={STRUCTURE}&q={quote(text)}",
                           token=manager).json["items"]
        assert [(i["child_name"], i["family_name"]) for i in found] == [("Léa Müller", "Müller")], text
    assert stack.call("GET", f"/api/planning/staff/requests?structure_id={STRUCTURE}&q=dupont",
                      token=manager).json["items"] == []
    detail = stack.call("GET", f"/api/planning/staff/requests/{family_id}/{created['request_id']}",
                        token=manager).json
    assert (detail["child_name"], detail["family_name"], detail["family_id"]) == ("Léa Müller", "Müller", family_id)


def test_occupancy_of_overlapping_periods_and_places_remaining(stack: Any) -> None:
    seed_catalogue(stack)
    at(datetime(2026, 8, 17, 8, 0, tzinfo=UTC))
    admin = staff_token(stack, "admin@asso.fr", "admin", [])
    period = next(p for p in stack.call("GET", "/api/planning/catalogue", token=admin).json["periods"]
                  if p["period_id"] == PERI)
    body = {k: v for k, v in period.items() if k != "period_id"}
    # A second period over the same days (a summer club), with the same slot codes, and 1 MIDI place.
    club = {**body, "name": "CLUB NATURE 2026 - 2027", "slots": [{**s, "capacity": 1} for s in body["slots"]]}
    assert stack.call("PUT", "/api/planning/catalogue/periods/club-nature-2026", club, token=admin).status_code == 200
    token, family_id = validated_family(stack, "claire@example.fr", [(STRUCTURE, "periscolaire")])
    created = stack.call("POST", "/api/planning/requests", {"child_id": "child-1", "period_id": "club-nature-2026",
                         "selection": [{"weekday": 0, "slot_code": "MIDI"}]}, token=token).json
    assert stack.call("POST", f"/api/planning/staff/requests/{family_id}/{created['request_id']}/decide",
                      {"elements": [{"weekday": 0, "slot_code": "MIDI", "decision": "accepted"}]},
                      token=admin).status_code == 200
    at(datetime(2026, 9, 1, 8, 0, tzinfo=UTC))
    token = stack.call("POST", "/api/accounts/login", {"email": "claire@example.fr",
                                                       "password": "Tartine-Confiture-42"}).json["access_token"]
    admin = stack.call("POST", "/api/accounts/login", {"email": "admin@asso.fr",
                                                       "password": "Tartine-Confiture-42"}).json["access_token"]
    assert stack.call("POST", f"/api/planning/requests/{created['request_id']}/cancel",
                      {"lines": [{"date": "2026-09-14", "slot_code": "MIDI"}]}, token=token).status_code == 200

    day = stack.call("GET", f"/api/planning/staff/occupancy?structure_id={STRUCTURE}&date=2026-09-14", token=admin).json
    midis = [s for s in day["slots"] if s["code"] == "MIDI"]
    assert sorted(s["period_name"] for s in midis) == ["CLUB NATURE 2026 - 2027",
                                                       "PERISCOLAIRE 2026 - 2027 - SCHWEIGHOUSE"]
    club_midi = next(s for s in midis if s["period_id"] == "club-nature-2026")
    peri_midi = next(s for s in midis if s["period_id"] == PERI)
    # The cancellation is asked, not confirmed: the place is still held (the board says the same).
    assert (club_midi["cancel_requested"], club_midi["remaining"]) == (1, 0)
    assert (peri_midi["cancel_requested"], peri_midi["accepted"], peri_midi["remaining"]) == (0, 0, 60)
    board = stack.call("GET", f"/api/planning/staff/board?structure_id={STRUCTURE}&period_id=club-nature-2026"
                              "&month=2026-09", token=admin).json
    monday = next(d for d in board["days"] if d["date"] == "2026-09-14")
    assert next(s for s in monday["slots"] if s["code"] == "MIDI")["free"] == 0

    # Sunday 13 September (Paris): no date asked gives Monday 14, not the closed Sunday.
    at(datetime(2026, 9, 13, 9, 0, tzinfo=UTC))
    admin = stack.call("POST", "/api/accounts/login", {"email": "admin@asso.fr",
                                                       "password": "Tartine-Confiture-42"}).json["access_token"]
    default = stack.call("GET", f"/api/planning/staff/occupancy?structure_id={STRUCTURE}", token=admin).json
    assert default["date"] == "2026-09-14" and default["open"]
    sunday = stack.call("GET", f"/api/planning/staff/occupancy?structure_id={STRUCTURE}&date=2026-09-13",
                        token=admin).json
    assert sunday == {**sunday, "open": False, "slots": []}


def test_a_committee_account_without_structures_works_on_all(stack: Any) -> None:
    seed_catalogue(stack)
    committee = staff_token(stack, "commission@asso.fr", "committee", [])
    criteria = stack.call("GET", "/api/planning/staff/committee/criteria", token=committee)
    assert criteria.status_code == 200 and "resident" in criteria.json["weights"]
    assert stack.call("GET", f"/api/planning/staff/committee/{PERI}/jobs", token=committee).status_code == 200
    scoped = staff_token(stack, "commission.creche@asso.fr", "committee", ["creche-les-lutins"])
    assert stack.call("GET", f"/api/planning/staff/committee/{PERI}/jobs", token=scoped).status_code == 403
