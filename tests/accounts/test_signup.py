"""Signup, e-mail confirmation and the promise that no answer tells whether an address has an account."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from shared import clock
from tests.accounts.support import (
    PASSWORD,
    access_token,
    accounts_items,
    api,
    assert_error,
    confirmation_token,
    confirmed_family,
    login,
    mails,
    signup,
    signup_body,
)

CONFIRM = "Confirmez votre adresse e-mail"
EXISTING = "Vous avez déjà un compte"


def account_pks() -> list[str]:
    return [item["pk"] for item in accounts_items() if item["pk"].startswith("ACCOUNT#") and item["sk"] == "PROFILE"]


def test_signup_answers_201_and_normalises_email_and_phone(stack: Any) -> None:
    response = stack.call("POST", api("/signup"),
                          signup_body("  Claire.MULLER@Example.FR ", phone="+33 7.12.34.56.78"))

    assert response.status_code == 201
    assert response.json == {"email": "claire.muller@example.fr", "status": "pending_confirmation"}
    token = confirmation_token(stack, "claire.muller@example.fr")
    assert stack.call("POST", api("/verify"), {"token": token}).status_code == 200
    me = stack.call("GET", api("/me"), token=access_token(stack, "claire.muller@example.fr"))
    assert me.json["email"] == "claire.muller@example.fr"
    assert me.json["phone"] == "+33712345678"
    assert me.json["status"] == "active"
    assert me.json["role"] == "family"
    assert me.json["address"] == signup_body()["address"]


def test_login_accepts_the_address_in_any_case(stack: Any) -> None:
    confirmed_family(stack, "camille@example.fr")

    assert login(stack, "Camille@Example.FR").status_code == 200
    assert login(stack, "  camille@example.fr ").status_code == 200


def test_confirmation_email_link_confirms_once(stack: Any) -> None:
    email = "once@example.fr"
    signup(stack, email)
    assert_error(login(stack, email), 403, "email_not_confirmed")

    sent = mails(stack, email, CONFIRM)
    assert len(sent) == 1
    assert "Bonjour Claire" in sent[0]["text"]
    token = confirmation_token(stack, email)
    confirmed = stack.call("POST", api("/verify"), {"token": token})
    assert confirmed.status_code == 200
    assert confirmed.json["status"] == "confirmed"
    assert "confirmée" in confirmed.json["message"]

    again = stack.call("POST", api("/verify"), {"token": token})
    error = assert_error(again, 400, "invalid_token", "token")
    assert "déjà été utilisé ou il a expiré" in error["message"]
    assert login(stack, email).status_code == 200


def test_confirmation_link_expires_after_48_hours(stack: Any) -> None:
    email = "tard@example.fr"
    signup(stack, email)
    token = confirmation_token(stack, email)

    clock.travel(timedelta(hours=49))
    assert_error(stack.call("POST", api("/verify"), {"token": token}), 400, "invalid_token", "token")
    assert_error(login(stack, email), 403, "email_not_confirmed")


def test_confirmation_link_still_works_after_47_hours(stack: Any) -> None:
    email = "juste@example.fr"
    signup(stack, email)
    token = confirmation_token(stack, email)

    clock.travel(timedelta(hours=47))
    assert stack.call("POST", api("/verify"), {"token": token}).status_code == 200


@pytest.mark.parametrize("token", ["x" * 43, "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v", "0123456789"])
def test_a_made_up_confirmation_token_is_refused(stack: Any, token: str) -> None:
    signup(stack, "vraie@example.fr")

    assert_error(stack.call("POST", api("/verify"), {"token": token}), 400, "invalid_token", "token")
    assert_error(login(stack, "vraie@example.fr"), 403, "email_not_confirmed")


@pytest.mark.parametrize("body", [{}, {"token": ""}, {"token": "court"}, {"token": 12345678901},
                                  {"token": "x" * 201}])
def test_malformed_confirmation_body_names_token(stack: Any, body: dict[str, Any]) -> None:
    assert_error(stack.call("POST", api("/verify"), body), 400, "validation_error", "token")


def test_tokens_are_stored_only_as_hashes_and_outbox_forgets_them(stack: Any) -> None:
    email = "secret@example.fr"
    signup(stack, email)
    raw = confirmation_token(stack, email)  # drains: the outbox entry is sent

    items = accounts_items()
    dump = json.dumps(items, default=str)
    assert raw not in dump
    tokens = [item for item in items if item["pk"].startswith("TOKEN#")]
    assert len(tokens) == 1
    assert tokens[0]["pk"] != f"TOKEN#{raw}"
    assert set(tokens[0]) <= {"pk", "sk", "purpose", "account_id", "expires_at", "new_email", "ttl", "generation"}
    sent = [item for item in items if item["pk"].startswith("OUTBOX#")]
    assert sent and all(item["status"] == "sent" and "detail" not in item for item in sent)
    # The stored hash is not an account's password either: the hash of the password is argon2id.
    account = next(item for item in items if item["pk"].startswith("ACCOUNT#") and item["sk"] == "PROFILE")
    assert account["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in dump


def test_signup_again_on_confirmed_address_answers_the_same_and_tells_the_owner(stack: Any) -> None:
    email = "deja@example.fr"
    first = stack.call("POST", api("/signup"), signup_body(email))
    confirmed_token = confirmation_token(stack, email)
    assert stack.call("POST", api("/verify"), {"token": confirmed_token}).status_code == 200

    again = stack.call("POST", api("/signup"), signup_body(email.upper(), first_name="Intrus",
                                                           password="Autre-Mot-De-Passe-9"))

    assert (again.status_code, again.json) == (first.status_code, first.json)
    assert len(account_pks()) == 1
    warned = mails(stack, email, EXISTING)
    assert len(warned) == 1
    assert "Bonjour Claire" in warned[0]["text"]
    assert len(mails(stack, email, CONFIRM)) == 1  # no new confirmation link
    assert login(stack, email).status_code == 200
    assert login(stack, email, "Autre-Mot-De-Passe-9").status_code == 401
    assert stack.call("GET", api("/me"), token=access_token(stack, email)).json["first_name"] == "Claire"


def test_signup_again_on_unconfirmed_address_sends_a_fresh_link_and_revokes_the_old(stack: Any) -> None:
    email = "oubli@example.fr"
    first = stack.call("POST", api("/signup"), signup_body(email))
    old = confirmation_token(stack, email)

    clock.travel(timedelta(minutes=5))
    again = stack.call("POST", api("/signup"), signup_body(email))

    assert (again.status_code, again.json) == (first.status_code, first.json)
    assert len(account_pks()) == 1
    assert mails(stack, email, EXISTING) == []
    links = mails(stack, email, CONFIRM)
    assert len(links) == 2
    fresh = confirmation_token(stack, email)
    assert fresh != old
    assert_error(stack.call("POST", api("/verify"), {"token": old}), 400, "invalid_token")
    assert stack.call("POST", api("/verify"), {"token": fresh}).status_code == 200
    assert login(stack, email).status_code == 200


def test_a_second_signup_right_away_does_not_flood_the_inbox(stack: Any) -> None:
    email = "presse@example.fr"
    signup(stack, email)
    signup(stack, email)
    signup(stack, email)

    assert len(mails(stack, email, CONFIRM)) == 1
    assert len(account_pks()) == 1


def test_resend_answers_the_same_for_known_unknown_and_confirmed_addresses(stack: Any) -> None:
    confirmed_family(stack, "confirmee@example.fr")
    signup(stack, "attente@example.fr")
    clock.travel(timedelta(minutes=2))

    answers = [stack.call("POST", api("/verify/resend"), {"email": email})
               for email in ("attente@example.fr", "inconnue@example.fr", "confirmee@example.fr")]

    assert {a.status_code for a in answers} == {202}
    assert answers[0].json == answers[1].json == answers[2].json
    assert "spams" in answers[0].json["message"]
    assert len(mails(stack, "attente@example.fr", CONFIRM)) == 2
    assert stack.mail_to("inconnue@example.fr") == []
    assert len(mails(stack, "confirmee@example.fr", CONFIRM)) == 1


def test_resend_with_a_bad_address_is_a_validation_error(stack: Any) -> None:
    assert_error(stack.call("POST", api("/verify/resend"), {"email": "nimporte-quoi"}), 400, "validation_error",
                 "email")


def test_resent_link_replaces_the_first(stack: Any) -> None:
    email = "renvoi@example.fr"
    signup(stack, email)
    first = confirmation_token(stack, email)
    clock.travel(timedelta(minutes=2))
    assert stack.call("POST", api("/verify/resend"), {"email": "Renvoi@Example.fr"}).status_code == 202

    second = confirmation_token(stack, email)
    assert second != first
    assert_error(stack.call("POST", api("/verify"), {"token": first}), 400, "invalid_token")
    assert stack.call("POST", api("/verify"), {"token": second}).status_code == 200


def test_family_file_is_opened_once_even_when_signing_up_twice(stack: Any) -> None:
    token = confirmed_family(stack, "famille@example.fr")
    clock.travel(timedelta(minutes=2))
    signup(stack, "famille@example.fr")
    stack.drain()

    family = stack.call("GET", "/api/enrolment/family", token=token)
    assert family.status_code == 200
    assert family.json["last_name"] == "Muller"


class CountingHasher:
    """``service.hasher`` that counts the argon2 hashes it computes (the slow part of a signup)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.hashes = 0

    def hash(self, password: str, **kw: Any) -> str:
        self.hashes += 1
        return str(self.real.hash(password, **kw))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_signup_takes_as_long_for_a_known_address_as_for_a_new_one(stack: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Timing must not reveal an account either: whatever the address, the password is hashed once
    (argon2 is most of a signup's time; measuring wall time would be flaky on a busy machine)."""
    from accounts import service

    counting = CountingHasher(service.hasher)
    monkeypatch.setattr(service, "hasher", counting)
    confirmed_family(stack, "confirmee@example.fr")
    signup(stack, "attente@example.fr")
    clock.travel(timedelta(minutes=2))

    work = {}
    for email in ("nouvelle@example.fr", "confirmee@example.fr", "attente@example.fr"):
        before = counting.hashes
        signup(stack, email)
        work[email] = counting.hashes - before
    assert work == {"nouvelle@example.fr": 1, "confirmee@example.fr": 1, "attente@example.fr": 1}
