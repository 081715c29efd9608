"""The error model of accounts: French bodies with the right status, never a stack trace.

The autouse fixture in conftest.py also checks every response of every accounts test: no "Traceback",
no 500.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.accounts.support import api, assert_error, confirmed_family, staff_token

PUBLIC_POSTS = ["/signup", "/verify", "/verify/resend", "/login", "/password/forgot", "/password/reset",
                "/email/confirm"]
SIGNED_IN_POSTS = ["/password/change", "/email/change"]


@pytest.mark.parametrize("path", ["/nope", "/signup/extra", "/admin", "/staff/123/extra", "/../enrolment/family"])
def test_unknown_route_is_a_french_404(stack: Any, path: str) -> None:
    response = stack.call("GET", api(path))

    error = assert_error(response, 404, "not_found")
    assert error["message"] == "Cette adresse n'existe pas."


def test_unknown_service_is_a_french_404(stack: Any) -> None:
    assert_error(stack.call("GET", "/api/comptes/me"), 404, "not_found")


def test_health(stack: Any) -> None:
    response = stack.call("GET", api("/health"))
    assert response.status_code == 200
    assert response.json == {"status": "ok", "service": "accounts"}


@pytest.mark.parametrize("path", PUBLIC_POSTS)
@pytest.mark.parametrize(("raw", "message"), [(b"{", "n'est pas un JSON valide"),
                                              (b"[1, 2]", "doit être un objet JSON")])
def test_every_public_route_refuses_a_broken_body_in_french(stack: Any, path: str, raw: bytes,
                                                            message: str) -> None:
    error = assert_error(stack.call("POST", api(path), raw=raw), 400, "validation_error", "body")
    assert message in error["message"]


def test_signed_in_routes_refuse_a_broken_body_in_french(stack: Any) -> None:
    token = confirmed_family(stack, "corps@example.fr")
    admin = staff_token(stack)
    for path, who in [*[(p, token) for p in SIGNED_IN_POSTS], ("/staff", admin)]:
        for raw in (b"{", b"[]", b'{"unexpected": true}'):
            error = assert_error(stack.call("POST", api(path), raw=raw, token=who), 400, "validation_error")
            assert error["fields"], (path, raw)


@pytest.mark.parametrize("path", PUBLIC_POSTS)
def test_every_public_route_refuses_unknown_fields(stack: Any, path: str) -> None:
    error = assert_error(stack.call("POST", api(path), {"surprise": "x"}), 400, "validation_error", "surprise")
    assert error["fields"]["surprise"] == "Ce champ n'est pas attendu."


def test_unexpected_failure_is_a_french_500_without_details(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from accounts import service

    def broken(*_: Any) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(service, "resend_verification", broken)
    # Straight through the gateway: the autouse guard of this folder refuses any 500.
    response = stack.http.open(api("/verify/resend"), method="POST", data=json.dumps({"email": "a@b.fr"}),
                               headers={"Content-Type": "application/json"})

    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "hunter2" not in text and "RuntimeError" not in text and "Traceback" not in text
    assert response.json["error"]["code"] == "internal_error"
    assert "réessayer" in response.json["error"]["message"]


def test_errors_are_json_in_utf8(stack: Any) -> None:
    response = stack.call("POST", api("/signup"), raw=b"{")

    assert response.headers["Content-Type"].startswith("application/json")
    assert "utf-8" in response.headers["Content-Type"].lower()
    body = json.loads(response.data.decode("utf-8"))
    assert body["error"]["message"] == "Le contenu envoyé n'est pas un JSON valide."


def test_wrong_method_gets_the_french_error_model(stack: Any) -> None:
    response = stack.call("GET", api("/signup"))
    assert response.status_code == 405
    assert response.json is not None and response.json["error"]["code"]
    assert response.json["error"]["message"]


def test_unsupported_content_type_gets_the_french_error_model(stack: Any) -> None:
    response = stack.call("POST", api("/signup"), raw=b"{}", headers={"Content-Type": "application/xml"})
    assert response.status_code in (400, 415)
    assert response.json is not None and response.json["error"]["code"]


def test_a_refused_choice_lists_the_allowed_values_in_french(stack: Any) -> None:
    from tests.accounts.support import signup_body

    error = assert_error(stack.call("POST", api("/signup"), signup_body(civility="Mlle")), 400, "validation_error",
                         "civility")
    assert error["fields"]["civility"] == "Valeur non autorisée : choisissez parmi 'M.' ou 'Mme'."
