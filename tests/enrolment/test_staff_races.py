"""Races between staff members, with real threads (issue 10, « Races »): one decision applies, the loser
gets a French 409, nothing is half applied, never a 500."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from tests.enrolment.support import child, fill_file, periscolaire, upload_periscolaire_documents
from tests.helpers import confirmed_family, seed_catalogue, staff_token

E = "/api/enrolment"


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same instant on real threads; their responses in call order."""
    results: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return results


def submitted_family(stack: Any, email: str, wednesday: bool) -> tuple[str, str, str, str, list[str]]:
    token, family_id = confirmed_family(stack, email)
    stack.drain()
    (lea,) = fill_file(stack, token)
    request = periscolaire(stack, token, lea, wednesday=wednesday)
    documents = upload_periscolaire_documents(stack, token, [lea])
    assert stack.call("POST", f"{E}/requests/{request['request_id']}/submit", token=token).status_code == 200
    return token, family_id, lea, str(request["request_id"]), documents


def test_two_managers_validating_at_once_each_structure_once(stack: Any) -> None:
    seed_catalogue(stack)
    schweighouse = staff_token(stack, "schweighouse@asso.fr", "manager", ["acem-schweighouse"])
    haguenau = staff_token(stack, "haguenau@asso.fr", "manager", ["acem-haguenau-mercredi"])
    _, family_id, _, request_id, documents = submitted_family(stack, "course@example.fr", wednesday=True)
    for document_id in documents:
        assert stack.call("POST", f"{E}/staff/families/{family_id}/documents/{document_id}/review",
                          {"decision": "accepted"}, token=schweighouse).status_code == 200

    def validate(token: str) -> Callable[[], Any]:
        return lambda: stack.call("POST", f"{E}/staff/requests/{request_id}/validate", {"family_id": family_id},
                                  token=token)

    first = together(validate(schweighouse), validate(haguenau), validate(schweighouse))
    statuses = [r.status_code for r in first]
    assert 500 not in statuses and statuses.count(200) >= 1, [r.json for r in first]
    for response in first:
        if response.status_code == 409:
            assert response.json["error"]["message"].startswith(("Ce dossier vient d'être modifié",
                                                                 "Cette demande est déjà validée"))
    # Whoever lost retries: each structure is validated exactly once, the request ends validated.
    for token in (schweighouse, haguenau):
        again = validate(token)()
        assert again.status_code in (200, 409), again.json
    file = stack.call("GET", f"{E}/staff/families/{family_id}", token=schweighouse).json
    (request,) = file["requests"]
    assert request["status"] == "validated"
    assert sorted(request["validated_structures"]) == ["acem-haguenau-mercredi", "acem-schweighouse"]
    stack.drain()
    planning = stack.call("GET", "/api/planning/validations", token=confirmed_token(stack, "course@example.fr"))
    assert sorted(v["structure_id"] for v in planning.json["items"]) == ["acem-haguenau-mercredi",
                                                                         "acem-schweighouse"]
    validated_mails = [m for m in stack.mail_to("course@example.fr")
                       if m["subject"].startswith("Votre dossier est validé")]
    assert len(validated_mails) == 2  # one per structure, never twice


def confirmed_token(stack: Any, email: str) -> str:
    logged = stack.call("POST", "/api/accounts/login", {"email": email, "password": "Tartine-Confiture-42"})
    assert logged.status_code == 200, logged.json
    return str(logged.json["access_token"])


def test_approve_and_reject_of_one_change_at_once_one_decision_applies(stack: Any) -> None:
    seed_catalogue(stack)
    first = staff_token(stack, "julie@asso.fr", "manager", ["acem-schweighouse"])
    second = staff_token(stack, "marc@asso.fr", "manager", ["acem-schweighouse"])
    token, family_id, lea, request_id, documents = submitted_family(stack, "revue@example.fr", wednesday=False)
    for document_id in documents:
        stack.call("POST", f"{E}/staff/families/{family_id}/documents/{document_id}/review",
                   {"decision": "accepted"}, token=first)
    assert stack.call("POST", f"{E}/staff/requests/{request_id}/validate", {"family_id": family_id},
                      token=first).status_code == 200
    for round_ in range(3):
        allergies = f"Arachide, kiwi {round_}"
        changed = child("Léa")
        changed["medical"]["allergies"] = allergies
        assert stack.call("PUT", f"{E}/children/{lea}", changed, token=token).status_code == 200
        (change,) = stack.call("GET", f"{E}/staff/changes", token=first).json["items"]
        path = f"{E}/staff/families/{family_id}/changes/{change['change_id']}/review"
        approve, reject = together(
            lambda path=path: stack.call("POST", path, {"decision": "approved"}, token=first),
            lambda path=path: stack.call("POST", path, {"decision": "rejected", "reason": "Non justifié"},
                                         token=second))
        assert sorted([approve.status_code, reject.status_code]) == [200, 409], (approve.json, reject.json)
        loser = approve if approve.status_code == 409 else reject
        assert loser.json["error"]["code"] == "conflict" and "traitée" in loser.json["error"]["message"]
        winner = "approved" if approve.status_code == 200 else "rejected"
        file = stack.call("GET", f"{E}/family", token=token).json
        applied = next(c for c in file["children"] if c["child_id"] == lea)["medical"]["allergies"]
        assert (applied == allergies) == (winner == "approved"), (winner, applied)
        stack.drain()
        told = [m["subject"] for m in stack.mail_to("revue@example.fr")
                if m["subject"].startswith("Votre modification")]
        assert len(told) == round_ + 1  # one e-mail per change: the decision that applied
        assert told[-1].startswith("Votre modification est validée" if winner == "approved"
                                   else "Votre modification n'est pas validée")
