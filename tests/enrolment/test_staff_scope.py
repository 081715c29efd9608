"""Staff scope is per child and request, not per family (issue 10, « Scope »).

One family, two children: Léa asks for the périscolaire of Schweighouse, Hugo only for a séjour. The
Schweighouse manager sees Léa, her documents and the family-level documents, never Hugo's medical record
nor his documents; the séjours coordinator sees Hugo, never Léa, nor the allocataire number (séjours do
not use it). A review rechecks only the reviewer's requests: the Schweighouse manager rejecting a
family-level document never revokes the séjour validation. Through HTTP, on the deployed template.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.enrolment.support import child, fill_file, periscolaire, upload
from tests.helpers import confirmed_family, seed_catalogue, staff_token

E = "/api/enrolment"
SEJOUR_FAMILY_DOCS = ("insurance", "caf_quotient", "rgpd_charter", "news_charter")


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.json
    return response.json


@pytest.fixture
def two_children(stack: Any) -> dict[str, Any]:
    """Léa (périscolaire Schweighouse) and Hugo (séjour), both submitted, every document uploaded."""
    seed_catalogue(stack)
    world: dict[str, Any] = {
        "manager": staff_token(stack, "schweighouse@asso.fr", "manager", ["acem-schweighouse"]),
        "coordinator": staff_token(stack, "sejours@asso.fr", "coordinator", ["sejours"]),
    }
    token, family_id = confirmed_family(stack, "deux.enfants@example.fr")
    stack.drain()
    lea, hugo = fill_file(stack, token, children=2)
    _ok(stack.call("PUT", f"{E}/children/{hugo}", child("Hugo", medical={
        "doctor_name": "Dr Klein", "doctor_phone": "03 88 73 11 11", "vaccinations": [{"name": "DTP",
                                                                                       "date": "2019-06-01"}],
        "allergies": "Pénicilline", "diet": "", "pai": True, "treatments": "Ventoline", "notes": ""}),
        token=token))
    peri = periscolaire(stack, token, lea, wednesday=False)
    sejour = _ok(stack.call("POST", f"{E}/requests", {"kind": "sejour", "child_id": hugo,
                                                     "sejour_ids": ["sejour-vosges-2027"]}, token=token), 201)
    docs = {
        "lea_health": upload(stack, token, "health_form", lea),
        "lea_vaccinations": upload(stack, token, "vaccinations", lea),
        "hugo_health": upload(stack, token, "health_form", hugo),
        "hugo_vaccinations": upload(stack, token, "vaccinations", hugo),
        "mandatory_proofs": upload(stack, token, "mandatory_proofs"),
    }
    for doc_type in SEJOUR_FAMILY_DOCS:
        docs[doc_type] = upload(stack, token, doc_type)
    for request in (peri, sejour):
        _ok(stack.call("POST", f"{E}/requests/{request['request_id']}/submit", token=token))
    world.update(token=token, family_id=family_id, lea=lea, hugo=hugo, peri=peri["request_id"],
                 sejour=sejour["request_id"], docs=docs)
    return world


def _review(stack: Any, w: dict[str, Any], who: str, doc: str, decision: str = "accepted") -> Any:
    body = {"decision": decision} if decision == "accepted" else {"decision": decision, "reason": "Illisible"}
    return stack.call("POST", f"{E}/staff/families/{w['family_id']}/documents/{w['docs'][doc]}/review", body,
                      token=w[who])


def test_each_staff_member_sees_only_the_children_and_documents_of_their_requests(
        stack: Any, two_children: dict[str, Any]) -> None:
    w = two_children
    seen = _ok(stack.call("GET", f"{E}/staff/families/{w['family_id']}", token=w["manager"]))
    assert [c["child_id"] for c in seen["children"]] == [w["lea"]]
    assert "Pénicilline" not in str(seen) and "Ventoline" not in str(seen)
    assert [r["request_id"] for r in seen["requests"]] == [w["peri"]]
    assert {d["document_id"] for d in seen["documents"]} == {
        w["docs"][k] for k in ("lea_health", "lea_vaccinations", "mandatory_proofs", *SEJOUR_FAMILY_DOCS)}
    assert seen["household"]["allocataire"]["number"] == "1234567"  # the périscolaire uses it

    coordinator = _ok(stack.call("GET", f"{E}/staff/families/{w['family_id']}", token=w["coordinator"]))
    assert [c["child_id"] for c in coordinator["children"]] == [w["hugo"]]
    assert "Arachide" not in str(coordinator)  # Léa's allergy
    assert coordinator["household"]["allocataire"] is None
    assert "1234567" not in str(coordinator["household"])  # (the mobile phone +33612345678 has it too)
    assert w["docs"]["lea_health"] not in {d["document_id"] for d in coordinator["documents"]}


@pytest.mark.parametrize(("who", "doc"), [("manager", "hugo_health"), ("manager", "hugo_vaccinations"),
                                          ("coordinator", "lea_health")])
def test_a_document_of_a_child_outside_ones_requests_is_refused(stack: Any, two_children: dict[str, Any],
                                                                 who: str, doc: str) -> None:
    w = two_children
    path = f"{E}/staff/families/{w['family_id']}/documents/{w['docs'][doc]}"
    assert stack.call("GET", f"{path}/download", token=w[who]).status_code == 403
    refused = _review(stack, w, who, doc, "rejected")
    assert refused.status_code == 403
    assert refused.json["error"]["message"]
    family = _ok(stack.call("GET", f"{E}/family", token=w["token"]))
    assert {d["document_id"]: d["status"] for d in family["documents"]}[w["docs"][doc]] == "pending"


def test_a_rejection_revokes_only_the_reviewers_validations(stack: Any, two_children: dict[str, Any]) -> None:
    w = two_children
    for doc in ("lea_health", "lea_vaccinations", "mandatory_proofs", "insurance"):
        _ok(_review(stack, w, "manager", doc))
    for doc in ("hugo_health", "hugo_vaccinations", "caf_quotient", "rgpd_charter", "news_charter"):
        _ok(_review(stack, w, "coordinator", doc))
    for who, request in (("manager", "peri"), ("coordinator", "sejour")):
        _ok(stack.call("POST", f"{E}/staff/requests/{w[request]}/validate", {"family_id": w["family_id"]},
                       token=w[who]))
    stack.drain()

    # The Schweighouse manager rejects the family's insurance: only the périscolaire is revoked.
    _ok(_review(stack, w, "manager", "insurance", "rejected"))
    stack.drain()
    statuses = {r["request_id"]: r["status"] for r in _ok(stack.call("GET", f"{E}/family",
                                                                     token=w["token"]))["requests"]}
    assert statuses == {w["peri"]: "revoked", w["sejour"]: "validated"}
    planning = {(v["structure_id"], v["status"]) for v in
                _ok(stack.call("GET", "/api/planning/validations", token=w["token"]))["items"]}
    assert planning == {("acem-schweighouse", "revoked"), ("sejours", "validated")}

    # Issue 13: the manager accepts the document again and re-validates, without a new submission.
    _ok(_review(stack, w, "manager", "insurance"))
    validated = _ok(stack.call("POST", f"{E}/staff/requests/{w['peri']}/validate",
                               {"family_id": w["family_id"]}, token=w["manager"]))
    assert validated["status"] == "validated"
    stack.drain()
    planning = {(v["structure_id"], v["status"]) for v in
                _ok(stack.call("GET", "/api/planning/validations", token=w["token"]))["items"]}
    assert planning == {("acem-schweighouse", "validated"), ("sejours", "validated")}
    again = stack.call("POST", f"{E}/staff/requests/{w['peri']}/validate", {"family_id": w["family_id"]},
                       token=w["manager"])
    assert again.status_code == 409 and again.json["error"]["code"] == "conflict"


def _validate_both(stack: Any, w: dict[str, Any]) -> None:
    for doc in ("lea_health", "lea_vaccinations", "mandatory_proofs", "insurance"):
        _ok(_review(stack, w, "manager", doc))
    for doc in ("hugo_health", "hugo_vaccinations", "caf_quotient", "rgpd_charter", "news_charter"):
        _ok(_review(stack, w, "coordinator", doc))
    for who, request in (("manager", "peri"), ("coordinator", "sejour")):
        _ok(stack.call("POST", f"{E}/staff/requests/{w[request]}/validate", {"family_id": w["family_id"]},
                       token=w[who]))


def test_a_childs_change_goes_only_to_that_childs_staff_and_scope_comes_before_status(
        stack: Any, two_children: dict[str, Any]) -> None:
    w = two_children
    _validate_both(stack, w)
    changed = child("Hugo", medical={"doctor_name": "Dr Klein", "doctor_phone": "03 88 73 11 11",
                                     "vaccinations": [{"name": "DTP", "date": "2019-06-01"}],
                                     "allergies": "Pénicilline, pollen", "diet": "", "pai": True,
                                     "treatments": "Ventoline", "notes": ""})
    _ok(stack.call("PUT", f"{E}/children/{w['hugo']}", changed, token=w["token"]))
    assert _ok(stack.call("GET", f"{E}/staff/changes", token=w["manager"]))["items"] == []
    (change,) = _ok(stack.call("GET", f"{E}/staff/changes", token=w["coordinator"]))["items"]
    path = f"{E}/staff/families/{w['family_id']}/changes/{change['change_id']}/review"
    assert stack.call("POST", path, {"decision": "approved"}, token=w["manager"]).status_code == 403
    _ok(stack.call("POST", path, {"decision": "approved"}, token=w["coordinator"]))
    # Already handled, but not theirs: still 403 for the manager (scope before status), 409 for its staff.
    assert stack.call("POST", path, {"decision": "rejected", "reason": "Non"},
                      token=w["manager"]).status_code == 403
    assert stack.call("POST", path, {"decision": "rejected", "reason": "Non"},
                      token=w["coordinator"]).status_code == 409


def test_an_allocataire_change_is_not_shown_to_the_coordinator(stack: Any, two_children: dict[str, Any]) -> None:
    from tests.enrolment.support import HOUSEHOLD

    w = two_children
    _validate_both(stack, w)
    household = {**HOUSEHOLD, "allocataire": {"regime": "CAF", "number": "7654321"}}
    _ok(stack.call("PUT", f"{E}/family/household", household, token=w["token"]))
    assert "7654321" not in str(_ok(stack.call("GET", f"{E}/staff/changes", token=w["coordinator"])))
    assert "7654321" not in str(_ok(stack.call("GET", f"{E}/staff/families/{w['family_id']}",
                                               token=w["coordinator"])))
    (change,) = _ok(stack.call("GET", f"{E}/staff/changes", token=w["manager"]))["items"]
    assert change["new"]["number"] == "7654321"
