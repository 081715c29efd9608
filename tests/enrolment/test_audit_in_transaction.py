"""Enrolment's staff actions write their state and their audit event in one transaction (issue 13,
decision 101): with ``AUDIT_STRICT=1`` a route that recorded its event outside a transaction fails; a
transaction that fails leaves neither the change nor its record; a process that dies right after the
commit leaves both; a 409 loser leaves no record."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.endpoint import Endpoint
from botocore.exceptions import ClientError

from shared import ddb
from tests.enrolment.support import child
from tests.enrolment.test_staff_races import E, submitted_family, together
from tests.helpers import seed_catalogue, staff_token

MANAGER = ("julie@asso.fr", "manager", ["acem-schweighouse", "acem-haguenau-mercredi"])


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIT_STRICT", "1")


def audit(stack: Any, admin: str, **filters: str) -> list[dict[str, Any]]:
    """The audit log's entries (admin search: the last 90 days by default), once every event is delivered."""
    stack.drain()
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    found = stack.call("GET", f"{E}/staff/audit?{query}", token=admin)
    assert found.status_code == 200, found.json
    return list(found.json["items"])


@contextlib.contextmanager
def dynamodb_refuses_transactions() -> Iterator[list[str]]:
    """Every TransactWriteItems fails in DynamoDB itself (an internal error), as a fault would."""
    original = Endpoint.make_request
    refused: list[str] = []

    @functools.wraps(original)
    def make_request(endpoint: Any, operation_model: Any, request_dict: dict[str, Any]) -> Any:
        if operation_model.name == "TransactWriteItems":
            refused.append(operation_model.name)
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "injected"}}, "TransactWriteItems")
        return original(endpoint, operation_model, request_dict)

    Endpoint.make_request = make_request  # type: ignore[method-assign]
    try:
        yield refused
    finally:
        Endpoint.make_request = original  # type: ignore[method-assign]


class Died(Exception):
    """The process ends here (simulated: nothing of the view runs after it)."""


@contextlib.contextmanager
def process_dies_after_commit() -> Iterator[list[int]]:
    """The first transaction commits, then the process dies before the view goes on."""
    original = ddb._Transaction._commit
    commits: list[int] = []

    def commit(self: Any) -> Any:
        original(self)
        commits.append(self.size())
        raise Died

    ddb._Transaction._commit = commit  # type: ignore[method-assign]
    try:
        yield commits
    finally:
        ddb._Transaction._commit = original  # type: ignore[method-assign]


def request_status(stack: Any, token: str, request_id: str) -> str:
    file = stack.call("GET", f"{E}/family", token=token).json
    return str(next(r for r in file["requests"] if r["request_id"] == request_id)["status"])


def territory_body(stack: Any, admin: str, commune: str) -> dict[str, Any]:
    current = stack.call("GET", f"{E}/territory", token=admin).json
    return {"schools": current["schools"], "version": current["version"],
            "communes": [*current["communes"], {"name": commune, "postal_code": "67000"}]}


