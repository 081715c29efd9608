"""The catalogue's back office through HTTP: an association set up from an empty catalogue (structure,
period with three slots, closure, séjour), séjours reaching the families' list, and every change that
would orphan booked presences refused with its reason."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.helpers import confirmed_family, seed_catalogue, staff_token
from tests.planning.support import at, validated_family

PERI = "periscolaire-2026-2027-schweighouse"


def period_body(structure_id: str = "alef-mulhouse", **changes: Any) -> dict[str, Any]:
    body = {"structure_id": structure_id, "name": "PERISCOLAIRE 2026 - 2027 - MULHOUSE", "activity": "periscolaire",
            "start": "2026-09-01", "end": "2027-07-02", "weekdays": [0, 1, 3, 4], "type": "school_days",
            "booking_opens": "2026-06-01", "booking_closes": "2027-07-02",
            "booking_deadline": {"days_before": 2, "hour": "10:00"},
            "cancellation_deadline": {"days_before": 2, "hour": "10:00"},
            "slots": [{"code": "MATIN", "label": "MATIN", "start": "07:30", "end": "08:20", "capacity": 10},
                      {"code": "MIDI", "label": "MIDI", "start": "11:45", "end": "13:45", "capacity": 20},
                      {"code": "SOIR", "label": "SOIR", "start": "16:00", "end": "18:30", "capacity": 15}]}
    return {**body, **changes}


SEJOUR = {"structure_id": "alef-mulhouse", "name": "Séjour neige - Jura", "start": "2027-02-15", "end": "2027-02-19",
          "places": 12, "age_min": 6, "age_max": 12, "booking_opens": "2026-11-01"}


@pytest.fixture(autouse=True)
def strict_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIT_STRICT", "1")  # each catalogue change writes its audit event in its transaction


@pytest.fixture
def admin(stack: Any) -> str:
    at(datetime(2026, 6, 15, 8, 0, tzinfo=UTC))
    return staff_token(stack, "admin@asso.fr", "admin", [])


def test_an_association_sets_itself_up_from_an_empty_catalogue(stack: Any, admin: str) -> None:
    structure = stack.call("PUT", "/api/planning/catalogue/structures/alef-mulhouse", {
        "name": "ALEF - MULHOUSE", "commune": "Mulhouse", "departement": "68", "zone": "B",
        "activities": ["periscolaire", "sejour"]}, token=admin)
    assert structure.status_code == 200, structure.json
    period = stack.call("PUT", "/api/planning/catalogue/periods/peri-mulhouse-2026", period_body(), token=admin)
    assert period.status_code == 200, period.json
    closure = stack.call("POST", "/api/planning/catalogue/structures/alef-mulhouse/closures",
                         {"start": "2026-10-02", "end": "2026-10-02", "label": "Journée pédagogique"}, token=admin)
    assert closure.status_code == 201 and closure.json["closures"][0]["label"] == "Journée pédagogique"
    sejour = stack.call("PUT", "/api/planning/catalogue/sejours/neige-jura-2027", SEJOUR, token=admin)
    assert sejour.status_code == 200, sejour.json
    stack.drain()

    # The family's « Pré-inscriptions séjours » list (enrolment's read model, fed by the event).
    family, _ = confirmed_family(stack, "nouvelle@example.fr")
    listed = stack.call("GET", "/api/enrolment/catalogue", token=family).json
    assert [s["name"] for s in listed["sejours"]] == ["Séjour neige - Jura"]
    assert {s["name"] for s in listed["structures"]} == {"ALEF - MULHOUSE"}
    # The séjour is a period of its structure: one all-day slot whose capacity is its places.
    back = stack.call("GET", "/api/planning/staff/catalogue", token=admin).json
    sejour_period = next(p for p in back["periods"] if p["period_id"] == "neige-jura-2027")
    assert sejour_period["activity"] == "sejour" and sejour_period["slots"][0]["capacity"] == 12
    assert [s["sejour_id"] for s in back["sejours"]] == ["neige-jura-2027"]
    # Haut-Rhin's calendar: 2 October 2026 is closed by the structure, 1 November is a Sunday anyway.
    grid = stack.call("GET", "/api/planning/calendar?period_id=peri-mulhouse-2026&month=2026-10", token=admin).json
    assert next(d for d in grid["days"] if d["date"] == "2026-10-02")["reason"] == "Fermeture de la structure"

    # The closure can be taken back, and an unused period deleted (both answered 405 before).
    reopened = stack.call("DELETE", "/api/planning/catalogue/structures/alef-mulhouse/closures/2026-10-02",
                          token=admin)
    assert reopened.status_code == 200 and reopened.json["closures"] == []
    assert stack.call("DELETE", "/api/planning/catalogue/periods/peri-mulhouse-2026", token=admin).status_code == 200
    assert "peri-mulhouse-2026" not in {p["period_id"] for p in
                                        stack.call("GET", "/api/planning/catalogue", token=admin).json["periods"]}


def test_an_archived_sejour_leaves_the_families_list(stack: Any, admin: str) -> None:
    seed_catalogue(stack)
    stack.call("PUT", "/api/planning/catalogue/structures/alef-mulhouse", {
        "name": "ALEF - MULHOUSE", "commune": "Mulhouse", "departement": "68", "zone": "B",
        "activities": ["sejour"]}, token=admin)
    assert stack.call("PUT", "/api/planning/catalogue/sejours/neige-jura-2027", SEJOUR,
                      token=admin).status_code == 200
    archived = stack.call("POST", "/api/planning/catalogue/sejours/neige-jura-2027/archive", {"archived": True},
                          token=admin)
    assert archived.status_code == 200 and archived.json["archived"] is True
    stack.drain()
    family, _ = confirmed_family(stack, "nouvelle@example.fr")
    names = {s["name"] for s in stack.call("GET", "/api/enrolment/catalogue", token=family).json["sejours"]}
    assert "Séjour neige - Jura" not in names and "Séjour montagne - Vosges" in names


def test_changes_that_would_orphan_booked_presences_are_refused(stack: Any, admin: str) -> None:
    seed_catalogue(stack)
    at(datetime(2026, 8, 17, 8, 0, tzinfo=UTC))
    admin = staff_token(stack, "admin2@asso.fr", "admin", [])
    token, _ = validated_family(stack, "claire@example.fr", [("acem-schweighouse", "periscolaire")])
    created = stack.call("POST", "/api/planning/requests", {"child_id": "child-1", "period_id": PERI,
                         "selection": [{"weekday": 0, "slot_code": "SOIR"}]}, token=token)
    assert created.status_code == 201, created.json
    period = next(p for p in stack.call("GET", "/api/planning/catalogue", token=admin).json["periods"]
                  if p["period_id"] == PERI)
    body = {k: v for k, v in period.items() if k != "period_id"}

    # Removing the evening slot, Mondays, or the end of the year would leave presences behind.
    no_evening = stack.call("PUT", f"/api/planning/catalogue/periods/{PERI}",
                            {**body, "slots": [s for s in body["slots"] if s["code"] != "SOIR"]}, token=admin)
    assert no_evening.status_code == 409 and no_evening.json["error"]["code"] == "would_orphan"
    assert "SOIR" in no_evening.json["error"]["message"] and "slots" in no_evening.json["error"]["fields"]
    no_monday = stack.call("PUT", f"/api/planning/catalogue/periods/{PERI}", {**body, "weekdays": [1, 3, 4]},
                           token=admin)
    assert no_monday.status_code == 409
    shorter = stack.call("PUT", f"/api/planning/catalogue/periods/{PERI}", {**body, "end": "2027-03-31"}, token=admin)
    assert shorter.status_code == 409 and "ne seraient plus dans la période" in shorter.json["error"]["message"]
    moved = stack.call("PUT", f"/api/planning/catalogue/periods/{PERI}", {**body, "structure_id": "creche-les-lutins"},
                       token=admin)
    assert moved.status_code == 409
    # A closure over a booked Monday, and deleting the booked period, are refused with the reason.
    closure = stack.call("POST", "/api/planning/catalogue/structures/acem-schweighouse/closures",
                         {"start": "2026-09-14", "end": "2026-09-14", "label": "Formation"}, token=admin)
    assert closure.status_code == 409 and "annulez-les d'abord" in closure.json["error"]["message"]
    deleted = stack.call("DELETE", f"/api/planning/catalogue/periods/{PERI}", token=admin)
    assert deleted.status_code == 409 and "Archivez-la" in deleted.json["error"]["message"]
    # A change that keeps every presence (a wider capacity, a new slot) is accepted.
    wider = {**body, "slots": [*body["slots"], {"code": "GOUTER", "label": "GOUTER", "start": "16:00",
                                                "end": "16:30", "capacity": 5}]}
    assert stack.call("PUT", f"/api/planning/catalogue/periods/{PERI}", wider, token=admin).status_code == 200

    # Archived: the presences stay, the family can no longer book it nor see it to book.
    assert stack.call("POST", f"/api/planning/catalogue/periods/{PERI}/archive", {"archived": True},
                      token=admin).status_code == 200
    again = stack.call("POST", "/api/planning/requests", {"child_id": "child-1", "period_id": PERI,
                       "selection": [{"weekday": 1, "slot_code": "MIDI"}]}, token=token)
    assert again.status_code == 409 and again.json["error"]["code"] == "period_archived"
    plannings = stack.call("GET", "/api/planning/plannings", token=token).json["items"]
    assert all(PERI not in {p["period_id"] for p in item["periods"]} for item in plannings)
    assert stack.call("GET", "/api/planning/requests", token=token).json["items"]
    # A structure with a live period cannot be archived.
    refused = stack.call("POST", "/api/planning/catalogue/structures/acem-schweighouse/archive", {"archived": True},
                         token=admin)
    assert refused.status_code == 409


def test_staff_keep_only_their_structures_catalogue(stack: Any, admin: str) -> None:
    seed_catalogue(stack)
    coordinator = staff_token(stack, "sejours@asso.fr", "coordinator", ["sejours"])
    manager = staff_token(stack, "resp@asso.fr", "manager", ["acem-schweighouse"])
    own = {**SEJOUR, "structure_id": "sejours"}
    assert stack.call("PUT", "/api/planning/catalogue/sejours/neige-2027", own, token=coordinator).status_code == 200
    assert stack.call("PUT", "/api/planning/catalogue/sejours/neige-2027", own, token=manager).status_code == 403
    # A séjour in a structure that runs none, and an unknown structure, are refused naming the field.
    not_camps = stack.call("PUT", "/api/planning/catalogue/sejours/x-2027", {**SEJOUR, "structure_id":
                           "acem-schweighouse"}, token=manager)
    assert not_camps.status_code == 400 and "structure_id" in not_camps.json["error"]["fields"]
    unknown = stack.call("PUT", "/api/planning/catalogue/periods/p-2027", period_body("alef-brumat"), token=admin)
    assert unknown.status_code == 400 and unknown.json["error"]["fields"] == {"structure_id": "Structure inconnue."}
    bad_ages = stack.call("PUT", "/api/planning/catalogue/sejours/x-2027", {**own, "age_min": 12, "age_max": 6},
                          token=coordinator)
    assert bad_ages.status_code == 400 and "age_max" in bad_ages.json["error"]["fields"]
    bad_id = stack.call("PUT", "/api/planning/catalogue/sejours/Neige%20!", own, token=coordinator)
    assert bad_id.status_code == 400
    listed = stack.call("GET", "/api/planning/staff/catalogue", token=manager).json
    assert {s["structure_id"] for s in listed["structures"]} == {"acem-schweighouse"}
    assert not listed["can_create_structures"] and not listed["sejours"]
    assert stack.call("DELETE", "/api/planning/catalogue/periods/mercredi-2026-2027-haguenau",
                      token=manager).status_code == 403


def test_a_stale_edit_loses_with_a_french_409(stack: Any, admin: str) -> None:
    """Two staff members edit the same entry: the second write, made on the version it read, is refused."""
    from planning import catalogue_admin

    seed_catalogue(stack)
    read = catalogue_admin.read("period", PERI)
    assert read is not None
    catalogue_admin._save("period", PERI, read.data, read)  # the first edit lands
    with pytest.raises(catalogue_admin.Conflict) as lost:
        catalogue_admin._save("period", PERI, read.data, read)  # the second was made on the old version
    assert lost.value.status == 409 and "modifié par quelqu'un d'autre" in lost.value.message


def test_the_admin_keeps_the_territory(stack: Any, admin: str) -> None:
    manager = staff_token(stack, "resp@asso.fr", "manager", ["acem-schweighouse"])
    territory = stack.call("GET", "/api/enrolment/territory", token=admin).json
    assert "67590" in {c["postal_code"] for c in territory["communes"]} and territory["version"] is None
    body = {"schools": [{"school_id": "mulhouse-jean-zay", "name": "École Jean Zay", "commune": "Mulhouse"}],
            "communes": [{"name": "Mulhouse", "postal_code": "68100"}], "version": None}
    assert stack.call("PUT", "/api/enrolment/territory", body, token=manager).status_code == 403
    saved = stack.call("PUT", "/api/enrolment/territory", body, token=admin)
    assert saved.status_code == 200 and saved.json["version"]
    # Saved again on the old version: someone else changed it meanwhile.
    assert stack.call("PUT", "/api/enrolment/territory", body, token=admin).status_code == 409
    bad = stack.call("PUT", "/api/enrolment/territory", {**body, "version": saved.json["version"],
                     "communes": [{"name": "X", "postal_code": "6810"}]}, token=admin)
    assert bad.status_code == 400 and "communes" in str(bad.json["error"]["fields"])
    family, _ = confirmed_family(stack, "nouvelle@example.fr")
    schools = stack.call("GET", "/api/enrolment/catalogue", token=family).json["schools"]
    assert [s["name"] for s in schools] == ["École Jean Zay"]


def test_a_catalogue_edit_keeps_the_answer_settings_it_does_not_send(stack: Any, admin: str) -> None:
    """« Places par jour » keeps a period's answer settings; the catalogue screen edits its dates and slots
    and must not switch off what it does not show (partial answers, an offer delay...)."""
    assert stack.call("PUT", "/api/planning/catalogue/structures/alef-mulhouse", {
        "name": "ALEF - MULHOUSE", "commune": "Mulhouse", "departement": "68", "zone": "B",
        "activities": ["periscolaire", "sejour"]}, token=admin).status_code == 200
    assert stack.call("PUT", "/api/planning/catalogue/periods/peri-mulhouse-2026", period_body(),
                      token=admin).status_code == 200
    settings = stack.call("PUT", "/api/planning/staff/periods/peri-mulhouse-2026/settings",
                          {"partial_answers": True, "offer_reply_days": 3}, token=admin)
    assert settings.status_code == 200, settings.json
    renamed = stack.call("PUT", "/api/planning/catalogue/periods/peri-mulhouse-2026",
                         period_body(name="PERISCOLAIRE 2026 - 2027 - MULHOUSE (nouveau nom)"), token=admin)
    assert renamed.status_code == 200, renamed.json
    period = next(p for p in stack.call("GET", "/api/planning/staff/catalogue", token=admin).json["periods"]
                  if p["period_id"] == "peri-mulhouse-2026")
    assert period["name"].endswith("(nouveau nom)")
    assert period["partial_answers"] is True and period["offer_reply_days"] == 3
    # What the body does send wins.
    assert stack.call("PUT", "/api/planning/catalogue/periods/peri-mulhouse-2026",
                      period_body(partial_answers=False), token=admin).json["partial_answers"] is False
