"""« Liste du jour »: planning lists the children expected per slot (accepted, less confirmed
cancellations), enrolment describes the same children (class, allergies, PAI, diet, pick-up people and
phones) within the staff member's per-child scope; the default day is the structure's next open day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tests.enrolment.support import fill_file, periscolaire, upload_periscolaire_documents
from tests.helpers import confirmed_family, seed_catalogue, staff_token
from tests.planning.support import at

PERIOD = "periscolaire-2026-2027-schweighouse"
STRUCTURE = "acem-schweighouse"


def validated_child(stack: Any, manager: str, email: str) -> tuple[str, str, str]:
    """A family whose file the manager validated through enrolment (documents accepted)."""
    token, family_id = confirmed_family(stack, email)
    (child_id,) = fill_file(stack, token)
    request = periscolaire(stack, token, child_id, wednesday=False)
    documents = upload_periscolaire_documents(stack, token, [child_id])
    assert stack.call("POST", f"/api/enrolment/requests/{request['request_id']}/submit",
                      token=token).status_code == 200
    for document_id in documents:
        assert stack.call("POST", f"/api/enrolment/staff/families/{family_id}/documents/{document_id}/review",
                          {"decision": "accepted"}, token=manager).status_code == 200
    validated = stack.call("POST", f"/api/enrolment/staff/requests/{request['request_id']}/validate",
                           {"family_id": family_id}, token=manager)
    assert validated.status_code == 200, validated.json
    stack.drain()
    return token, family_id, child_id


def test_the_day_list_joins_who_is_expected_with_what_the_team_needs(stack: Any) -> None:
    seed_catalogue(stack)
    at(datetime(2026, 8, 17, 8, 0, tzinfo=UTC))
    manager = staff_token(stack, "responsable@asso.fr", "manager", [STRUCTURE])
    token, family_id, lea = validated_child(stack, manager, "claire@example.fr")
    created = stack.call("POST", "/api/planning/requests", {"child_id": lea, "period_id": PERIOD, "selection": [
        {"weekday": 0, "slot_code": "MIDI"}, {"weekday": 0, "slot_code": "SOIR"}]}, token=token)
    assert created.status_code == 201, created.json
    request_id = created.json["request_id"]
    decided = stack.call("POST", f"/api/planning/staff/requests/{family_id}/{request_id}/decide", {"elements": [
        {"weekday": 0, "slot_code": "MIDI", "decision": "accepted"},
        {"weekday": 0, "slot_code": "SOIR", "decision": "refused", "reason": "Complet"}]}, token=manager)
    assert decided.status_code == 200, decided.json

    # Monday 14 September 2026: Léa is expected at MIDI only (SOIR was refused).
    listed = stack.call("GET", f"/api/planning/staff/daylist?structure_id={STRUCTURE}&date=2026-09-14",
                        token=manager)
    assert listed.status_code == 200, listed.json
    slots = {s["code"]: s for s in listed.json["slots"]}
    assert set(slots) == {"MATIN", "MIDI", "SOIR"} and listed.json["open"]
    assert [c["child_id"] for c in slots["MIDI"]["children"]] == [lea] and not slots["SOIR"]["children"]
    assert slots["MIDI"]["period_name"] == "PERISCOLAIRE 2026 - 2027 - SCHWEIGHOUSE"

    sheet = stack.call("POST", "/api/enrolment/staff/day-sheet", {"structure_id": STRUCTURE, "children": [
        {"family_id": c["family_id"], "child_id": c["child_id"]} for c in slots["MIDI"]["children"]]},
        token=manager)
    assert sheet.status_code == 200, sheet.json
    (child,) = sheet.json["children"]
    assert (child["last_name"], child["first_name"], child["class_level"]) == ("Muller", "Léa", "CE1")
    assert child["allergies"] == "Arachide" and child["pai"] is True
    assert child["authorised_persons"] == [{"name": "Anne Muller", "relationship": "Grand-mère",
                                            "phone": "+33699887766"}]
    assert child["parents"][0]["name"] == "Claire Muller" and "+33612345678" in child["parents"][0]["phone"]

    # A confirmed cancellation takes the child off the list; an asked one keeps it (the place is held).
    at(datetime(2026, 9, 1, 8, 0, tzinfo=UTC))
    token = stack.call("POST", "/api/accounts/login", {"email": "claire@example.fr",
                                                       "password": "Tartine-Confiture-42"}).json["access_token"]
    manager = stack.call("POST", "/api/accounts/login", {"email": "responsable@asso.fr",
                                                         "password": "Tartine-Confiture-42"}).json["access_token"]
    asked = stack.call("POST", f"/api/planning/requests/{request_id}/cancel",
                       {"lines": [{"date": "2026-09-14", "slot_code": "MIDI"}]}, token=token)
    assert asked.status_code == 200, asked.json
    still = stack.call("GET", f"/api/planning/staff/daylist?structure_id={STRUCTURE}&date=2026-09-14",
                       token=manager).json
    midi = next(s for s in still["slots"] if s["code"] == "MIDI")
    assert midi["children"][0]["cancel_requested"] is True
    assert stack.call("POST", f"/api/planning/staff/requests/{family_id}/{request_id}/cancellations/confirm", {},
                      token=manager).status_code == 200
    gone = stack.call("GET", f"/api/planning/staff/daylist?structure_id={STRUCTURE}&date=2026-09-14",
                      token=manager).json
    assert not next(s for s in gone["slots"] if s["code"] == "MIDI")["children"]


def test_scope_and_the_next_open_day(stack: Any) -> None:
    seed_catalogue(stack)
    at(datetime(2026, 8, 17, 8, 0, tzinfo=UTC))
    manager = staff_token(stack, "responsable@asso.fr", "manager", [STRUCTURE])
    other = staff_token(stack, "creche@asso.fr", "manager", ["creche-les-lutins"])
    _, family_id, lea = validated_child(stack, manager, "claire@example.fr")
    # Another structure's manager gets nothing of this child, even naming it.
    assert stack.call("GET", f"/api/planning/staff/daylist?structure_id={STRUCTURE}&date=2026-09-14",
                      token=other).status_code == 403
    assert stack.call("POST", "/api/enrolment/staff/day-sheet", {"structure_id": STRUCTURE, "children": [
        {"family_id": family_id, "child_id": lea}]}, token=other).status_code == 403
    outside = stack.call("POST", "/api/enrolment/staff/day-sheet", {"structure_id": "creche-les-lutins",
                         "children": [{"family_id": family_id, "child_id": lea}]}, token=other)
    assert outside.status_code == 200 and outside.json["children"] == []
    bad = stack.call("POST", "/api/enrolment/staff/day-sheet", {"structure_id": STRUCTURE, "children": "x"},
                     token=manager)
    assert bad.status_code == 400 and "children" in bad.json["error"]["fields"]

    # Saturday 12 September 2026, Paris: the next open day of the périscolaire (Mon, Tue, Thu, Fri) is Monday 14.
    at(datetime(2026, 9, 12, 10, 0, tzinfo=UTC))
    manager = stack.call("POST", "/api/accounts/login", {"email": "responsable@asso.fr",
                                                         "password": "Tartine-Confiture-42"}).json["access_token"]
    default = stack.call("GET", f"/api/planning/staff/daylist?structure_id={STRUCTURE}", token=manager).json
    assert default["date"] == "2026-09-14" and date.fromisoformat(default["date"]).weekday() == 0
    # A closed day says so: no slot (a Sunday).
    sunday = stack.call("GET", f"/api/planning/staff/daylist?structure_id={STRUCTURE}&date=2026-09-13",
                        token=manager).json
    assert sunday["open"] is False and sunday["slots"] == []
