"""Changing the e-mail address: password required, confirmed from the new address, the old one told."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared import clock
from tests.accounts.support import (
    PASSWORD,
    access_token,
    api,
    assert_error,
    confirmed_family,
    last_link,
    login,
    mails,
    signup,
)

OLD = "ancienne@example.fr"
NEW = "nouvelle@example.fr"
CONFIRM_NEW = "Confirmez votre nouvelle adresse e-mail"
CHANGED = "Votre adresse e-mail a été modifiée"


def ask(stack: Any, token: str, new_email: str = NEW, password: str = PASSWORD) -> Any:
    return stack.call("POST", api("/email/change"), {"new_email": new_email, "password": password}, token=token)


def confirm(stack: Any, token: str) -> Any:
    return stack.call("POST", api("/email/confirm"), {"token": token})


def test_email_change_confirmed_from_the_new_address(stack: Any) -> None:
    session = confirmed_family(stack, OLD)

    asked = ask(stack, session, "Nouvelle@Example.FR")
    assert asked.status_code == 202
    assert NEW in asked.json["message"]

    sent = mails(stack, NEW, CONFIRM_NEW)
    assert len(sent) == 1
    assert "Bonjour Claire" in sent[0]["text"]
    assert mails(stack, OLD, CONFIRM_NEW) == []
    link = last_link(stack, NEW, CONFIRM_NEW, "/confirmer-nouvel-email")

    # Until the link is followed nothing changes.
    assert login(stack, OLD).status_code == 200
    assert_error(login(stack, NEW), 401, "invalid_credentials")
    assert stack.call("GET", api("/me"), token=session).json["email"] == OLD

    done = confirm(stack, link)
    assert done.status_code == 200
    assert "confirmée" in done.json["message"]

    assert_error(login(stack, OLD), 401, "invalid_credentials")
    fresh = access_token(stack, NEW)
    assert stack.call("GET", api("/me"), token=fresh).json["email"] == NEW
    told = mails(stack, OLD, CHANGED)
    assert len(told) == 1
    assert NEW in told[0]["text"]
    assert mails(stack, NEW, CHANGED) == []
    family = stack.call("GET", "/api/enrolment/family", token=fresh)
    assert family.status_code == 200
    assert family.json["family_id"] == stack.call("GET", api("/me"), token=fresh).json["account_id"]

    assert_error(confirm(stack, link), 400, "invalid_token", "token")


def test_forgotten_password_follows_the_new_address(stack: Any) -> None:
    session = confirmed_family(stack, OLD)
    ask(stack, session)
    assert confirm(stack, last_link(stack, NEW, CONFIRM_NEW, "/confirmer-nouvel-email")).status_code == 200

    stack.call("POST", api("/password/forgot"), {"email": OLD})
    stack.call("POST", api("/password/forgot"), {"email": NEW})

    assert mails(stack, OLD, "Réinitialisation") == []
    assert len(mails(stack, NEW, "Réinitialisation")) == 1


def test_old_address_is_free_again_after_the_change(stack: Any) -> None:
    session = confirmed_family(stack, OLD)
    ask(stack, session)
    confirm(stack, last_link(stack, NEW, CONFIRM_NEW, "/confirmer-nouvel-email"))

    signup(stack, OLD, first_name="Bruno")
    sent = mails(stack, OLD, "Confirmez votre adresse e-mail")
    assert len(sent) == 2 and "Bonjour Bruno" in sent[-1]["text"]


def test_email_change_needs_the_right_password(stack: Any) -> None:
    session = confirmed_family(stack, OLD)

    error = assert_error(ask(stack, session, password="Pas-Le-Bon-1"), 400, "validation_error", "password")
    assert "incorrect" in error["message"]
    assert stack.drain() == 0
    assert stack.mail_to(NEW) == []
    assert login(stack, OLD).status_code == 200


def test_email_change_needs_a_session(stack: Any) -> None:
    response = stack.call("POST", api("/email/change"), {"new_email": NEW, "password": PASSWORD})
    assert_error(response, 401, "unauthenticated")


def test_email_change_to_a_bad_or_same_address(stack: Any) -> None:
    session = confirmed_family(stack, OLD)

    assert_error(ask(stack, session, "pas-une-adresse"), 400, "validation_error", "new_email")
    assert_error(ask(stack, session, OLD.upper()), 400, "validation_error", "new_email")
    assert_error(stack.call("POST", api("/email/change"), {"new_email": NEW}, token=session), 400,
                 "validation_error", "password")


def test_email_change_to_an_address_already_used_answers_the_same_and_sends_nothing(stack: Any) -> None:
    confirmed_family(stack, NEW, first_name="Autre")
    before = len(stack.mail_to(NEW))
    session = confirmed_family(stack, OLD)

    taken = ask(stack, session, NEW)
    free = ask(stack, session, "libre@example.fr")

    assert taken.status_code == free.status_code == 202
    assert taken.json["message"].replace(NEW, "X") == free.json["message"].replace("libre@example.fr", "X")
    stack.drain()
    assert len(stack.mail_to(NEW)) == before
    assert len(mails(stack, "libre@example.fr", CONFIRM_NEW)) == 1
    assert login(stack, NEW).status_code == 200
    assert login(stack, OLD).status_code == 200


def test_address_taken_between_request_and_confirmation_is_refused(stack: Any) -> None:
    session = confirmed_family(stack, OLD)
    ask(stack, session)
    link = last_link(stack, NEW, CONFIRM_NEW, "/confirmer-nouvel-email")
    signup(stack, NEW, first_name="Rapide")

    error = assert_error(confirm(stack, link), 409, "conflict")
    assert "adresse" in error["message"]
    assert login(stack, OLD).status_code == 200


def test_email_change_link_expires_after_48_hours(stack: Any) -> None:
    session = confirmed_family(stack, OLD)
    ask(stack, session)
    link = last_link(stack, NEW, CONFIRM_NEW, "/confirmer-nouvel-email")

    clock.travel(timedelta(hours=49))

    assert_error(confirm(stack, link), 400, "invalid_token")
    assert mails(stack, OLD, CHANGED) == []


def test_a_made_up_email_change_token_is_refused(stack: Any) -> None:
    assert_error(confirm(stack, "Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTAxMjM0NTY3"), 400, "invalid_token", "token")
