"""Login, throttling of failed logins, and the sessions behind access tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import argon2
import jwt
import pytest

from shared import clock
from tests.accounts.support import (
    FRENCH_UNAUTHENTICATED,
    PASSWORD,
    access_token,
    accounts_items,
    api,
    assert_error,
    confirmed_family,
    last_link,
    login,
    mails,
    signup,
)

WRONG = "Mauvais-Mot-De-Passe-1"


def test_login_returns_a_bearer_token_and_the_account(stack: Any) -> None:
    confirmed_family(stack, "lea@example.fr")

    response = login(stack, "lea@example.fr")

    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["account"]["email"] == "lea@example.fr"
    assert body["account"]["role"] == "family"
    assert "password_hash" not in body["account"] and PASSWORD not in response.get_data(as_text=True)
    me = stack.call("GET", api("/me"), token=body["access_token"])
    assert me.status_code == 200
    assert me.json == body["account"]


def test_password_is_stored_as_an_argon2id_hash(stack: Any, production_argon2: Any) -> None:
    confirmed_family(stack, "hash@example.fr")

    profiles = [i for i in accounts_items() if i["pk"].startswith("ACCOUNT#") and i["sk"] == "PROFILE"]
    assert len(profiles) == 1
    stored = profiles[0]["password_hash"]
    # argon2id with the library's recommended parameters (RFC 9106), not a cheaper setting.
    assert stored.startswith("$argon2id$")
    assert argon2.extract_parameters(stored) == argon2.profiles.RFC_9106_LOW_MEMORY
    assert PASSWORD not in str(profiles[0])
    assert login(stack, "hash@example.fr").status_code == 200
    assert login(stack, "hash@example.fr", WRONG).status_code == 401


def test_unconfirmed_account_cannot_log_in_and_is_told_about_spams(stack: Any) -> None:
    signup(stack, "pas.encore@example.fr")

    error = assert_error(login(stack, "pas.encore@example.fr"), 403, "email_not_confirmed")
    assert "spams" in error["message"]
    assert "confirmée" in error["message"]


def test_unknown_address_and_wrong_password_get_the_same_401(stack: Any) -> None:
    confirmed_family(stack, "connue@example.fr")

    wrong_password = login(stack, "connue@example.fr", WRONG)
    unknown = login(stack, "inconnue@example.fr", WRONG)

    assert wrong_password.status_code == unknown.status_code == 401
    assert wrong_password.json == unknown.json
    assert wrong_password.json["error"]["code"] == "invalid_credentials"
    assert wrong_password.json["error"]["message"] == "Adresse e-mail ou mot de passe incorrect."


@pytest.mark.parametrize("body", [{}, {"email": "a@b.fr"}, {"password": PASSWORD}, {"email": "", "password": "x"},
                                  {"email": "a@b.fr", "password": ""}, {"email": ["a@b.fr"], "password": "x"}])
def test_incomplete_login_names_the_field(stack: Any, body: dict[str, Any]) -> None:
    error = assert_error(stack.call("POST", api("/login"), body), 400, "validation_error")
    assert set(error["fields"]) & {"email", "password"}


def test_after_five_failures_each_guess_waits_longer_but_the_owner_is_never_locked_out(stack: Any) -> None:
    """Escalating delay, not a lock (decision 72): 1 s, 2 s, 4 s… at most 60 s on an address."""
    email = "cible@example.fr"
    confirmed_family(stack, email)
    clock.freeze()

    for _ in range(5):
        assert_error(login(stack, email, WRONG), 401, "invalid_credentials")
    error = assert_error(login(stack, email), 429, "too_many_attempts")
    assert "Trop de tentatives de connexion" in error["message"] and "1 seconde" in error["message"]
    # Another address is not affected.
    confirmed_family(stack, "voisine@example.fr")
    assert login(stack, "voisine@example.fr").status_code == 200

    waits = []
    for _ in range(6):  # a patient attacker: each guess waits twice as long, up to a minute
        clock.travel(timedelta(seconds=waits[-1] if waits else 1))
        assert_error(login(stack, email, WRONG), 401, "invalid_credentials")
        message = assert_error(login(stack, email, WRONG), 429, "too_many_attempts")["message"]
        waits.append(int(message.split("Réessayez dans ")[1].split(" ")[0]))
    assert waits == [2, 4, 8, 16, 32, 60]  # then a minute each (its client is slowed too: next test)
    clock.travel(timedelta(seconds=60))
    assert login(stack, email).status_code == 200  # the owner: one minute at worst, never 15


def test_throttling_ignores_the_case_of_the_address(stack: Any) -> None:
    email = "casse@example.fr"
    confirmed_family(stack, email)
    clock.freeze()

    variants = ("Casse@example.fr", "CASSE@EXAMPLE.FR", "casse@Example.fr", " casse@example.fr", "cAsse@example.fr")
    for variant in variants:
        assert login(stack, variant, WRONG).status_code == 401
    assert_error(login(stack, email), 429, "too_many_attempts")


def test_unknown_addresses_are_throttled_the_same_way(stack: Any) -> None:
    clock.freeze()
    for _ in range(5):
        assert login(stack, "personne@example.fr", WRONG).status_code == 401
    assert_error(login(stack, "personne@example.fr", WRONG), 429, "too_many_attempts")


def test_four_failures_then_success_do_not_count_the_success(stack: Any) -> None:
    email = "distraite@example.fr"
    confirmed_family(stack, email)
    clock.freeze()
    for _ in range(4):
        assert login(stack, email, WRONG).status_code == 401
    assert login(stack, email).status_code == 200
    assert login(stack, email).status_code == 200  # the successes gave their attempt back
    assert login(stack, email, WRONG).status_code == 401  # the fifth failure, still evaluated
    assert_error(login(stack, email), 429, "too_many_attempts")


def test_the_failure_window_is_fifteen_minutes(stack: Any) -> None:
    email = "lente@example.fr"
    confirmed_family(stack, email)
    clock.freeze()
    for _ in range(4):
        assert login(stack, email, WRONG).status_code == 401
    clock.travel(timedelta(minutes=16))
    for _ in range(4):  # a new window: four more failures, still no delay
        assert login(stack, email, WRONG).status_code == 401
    assert login(stack, email).status_code == 200


def test_one_client_is_slowed_across_addresses(stack: Any) -> None:
    """Twenty failures from one client address, on as many accounts, then that client waits."""
    clock.freeze()
    for index in range(20):
        assert login(stack, f"victime{index}@example.fr", WRONG).status_code == 401
    assert_error(login(stack, "victime-suivante@example.fr", WRONG), 429, "too_many_attempts")


def test_reset_password_lifts_the_delay_as_the_message_promises(stack: Any) -> None:
    email = "bloquee@example.fr"
    confirmed_family(stack, email)
    clock.freeze()
    for _ in range(5):
        login(stack, email, WRONG)
    message = assert_error(login(stack, email), 429, "too_many_attempts")["message"]
    assert "réinitialisez votre mot de passe" in message

    assert stack.call("POST", api("/password/forgot"), {"email": email}).status_code == 202
    token = last_link(stack, email, "Réinitialisation", "/mot-de-passe/nouveau")
    new = "Nouveau-Depart-2025"
    assert stack.call("POST", api("/password/reset"), {"token": token, "new_password": new}).status_code == 200
    assert login(stack, email, new).status_code == 200


# --- sessions ----------------------------------------------------------------------------------------------


def assert_unauthenticated(response: Any) -> None:
    error = assert_error(response, 401, "unauthenticated")
    assert error["message"] == FRENCH_UNAUTHENTICATED


def forged(secret: str, **claims: Any) -> str:
    now = int(clock.now().timestamp())
    base = {"iss": "portail-familles", "sub": "someone", "role": "admin", "sid": "s", "str": [], "iat": now,
            "exp": now + 3600}
    return jwt.encode({**base, **claims}, secret, algorithm="HS256")


def test_me_without_token(stack: Any) -> None:
    assert_unauthenticated(stack.call("GET", api("/me")))


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer garbage", "Bearer a.b.c", "Basic dXNlcjpwYXNz",
                                    "garbage"])
def test_me_with_a_garbage_authorization_header(stack: Any, header: str) -> None:
    assert_unauthenticated(stack.call("GET", api("/me"), headers={"Authorization": header}))


def test_me_with_a_token_signed_by_another_secret(stack: Any) -> None:
    token = confirmed_family(stack, "signee@example.fr")
    claims = jwt.decode(token, options={"verify_signature": False})

    other_secret = forged("another-secret-0123456789-0123456789", **claims)
    assert_unauthenticated(stack.call("GET", api("/me"), token=other_secret))
    unsigned = jwt.encode(claims, key="", algorithm="none")  # type: ignore[arg-type]
    assert_unauthenticated(stack.call("GET", api("/me"), token=unsigned))


def test_me_with_an_expired_token(stack: Any) -> None:
    token = confirmed_family(stack, "expire@example.fr")
    clock.travel(timedelta(minutes=59))
    assert stack.call("GET", api("/me"), token=token).status_code == 200

    clock.travel(timedelta(minutes=2))
    assert_unauthenticated(stack.call("GET", api("/me"), token=token))


def test_logout_ends_the_session(stack: Any) -> None:
    email = "sortie@example.fr"
    token = confirmed_family(stack, email)
    other = access_token(stack, email)  # a second device

    assert stack.call("POST", api("/logout"), token=token).status_code == 204
    assert_unauthenticated(stack.call("GET", api("/me"), token=token))
    assert stack.call("GET", api("/me"), token=other).status_code == 200


def test_password_change_ends_every_session_and_emails_the_owner(stack: Any) -> None:
    email = "change@example.fr"
    token = confirmed_family(stack, email)
    other = access_token(stack, email)
    new = "Nouveau-Secret-2025"

    response = stack.call("POST", api("/password/change"), {"current_password": PASSWORD, "new_password": new},
                          token=token)

    assert response.status_code == 200
    assert "reconnecter" in response.json["message"]
    assert_unauthenticated(stack.call("GET", api("/me"), token=token))
    assert_unauthenticated(stack.call("GET", api("/me"), token=other))
    assert len(mails(stack, email, "Votre mot de passe a été modifié")) == 1
    assert_error(login(stack, email), 401, "invalid_credentials")
    assert login(stack, email, new).status_code == 200


def test_password_change_with_wrong_current_password(stack: Any) -> None:
    email = "etourdie@example.fr"
    token = confirmed_family(stack, email)

    response = stack.call("POST", api("/password/change"),
                          {"current_password": WRONG, "new_password": "Nouveau-Secret-2025"}, token=token)

    error = assert_error(response, 400, "validation_error", "current_password")
    assert "actuel" in error["message"]
    assert stack.call("GET", api("/me"), token=token).status_code == 200
    assert login(stack, email).status_code == 200
    assert mails(stack, email, "Votre mot de passe a été modifié") == []


@pytest.mark.parametrize(("new", "rule"), [("court-A1", "au moins 10 caractères"), ("sans-majuscule-1", "majuscule")])
def test_password_change_to_a_weak_password_names_new_password(stack: Any, new: str, rule: str) -> None:
    token = confirmed_family(stack, "faible@example.fr")

    response = stack.call("POST", api("/password/change"), {"current_password": PASSWORD, "new_password": new},
                          token=token)

    assert rule in assert_error(response, 400, "validation_error", "new_password")["fields"]["new_password"]
    assert login(stack, "faible@example.fr").status_code == 200


def test_password_change_needs_a_session(stack: Any) -> None:
    response = stack.call("POST", api("/password/change"), {"current_password": PASSWORD,
                                                            "new_password": "Nouveau-Secret-2025"})
    assert_unauthenticated(response)
