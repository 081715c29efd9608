"""The audit log (decision 101): each staff action — validation, document review, decision, catalogue
change, account creation — recorded with the staff member's name, when and what (no medical content);
shown on the family file and to the family for its request; searched and exported by the admin only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local.apps import load_apps
from shared.audit import ACTIONS
from tests.helpers import seed_catalogue, staff_token
from tests.planning.support import at
from tests.planning.test_daylists_api import PERIOD, STRUCTURE, validated_child


def test_every_audited_route_exists() -> None:
    """The table of staff actions names real routes (a renamed route would silently stop being recorded)."""
    apps = load_apps()
    for (service, method, path) in ACTIONS:
        routes = apps[service].routes
        assert path in routes and method in routes[path], f"{service} {method} {path}"


def test_staff_actions_are_recorded_with_who_when_and_what(stack: Any) -> None:
    seed_catalogue(stack)
    at(datetime(2026, 8, 17, 8, 0, tzinfo=UTC))
    admin = staff_token(stack, "admin@asso.fr", "admin", [])
    manager = staff_token(stack, "responsable@asso.fr", "manager", [STRUCTURE])
    other = staff_token(stack, "creche@asso.fr", "manager", ["creche-les-lutins"])
    token, family_id, lea = validated_child(stack, manager, "claire@example.fr")
    created = stack.call("POST", "/api/planning/requests", {"child_id": lea, "period_id": PERIOD,
                         "selection": [{"weekday": 0, "slot_code": "MIDI"}]}, token=token).json
    assert stack.call("POST", f"/api/planning/staff/requests/{family_id}/{created['request_id']}/decide",
                      {"elements": [{"weekday": 0, "slot_code": "MIDI", "decision": "accepted"}]},
                      token=manager).status_code == 200
    assert stack.call("POST", "/api/planning/catalogue/structures/acem-schweighouse/closures",
                      {"start": "2026-12-21", "end": "2026-12-21", "label": "Inventaire"},
                      token=admin).status_code == 201
    assert stack.call("POST", "/api/accounts/staff", {"email": "nouveau@asso.fr", "civility": "M.",
                      "first_name": "Paul", "last_name": "Klein", "role": "committee", "structures": []},
                      token=admin).status_code == 201
    stack.drain()

    # The family file shows who did what to the manager of its structure...
    history = stack.call("GET", f"/api/enrolment/staff/families/{family_id}/audit", token=manager)
    assert history.status_code == 200, history.json
    actions = [(e["action"], e["label"], e["actor_name"]) for e in history.json["items"]]
    assert ("validation", "Validation du dossier", "Julie Schmitt") in actions
    assert ("document_review", "Examen d'un document", "Julie Schmitt") in actions
    assert ("decision", "Réponse à la demande", "Julie Schmitt") in actions
    decision = next(e for e in history.json["items"] if e["action"] == "decision")
    assert decision["request_id"] == created["request_id"] and decision["outcome"] == "accepted"
    # ...not to another structure's manager.
    assert stack.call("GET", f"/api/enrolment/staff/families/{family_id}/audit", token=other).status_code == 403

    # The family reads who answered its request (« Réponse de Julie Schmitt »), and only its own.
    answered = stack.call("GET", f"/api/enrolment/family/answers/{created['request_id']}", token=token).json
    assert [a["actor_name"] for a in answered["items"]] == ["Julie Schmitt"]
    assert stack.call("GET", f"/api/enrolment/family/answers/{created['request_id']}",
                      token=manager).status_code == 403
    # ...and all of them at once, for « Historique » (one call, each answer with its request).
    mine = stack.call("GET", "/api/enrolment/family/answers", token=token).json["items"]
    assert [(a["request_id"], a["actor_name"]) for a in mine] == [(created["request_id"], "Julie Schmitt")]
    assert stack.call("GET", "/api/enrolment/family/answers", token=manager).status_code == 403

    # The admin searches, filters and exports; nobody else does.
    everything = stack.call("GET", "/api/enrolment/staff/audit?from=2026-08-01&to=2026-08-31", token=admin)
    assert everything.status_code == 200, everything.json
    kinds = {e["action"] for e in everything.json["items"]}
    assert {"validation", "document_review", "decision", "catalogue", "account"} <= kinds
    catalogue = stack.call("GET", "/api/enrolment/staff/audit?from=2026-08-01&to=2026-08-31&action=catalogue",
                           token=admin).json["items"]
    assert [(e["label"], e["actor_role"]) for e in catalogue] == [("Fermeture ajoutée", "admin")]
    assert "structure_id=acem-schweighouse" in catalogue[0]["subject"]
    account = next(e for e in everything.json["items"] if e["action"] == "account")
    assert account["label"] == "Compte professionnel créé" and account["actor_name"] == "Julie Schmitt"
    exported = stack.call("GET", "/api/enrolment/staff/audit?from=2026-08-01&to=2026-08-31&format=csv", token=admin)
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    text = exported.get_data(as_text=True)
    assert text.startswith("\ufeffDate;Membre de l'équipe;") and "Réponse à la demande" in text
    assert stack.call("GET", "/api/enrolment/staff/audit", token=manager).status_code == 403
    bad = stack.call("GET", "/api/enrolment/staff/audit?from=2026-13-01", token=admin)
    assert bad.status_code == 400 and "from" in bad.json["error"]["fields"]

    # No medical content, no free text copied into the log.
    dumped = json.dumps(everything.json, ensure_ascii=False)
    assert "Arachide" not in dumped and "Inventaire" not in dumped


@pytest.mark.parametrize(("service", "path", "params", "body", "action", "label"), [
    ("enrolment", "/staff/families/{family_id}/changes/{change_id}/review", {"family_id": "f1", "change_id": "c1"},
     {"decision": "rejected", "reason": "Le numéro ne correspond pas à l'attestation"}, "change_review",
     "Examen d'une modification"),
    ("planning", "/staff/committee/{period_id}/jobs/{job_id}/publish", {"period_id": "p1", "job_id": "j1"}, {},
     "committee", "Publication des réponses de la commission"),
    ("planning", "/staff/waitlist/promote", {}, {"period_id": "p1"}, "promotion", "Places libérées attribuées"),
    ("accounts", "/staff/{account_id}/deactivate", {"account_id": "a9"}, {}, "account",
     "Compte professionnel désactivé"),
])
def test_each_staff_action_names_what_it_concerns_without_free_text(
        service: str, path: str, params: dict[str, str], body: dict[str, Any], action: str, label: str) -> None:
    """The change review, the committee publication, the promotion and an account change each become an
    audit event naming the identifiers concerned; a motif typed by the staff member is never copied."""
    from shared.audit import event_for
    from shared.auth import Principal, Role

    manager = Principal("acc-julie", Role.MANAGER, "s1", ("acem-schweighouse",))
    event = event_for(service, "POST", path, manager, params, json.dumps(body).encode(), {}, "corr")
    assert event is not None and event.source == f"portail.{service}"
    assert (event.action, event.label, event.actor_id, event.actor_role) == (action, label, "acc-julie", "manager")
    for key, value in params.items():
        assert f"{key}={value}" in event.subject or event.family_id == value, key
    assert "attestation" not in event.detail_json()
    family = Principal("acc-f", Role.FAMILY, "s2")
    assert event_for(service, "POST", path, family, params, b"{}", {}, "corr") is None
