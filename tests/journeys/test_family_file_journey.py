"""The guide's « Mon espace personnel » for a new family, end to end through the real path: signup and
confirmation, profile, household, two children, school, a périscolaire pre-enrolment at two structures
(school days and Wednesdays), documents uploaded to S3, completeness empty, the manager validates, the
e-mail arrives, and planning's own read model says the family is validated for both structures."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.enrolment.support import PROFILE, child, fill_file, periscolaire, upload_periscolaire_documents
from tests.helpers import confirmed_family, seed_catalogue, staff_token

SCHOOL = {"school_id": "schweighouse-elementaire", "school_name": "École élémentaire de Schweighouse-sur-Moder",
          "class_level": "CP", "school_year": "2026-2027"}


def test_new_family_file_validated_by_the_manager(stack: Any, capsys: pytest.CaptureFixture[str],
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # the level the services log at (libraries dump requests at DEBUG)
    seed_catalogue(stack)
    manager = staff_token(stack, "responsable@asso.fr", "manager", ["acem-schweighouse", "acem-haguenau-mercredi"])
    stack.drain()
    token, family_id = confirmed_family(stack, "claire.muller@example.fr")

    lea, hugo = fill_file(stack, token, children=2)
    for child_id in (lea, hugo):
        assert stack.call("PUT", f"/api/enrolment/children/{child_id}/school", SCHOOL, token=token).status_code == 200
    request = periscolaire(stack, token, lea, wednesday=True)
    assert request["structure_ids"] == ["acem-schweighouse", "acem-haguenau-mercredi"]

    before = stack.call("GET", f"/api/enrolment/requests/{request['request_id']}/completeness", token=token).json
    assert before["complete"] is False
    assert {m["link"] for m in before["missing"]} == {"/mon-compte/documents"}
    refused = stack.call("POST", f"/api/enrolment/requests/{request['request_id']}/submit", token=token)
    assert refused.status_code == 400 and refused.json["error"]["code"] == "incomplete"

    documents = upload_periscolaire_documents(stack, token, [lea])
    after = stack.call("GET", f"/api/enrolment/requests/{request['request_id']}/completeness", token=token).json
    assert after == {"complete": True, "missing": []}
    submitted = stack.call("POST", f"/api/enrolment/requests/{request['request_id']}/submit", token=token)
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted"
    stack.drain()
    told = stack.mail_to("responsable@asso.fr")
    assert any("Nouvelle demande de pré-inscription" in m["subject"] for m in told)
    # the family's acknowledgement (outbox → EventBridge → SQS → notifications → SES), once
    received = [m for m in stack.mail_to("claire.muller@example.fr") if "est transmise" in m["subject"]]
    assert [m["subject"] for m in received] == \
        ["Votre demande de pré-inscription périscolaire est transmise – Portail Familles"]
    assert "(cah)ACEM - SCHWEIGHOUSE" in received[0]["text"] and "« Mon planning »" in received[0]["text"]

    # The manager finds the request in the queue of each structure and reads the file.
    queue = stack.call("GET", "/api/enrolment/staff/requests?status=submitted", token=manager).json["items"]
    assert [(i["family_id"], i["child_first_name"]) for i in queue] == [(family_id, "Léa")]
    file = stack.call("GET", f"/api/enrolment/staff/families/{family_id}", token=manager).json
    assert file["profile"]["mobile_phone"] == "+33612345678"
    assert len(file["documents"]) == len(documents)

    # Validation waits for the documents to be accepted.
    early = stack.call("POST", f"/api/enrolment/staff/requests/{request['request_id']}/validate",
                       {"family_id": family_id}, token=manager)
    assert early.status_code == 409 and early.json["error"]["code"] == "incomplete"
    for document_id in documents:
        opened = stack.call("GET", f"/api/enrolment/staff/families/{family_id}/documents/{document_id}/download",
                            token=manager)
        assert opened.status_code == 200 and opened.json["url"].startswith("http")
        reviewed = stack.call("POST", f"/api/enrolment/staff/families/{family_id}/documents/{document_id}/review",
                              {"decision": "accepted"}, token=manager)
        assert reviewed.status_code == 200 and reviewed.json["status"] == "accepted"
    validated = stack.call("POST", f"/api/enrolment/staff/requests/{request['request_id']}/validate",
                           {"family_id": family_id}, token=manager)
    assert validated.status_code == 200, validated.json
    assert validated.json["status"] == "validated"
    stack.drain()

    mails = [m for m in stack.mail_to("claire.muller@example.fr") if "validé" in m["subject"]]
    assert len(mails) == 1  # one e-mail per validation act (issue 9), listing what it validated
    assert "planning" in mails[0]["text"]
    assert "- (cah)ACEM - SCHWEIGHOUSE" in mails[0]["text"] and "- ACEM - HAGUENAU" in mails[0]["text"]

    # Planning's read model, fed only by events, opens both structures.
    seen = stack.call("GET", "/api/planning/validations", token=token).json["items"]
    assert sorted((v["structure_id"], v["activity"], v["status"]) for v in seen) == [
        ("acem-haguenau-mercredi", "mercredi", "validated"), ("acem-schweighouse", "periscolaire", "validated")]
    assert {v["child_id"] for v in seen} == {lea}

    # No medical or identity data in the logs of the whole journey.
    logs = capsys.readouterr().out + capsys.readouterr().err + caplog.text
    for secret in ("Arachide", "Dr Weber", "+33612345678", "06 12 34 56 78", "3 rue des Tilleuls",
                   "claire.muller@example.fr", "Anne Muller", "2018-04-02", "Tartine-Confiture-42"):
        assert secret not in logs, secret


def test_changes_after_validation_wait_for_the_manager(stack: Any) -> None:
    seed_catalogue(stack)
    manager = staff_token(stack, "responsable@asso.fr", "manager", ["acem-schweighouse"])
    token, family_id = confirmed_family(stack, "famille@example.fr")
    (lea,) = fill_file(stack, token)
    request = periscolaire(stack, token, lea, wednesday=False)
    documents = upload_periscolaire_documents(stack, token, [lea])
    assert stack.call("POST", f"/api/enrolment/requests/{request['request_id']}/submit", token=token).status_code == 200
    for document_id in documents:
        stack.call("POST", f"/api/enrolment/staff/families/{family_id}/documents/{document_id}/review",
                   {"decision": "accepted"}, token=manager)
    assert stack.call("POST", f"/api/enrolment/staff/requests/{request['request_id']}/validate",
                      {"family_id": family_id}, token=manager).status_code == 200

    # The family changes its mobile phone and an authorised person: the old values stand.
    new_profile = {**PROFILE, "mobile_phone": "07 00 00 00 01"}
    assert stack.call("PUT", "/api/enrolment/family/profile", new_profile, token=token).status_code == 200
    new_child = child(authorised_persons=[{"name": "Paul Muller", "relationship": "Oncle", "phone": "0601020304"}])
    assert stack.call("PUT", f"/api/enrolment/children/{lea}", new_child, token=token).status_code == 200
    file = stack.call("GET", "/api/enrolment/family", token=token).json
    assert file["profile"]["mobile_phone"] == "+33612345678"
    assert file["children"][0]["authorised_persons"][0]["name"] == "Anne Muller"
    pending = {c["field"]: c for c in file["pending_changes"]}
    assert set(pending) == {"mobile_phone", "authorised_persons"}
    assert pending["mobile_phone"]["new"] == "+33700000001" and pending["mobile_phone"]["old"] == "+33612345678"
    stack.drain()
    assert any("Modifications à valider" in m["subject"] for m in stack.mail_to("responsable@asso.fr"))

    # The manager approves the phone and rejects the new authorised person, field by field.
    listed = stack.call("GET", "/api/enrolment/staff/changes", token=manager).json["items"]
    assert {c["field"] for c in listed} == {"mobile_phone", "authorised_persons"}
    approve = stack.call("POST", f"/api/enrolment/staff/families/{family_id}/changes/"
                         f"{pending['mobile_phone']['change_id']}/review", {"decision": "approved"}, token=manager)
    assert approve.status_code == 200 and approve.json["status"] == "approved"
    no_reason = stack.call("POST", f"/api/enrolment/staff/families/{family_id}/changes/"
                           f"{pending['authorised_persons']['change_id']}/review", {"decision": "rejected"},
                           token=manager)
    assert no_reason.status_code == 400 and "reason" in no_reason.json["error"]["fields"]
    reject = stack.call("POST", f"/api/enrolment/staff/families/{family_id}/changes/"
                        f"{pending['authorised_persons']['change_id']}/review",
                        {"decision": "rejected", "reason": "Pièce d'identité nécessaire"}, token=manager)
    assert reject.status_code == 200
    file = stack.call("GET", "/api/enrolment/family", token=token).json
    assert file["profile"]["mobile_phone"] == "+33700000001"
    assert file["children"][0]["authorised_persons"][0]["name"] == "Anne Muller"
    assert file["pending_changes"] == []
    stack.drain()
    reviewed = [m for m in stack.mail_to("famille@example.fr") if "modification" in m["subject"].lower()]
    assert len(reviewed) == 2


def test_a_rejected_mandatory_document_revokes_the_validation(stack: Any) -> None:
    seed_catalogue(stack)
    manager = staff_token(stack, "responsable@asso.fr", "manager", ["acem-schweighouse"])
    token, family_id = confirmed_family(stack, "revoque@example.fr")
    (lea,) = fill_file(stack, token)
    request = periscolaire(stack, token, lea, wednesday=False)
    documents = upload_periscolaire_documents(stack, token, [lea])
    stack.call("POST", f"/api/enrolment/requests/{request['request_id']}/submit", token=token)
    for document_id in documents:
        stack.call("POST", f"/api/enrolment/staff/families/{family_id}/documents/{document_id}/review",
                   {"decision": "accepted"}, token=manager)
    stack.call("POST", f"/api/enrolment/staff/requests/{request['request_id']}/validate",
               {"family_id": family_id}, token=manager)
    stack.drain()
    assert stack.call("GET", "/api/planning/validations", token=token).json["items"][0]["status"] == "validated"

    # The insurance turns out to be wrong: the validation is revoked until the family fixes it.
    insurance = documents[2]
    rejected = stack.call("POST", f"/api/enrolment/staff/families/{family_id}/documents/{insurance}/review",
                          {"decision": "rejected", "reason": "Attestation illisible"}, token=manager)
    assert rejected.status_code == 200
    stack.drain()
    file = stack.call("GET", "/api/enrolment/family", token=token).json
    assert file["requests"][0]["status"] == "revoked"
    assert stack.call("GET", "/api/planning/validations", token=token).json["items"][0]["status"] == "revoked"
    assert any("refusé" in m["subject"].lower() or "document" in m["subject"].lower()
               for m in stack.mail_to("revoque@example.fr"))


def test_a_manager_sees_only_their_structures(stack: Any) -> None:
    seed_catalogue(stack)
    other = staff_token(stack, "creche@asso.fr", "manager", ["creche-les-lutins"])
    token, family_id = confirmed_family(stack, "scope@example.fr")
    (lea,) = fill_file(stack, token)
    request = periscolaire(stack, token, lea, wednesday=False)
    upload_periscolaire_documents(stack, token, [lea])
    stack.call("POST", f"/api/enrolment/requests/{request['request_id']}/submit", token=token)
    assert stack.call("GET", "/api/enrolment/staff/requests", token=other).json["items"] == []
    assert stack.call("GET", f"/api/enrolment/staff/families/{family_id}", token=other).status_code == 403
    assert stack.call("POST", f"/api/enrolment/staff/requests/{request['request_id']}/validate",
                      {"family_id": family_id}, token=other).status_code == 403
    assert stack.call("GET", "/api/enrolment/staff/requests?structure_id=acem-schweighouse",
                      token=other).status_code == 403


def test_staff_see_only_the_requests_of_their_structures_in_a_file(stack: Any) -> None:
    seed_catalogue(stack)
    wednesday = staff_token(stack, "mercredi@asso.fr", "manager", ["acem-haguenau-mercredi"])
    token, family_id = confirmed_family(stack, "deux@example.fr")
    lea, hugo = fill_file(stack, token, children=2)
    both = periscolaire(stack, token, lea, wednesday=True)
    school_days_only = periscolaire(stack, token, hugo, wednesday=False)
    upload_periscolaire_documents(stack, token, [lea, hugo])
    for request in (both, school_days_only):
        assert stack.call("POST", f"/api/enrolment/requests/{request['request_id']}/submit",
                          token=token).status_code == 200
    file = stack.call("GET", f"/api/enrolment/staff/families/{family_id}", token=wednesday).json
    assert [r["request_id"] for r in file["requests"]] == [both["request_id"]]
