"""Accounts' actions at their floor of DynamoDB requests (issue 12), counted through botocore (each AWS call is
one ``_make_api_call``): counts, never times. The authorizer's read of the session (one BatchGetItem) is part
of every authenticated route and is counted with it.

Also here: a staff account action's audit event is written in the action's own transaction (decision 101),
so an action refused by a conflicting change leaves none, and a successful one exactly one."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.accounts.support import (
    PASSWORD,
    api,
    assert_error,
    confirmation_token,
    confirmed_family,
    login,
    signup,
    staff_token,
)
from tests.accounts.test_staff import _catalogue, staff_body  # noqa: F401  (_catalogue: the structures accounts knows)
from tests.helpers import dynamodb_calls, signup_body

WRONG = "Mauvais-Mot-De-Passe-1"


@pytest.fixture(autouse=True)
def _strict_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A staff action whose audit event is not in its transaction fails (shared.audit)."""
    monkeypatch.setenv("AUDIT_STRICT", "1")


def test_sign_up_is_one_transaction_and_confirming_reads_only_the_token(stack: Any) -> None:
    with dynamodb_calls() as seen:
        signup(stack, "claire@example.fr")
    assert seen == ["TransactWriteItems"]  # the address's uniqueness is the transaction's condition
    token = confirmation_token(stack, "claire@example.fr")
    with dynamodb_calls() as seen:
        assert stack.call("POST", api("/verify"), {"token": token}).status_code == 200
    assert seen == ["GetItem", "TransactWriteItems"]
    # A second sign-up on the address answers the same, reads the account only then, and e-mails its owner.
    with dynamodb_calls() as seen:
        again = stack.call("POST", api("/signup"), signup_body("claire@example.fr"))
    assert again.status_code == 201
    assert seen == ["TransactWriteItems", "GetItem", "GetItem", "TransactWriteItems"]


def test_log_in_is_four_requests_and_a_failure_three(stack: Any) -> None:
    confirmed_family(stack, "lea@example.fr")
    with dynamodb_calls() as seen:
        assert login(stack, "lea@example.fr").status_code == 200
    # key item and throttles; the attempt counted; the account; the session with the attempt given back
    assert seen == ["BatchGetItem", "TransactWriteItems", "GetItem", "TransactWriteItems"]
    with dynamodb_calls() as seen:
        assert login(stack, "lea@example.fr", WRONG).status_code == 401
    assert seen == ["BatchGetItem", "TransactWriteItems", "GetItem"]
    with dynamodb_calls() as unknown:
        assert login(stack, "inconnue@example.fr", WRONG).status_code == 401
    assert unknown == seen  # the same work for an address without an account


def test_mon_compte_and_a_password_change_read_the_session_once(stack: Any) -> None:
    token = confirmed_family(stack, "paul@example.fr")
    with dynamodb_calls() as seen:
        assert stack.call("GET", api("/me"), token=token).status_code == 200
    assert seen == ["BatchGetItem", "GetItem"]  # the authorizer's session read, the account
    with dynamodb_calls() as seen:
        changed = stack.call("POST", api("/password/change"),
                             {"current_password": PASSWORD, "new_password": "Nouveau-Secret-2025"}, token=token)
    assert changed.status_code == 200
    assert seen == ["BatchGetItem", "GetItem", "TransactWriteItems"]
    assert stack.call("GET", api("/me"), token=token).status_code == 401  # the generation ended it