def test_every_enrolment_staff_action_records_itself_in_its_transaction(stack: Any) -> None:
    """Under AUDIT_STRICT=1, each audited route of enrolment succeeds (its event rode a transaction) and is
    recorded exactly once: document reviews, return, validation, change reviews, territory."""
    seed_catalogue(stack)
    admin = staff_token(stack, "admin@asso.fr", "admin", [])
    manager = staff_token(stack, *MANAGER)
    token, family_id, lea, request_id, documents = submitted_family(stack, "strict@example.fr", wednesday=True)
    *accepted, last = documents
    for document_id in accepted:
        reviewed = stack.call("POST", f"{E}/staff/families/{family_id}/documents/{document_id}/review",
                              {"decision": "accepted"}, token=manager)
        assert reviewed.status_code == 200, reviewed.json
    rejected = stack.call("POST", f"{E}/staff/families/{family_id}/documents/{last}/review",
                          {"decision": "rejected", "reason": "Illisible"}, token=manager)
    assert rejected.status_code == 200, rejected.json
    returned = stack.call("POST", f"{E}/staff/requests/{request_id}/return",
                          {"family_id": family_id, "message": "Merci de renvoyer l'attestation."}, token=manager)
    assert returned.status_code == 200, returned.json
    assert stack.call("POST", f"{E}/staff/families/{family_id}/documents/{last}/review",
                      {"decision": "accepted"}, token=manager).status_code == 200
    assert stack.call("POST", f"{E}/requests/{request_id}/submit", token=token).status_code == 200
    validated = stack.call("POST", f"{E}/staff/requests/{request_id}/validate", {"family_id": family_id},
                           token=manager)
    assert validated.status_code == 200, validated.json
    for decision in ("approved", "rejected"):
        changed = child("Léa")
        changed["medical"]["allergies"] = f"Kiwi ({decision})"
        assert stack.call("PUT", f"{E}/children/{lea}", changed, token=token).status_code == 200
        (change,) = stack.call("GET", f"{E}/staff/changes", token=manager).json["items"]
        review = stack.call("POST", f"{E}/staff/families/{family_id}/changes/{change['change_id']}/review",
                            {"decision": decision, "reason": "Justificatif absent"}, token=manager)
        assert review.status_code == 200, review.json
        assert review.json["status"] == decision
    saved = stack.call("PUT", f"{E}/territory", territory_body(stack, admin, "Strasbourg"), token=admin)
    assert saved.status_code == 200, saved.json

    entries = audit(stack, admin, family_id=family_id)
    assert sorted((e["action"], e["label"]) for e in entries) == sorted(
        [("document_review", "Examen d'un document")] * 5 + [("validation", "Dossier renvoyé à la famille"),
                                                             ("validation", "Validation du dossier")]
        + [("change_review", "Examen d'une modification")] * 2)
    assert [e["label"] for e in audit(stack, admin, action="catalogue")] == ["Territoire (écoles et communes)"]


def test_a_failed_transaction_leaves_neither_the_change_nor_its_record(stack: Any) -> None:
    seed_catalogue(stack)
    admin = staff_token(stack, "admin@asso.fr", "admin", [])
    manager = staff_token(stack, *MANAGER)
    token, family_id, _, request_id, documents = submitted_family(stack, "panne@example.fr", wednesday=False)
    review = f"{E}/staff/families/{family_id}/documents/{documents[0]}/review"
    with dynamodb_refuses_transactions() as refused:
        failed = stack.call("POST", review, {"decision": "accepted"}, token=manager)
    assert refused and failed.status_code >= 409 and failed.status_code != 200
    assert "error" in failed.json
    file = stack.call("GET", f"{E}/family", token=token).json
    assert next(d for d in file["documents"] if d["document_id"] == documents[0])["status"] == "pending"

    for document_id in documents:
        assert stack.call("POST", f"{E}/staff/families/{family_id}/documents/{document_id}/review",
                          {"decision": "accepted"}, token=manager).status_code == 200
    with dynamodb_refuses_transactions() as refused:
        failed = stack.call("POST", f"{E}/staff/requests/{request_id}/validate", {"family_id": family_id},
                            token=manager)
    assert refused and failed.status_code == 409, failed.json
    assert request_status(stack, token, request_id) == "submitted"

    before = stack.call("GET", f"{E}/territory", token=admin).json
    with dynamodb_refuses_transactions() as refused:
        failed = stack.call("PUT", f"{E}/territory", territory_body(stack, admin, "Saverne"), token=admin)
    assert refused and failed.status_code == 409, failed.json
    assert stack.call("GET", f"{E}/territory", token=admin).json == before

    entries = audit(stack, admin, family_id=family_id)
    assert [e["action"] for e in entries] == ["document_review"] * len(documents)  # the successful ones only
    assert audit(stack, admin, action="catalogue") == []
    assert audit(stack, admin, action="validation") == []


