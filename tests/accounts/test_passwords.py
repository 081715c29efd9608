"""Forgotten password: a neutral answer, an e-mailed single-use link valid two hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

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

RESET = "Réinitialisation de votre mot de passe"
CHANGED = "Votre mot de passe a été modifié"
NEW = "Nouveau-Depart-2025"


def forgot(stack: Any, email: str) -> Any:
    return stack.call("POST", api("/password/forgot"), {"email": email})


def reset(stack: Any, token: str, password: str = NEW) -> Any:
    return stack.call("POST", api("/password/reset"), {"token": token, "new_password": password})


def test_forgot_answers_the_same_for_known_and_unknown_addresses(stack: Any) -> None:
    confirmed_family(stack, "connue@example.fr")

    known = forgot(stack, "connue@example.fr")
    unknown = forgot(stack, "inconnue@example.fr")

    assert known.status_code == unknown.status_code == 202
    assert known.json == unknown.json
    assert "spams" in known.json["message"]
    assert len(mails(stack, "connue@example.fr", RESET)) == 1
    assert stack.mail_to("inconnue@example.fr") == []


def test_forgot_with_a_bad_address_names_email(stack: Any) -> None:
    assert_error(forgot(stack, "pas une adresse"), 400, "validation_error", "email")


def test_reset_link_sets_the_new_password_once(stack: Any) -> None:
    email = "oublieuse@example.fr"
    session = confirmed_family(stack, email)
    assert forgot(stack, email.upper()).status_code == 202
    sent = mails(stack, email, RESET)
    assert len(sent) == 1 and "Bonjour Claire" in sent[0]["text"]
    token = last_link(stack, email, RESET, "/mot-de-passe/nouveau")

    done = reset(stack, token)

    assert done.status_code == 200
    assert "connecter" in done.json["message"]
    assert login(stack, email, NEW).status_code == 200
    assert_error(login(stack, email, PASSWORD), 401, "invalid_credentials")
    # The reset ends the sessions opened with the old password and tells the owner.
    assert_error(stack.call("GET", api("/me"), token=session), 401, "unauthenticated")
    assert len(mails(stack, email, CHANGED)) == 1

    again = reset(stack, token, "Encore-Un-Autre-3")
    assert "déjà été utilisé" in assert_error(again, 400, "invalid_token", "token")["message"]
    assert login(stack, email, NEW).status_code == 200


def test_reset_link_expires_after_two_hours(stack: Any) -> None:
    email = "lente@example.fr"
    confirmed_family(stack, email)
    forgot(stack, email)
    token = last_link(stack, email, RESET, "/mot-de-passe/nouveau")

    clock.travel(timedelta(hours=2, minutes=1))

    assert_error(reset(stack, token), 400, "invalid_token", "token")
    assert login(stack, email).status_code == 200


def test_reset_link_still_works_just_before_two_hours(stack: Any) -> None:
    email = "juste@example.fr"
    confirmed_family(stack, email)
    forgot(stack, email)
    token = last_link(stack, email, RESET, "/mot-de-passe/nouveau")

    clock.travel(timedelta(hours=1, minutes=58))

    assert reset(stack, token).status_code == 200


def test_a_made_up_reset_token_is_refused(stack: Any) -> None:
    confirmed_family(stack, "intacte@example.fr")
    assert_error(reset(stack, "Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTAxMjM0NTY3"), 400, "invalid_token", "token")
    assert login(stack, "intacte@example.fr").status_code == 200


def test_a_confirmation_link_is_not_a_reset_link(stack: Any) -> None:
    email = "melange@example.fr"
    signup(stack, email)
    verify_token = last_link(stack, email, "Confirmez votre adresse e-mail", "/confirmer-email")

    assert_error(reset(stack, verify_token), 400, "invalid_token")
    assert stack.call("POST", api("/verify"), {"token": verify_token}).status_code == 200


def test_reset_with_a_weak_password_keeps_the_link_usable(stack: Any) -> None:
    email = "faible@example.fr"
    confirmed_family(stack, email)
    forgot(stack, email)
    token = last_link(stack, email, RESET, "/mot-de-passe/nouveau")

    weak = reset(stack, token, "motdepasse")
    message = assert_error(weak, 400, "validation_error", "new_password")["fields"]["new_password"]
    assert "une lettre majuscule" in message and "un chiffre" in message

    assert reset(stack, token).status_code == 200
    assert login(stack, email, NEW).status_code == 200


def test_reset_confirms_an_unconfirmed_address(stack: Any) -> None:
    """The link came by e-mail, so following it proves the address as well."""
    email = "jamais.confirmee@example.fr"
    signup(stack, email)
    forgot(stack, email)
    token = last_link(stack, email, RESET, "/mot-de-passe/nouveau")

    assert reset(stack, token).status_code == 200

    assert stack.call("GET", api("/me"), token=access_token(stack, email, NEW)).json["status"] == "active"


@pytest.mark.parametrize("body", [{}, {"token": "abcdefghijkl"}, {"new_password": NEW},
                                  {"token": "abc", "new_password": NEW}])
def test_incomplete_reset_is_a_validation_error(stack: Any, body: dict[str, Any]) -> None:
    error = assert_error(stack.call("POST", api("/password/reset"), body), 400, "validation_error")
    assert set(error["fields"]) & {"token", "new_password"}