def test_staff_accounts_are_created_listed_and_edited_at_their_floor(stack: Any) -> None:
    admin = staff_token(stack)
    with dynamodb_calls() as seen:
        created = stack.call("POST", api("/staff"), staff_body(), token=admin)
    assert created.status_code == 201, created.json
    # The session; one transaction: account, address, scope checked, invitation, events, audit event.
    assert seen == ["BatchGetItem", "TransactWriteItems"]
    with dynamodb_calls() as seen:
        assert stack.call("GET", api("/staff"), token=admin).status_code == 200
    assert seen == ["BatchGetItem", "Query"]
    edit = {"civility": "Mme", "first_name": "Julie", "last_name": "Weber", "role": "manager",
            "structures": ["acem-haguenau"]}
    with dynamodb_calls() as seen:
        edited = stack.call("PUT", api(f"/staff/{created.json['account_id']}"), edit, token=admin)
    assert edited.status_code == 200 and edited.json["last_name"] == "Weber"
    assert edited.json["structures"] == ["acem-haguenau"]
    assert seen == ["BatchGetItem", "GetItem", "TransactWriteItems"]
    # An unknown structure is named, from the transaction's own check; nothing is written.
    with dynamodb_calls() as seen:
        refused = stack.call("PUT", api(f"/staff/{created.json['account_id']}"),
                             {**edit, "structures": ["acem-haguenau", "alef-brumat"]}, token=admin)
    error = assert_error(refused, 400, "validation_error", "structures")
    assert "alef-brumat" in error["message"] and "acem-haguenau" not in error["message"]
    listed = {a["account_id"]: a for a in stack.call("GET", api("/staff"), token=admin).json["items"]}
    assert listed[created.json["account_id"]]["structures"] == ["acem-haguenau"]


def _account_events(stack: Any, admin: str) -> list[dict[str, Any]]:
    stack.drain()
    answer = stack.call("GET", "/api/enrolment/staff/audit?action=account", token=admin)
    assert answer.status_code == 200, answer.json
    return list(answer.json["items"])


def test_a_refused_staff_creation_leaves_no_audit_event_and_a_created_one_exactly_one(stack: Any) -> None:
    admin = staff_token(stack)
    created = stack.call("POST", api("/staff"), staff_body("julie@asso.fr"), token=admin)
    assert created.status_code == 201
    taken = stack.call("POST", api("/staff"), staff_body("julie@asso.fr", first_name="Autre"), token=admin)
    assert_error(taken, 409, "conflict", "email")
    unknown = stack.call("POST", api("/staff"), staff_body("marc@asso.fr", structures=["alef-brumat"]), token=admin)
    assert_error(unknown, 400, "validation_error", "structures")

    events = _account_events(stack, admin)
    assert [(e["label"], e["subject"]) for e in events] == [
        ("Compte professionnel créé", f"account_id={created.json['account_id']}")]


def test_of_two_admins_deactivating_at_once_one_wins_and_only_its_action_is_recorded(
        stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from accounts import staff_admin

    first, second = staff_token(stack), staff_token(stack, "seconde.admin@asso.fr")
    paul = staff_token(stack, "paul@asso.fr", role="coordinator", structures=["sejours"])
    paul_id = stack.call("GET", api("/me"), token=paul).json["account_id"]
    # Both requests read the account (active) before either writes: a real race, made certain.
    both_read = threading.Barrier(2, timeout=120)
    read = staff_admin._staff

    def read_then_wait(account_id: str) -> Any:
        account = read(account_id)
        both_read.wait()
        return account

    monkeypatch.setattr(staff_admin, "_staff", read_then_wait)
    answers: dict[str, Any] = {}

    def deactivate(name: str, token: str) -> None:
        answers[name] = stack.call("POST", api(f"/staff/{paul_id}/deactivate"), token=token)

    threads = [threading.Thread(target=deactivate, args=item) for item in (("first", first), ("second", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    monkeypatch.setattr(staff_admin, "_staff", read)

    assert sorted(a.status_code for a in answers.values()) == [200, 409]
    loser = next(a for a in answers.values() if a.status_code == 409)
    assert "quelqu'un d'autre" in assert_error(loser, 409, "conflict")["message"]
    events = _account_events(stack, first)
    assert [(e["label"], e["subject"]) for e in events] == [("Compte professionnel désactivé", f"account_id={paul_id}")]