def test_a_process_dying_right_after_the_commit_keeps_the_change_and_its_record(stack: Any) -> None:
    seed_catalogue(stack)
    admin = staff_token(stack, "admin@asso.fr", "admin", [])
    manager = staff_token(stack, *MANAGER)
    token, family_id, lea, request_id, documents = submitted_family(stack, "crash@example.fr", wednesday=False)
    for document_id in documents:
        with process_dies_after_commit() as commits:
            died = stack.call("POST", f"{E}/staff/families/{family_id}/documents/{document_id}/review",
                              {"decision": "accepted"}, token=manager)
        assert commits and died.status_code == 500
    file = stack.call("GET", f"{E}/family", token=token).json
    assert {d["status"] for d in file["documents"]} == {"accepted"}
    with process_dies_after_commit() as commits:
        died = stack.call("POST", f"{E}/staff/requests/{request_id}/validate", {"family_id": family_id},
                          token=manager)
    assert commits and died.status_code == 500
    assert request_status(stack, token, request_id) == "validated"

    changed = child("Léa")
    changed["medical"]["allergies"] = "Kiwi"
    assert stack.call("PUT", f"{E}/children/{lea}", changed, token=token).status_code == 200
    (change,) = stack.call("GET", f"{E}/staff/changes", token=manager).json["items"]
    with process_dies_after_commit() as commits:
        died = stack.call("POST", f"{E}/staff/families/{family_id}/changes/{change['change_id']}/review",
                          {"decision": "approved"}, token=manager)
    assert commits and died.status_code == 500
    file = stack.call("GET", f"{E}/family", token=token).json
    assert file["children"][0]["medical"]["allergies"] == "Kiwi"

    with process_dies_after_commit() as commits:
        died = stack.call("PUT", f"{E}/territory", territory_body(stack, admin, "Molsheim"), token=admin)
    assert commits and died.status_code == 500
    assert "Molsheim" in [c["name"] for c in stack.call("GET", f"{E}/territory", token=admin).json["communes"]]

    entries = audit(stack, admin, family_id=family_id)
    assert sorted(e["action"] for e in entries) == sorted(
        ["document_review"] * len(documents) + ["validation", "change_review"])
    assert [e["label"] for e in audit(stack, admin, action="catalogue")] == ["Territoire (écoles et communes)"]


def test_a_409_loser_leaves_no_audit_record(stack: Any) -> None:
    """Parallel validations of one structure and parallel reviews of one change: each 200 is recorded once,
    each 409 not at all."""
    seed_catalogue(stack)
    admin = staff_token(stack, "admin@asso.fr", "admin", [])
    first = staff_token(stack, "julie@asso.fr", "manager", ["acem-schweighouse"])
    second = staff_token(stack, "marc@asso.fr", "manager", ["acem-schweighouse"])
    token, family_id, lea, request_id, documents = submitted_family(stack, "course2@example.fr", wednesday=False)
    for document_id in documents:
        assert stack.call("POST", f"{E}/staff/families/{family_id}/documents/{document_id}/review",
                          {"decision": "accepted"}, token=first).status_code == 200

    def validate(staff: str) -> Callable[[], Any]:
        return lambda: stack.call("POST", f"{E}/staff/requests/{request_id}/validate", {"family_id": family_id},
                                  token=staff)

    outcomes = [r.status_code for r in together(validate(first), validate(second), validate(first))]
    assert sorted(outcomes) == [200, 409, 409], outcomes
    changed = child("Léa")
    changed["medical"]["allergies"] = "Kiwi"
    assert stack.call("PUT", f"{E}/children/{lea}", changed, token=token).status_code == 200
    (change,) = stack.call("GET", f"{E}/staff/changes", token=first).json["items"]
    path = f"{E}/staff/families/{family_id}/changes/{change['change_id']}/review"
    reviews = [r.status_code for r in together(
        lambda: stack.call("POST", path, {"decision": "approved"}, token=first),
        lambda: stack.call("POST", path, {"decision": "rejected", "reason": "Non"}, token=second))]
    assert sorted(reviews) == [200, 409], reviews

    entries = audit(stack, admin, family_id=family_id)
    assert [e["action"] for e in entries].count("validation") == 1
    assert [e["action"] for e in entries].count("change_review") == 1
