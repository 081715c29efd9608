"""Every bad signup gets a French 400 naming the field, and leaves nothing behind.

All requests here are refused, so the module shares one deployed stack (see ``stack``); after each
refusal the accounts table holds no account, address lock, token nor outbox entry, and nothing is mailed.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.accounts.support import accounts_items, api, assert_error, login, signup_body

EMAIL = "refusee@example.fr"
ADDRESS = signup_body()["address"]
PASSWORD_RULES = ("au moins 10 caractères", "une lettre minuscule", "une lettre majuscule", "un chiffre")


def without(field: str) -> dict[str, Any]:
    body = signup_body(EMAIL)
    del body[field]
    return body


def address(**changes: Any) -> dict[str, Any]:
    return {**ADDRESS, **changes}


def address_without(field: str) -> dict[str, Any]:
    return {k: v for k, v in ADDRESS.items() if k != field}


# (body, field the error names, words of the French message for that field)
INVALID: list[Any] = [
    *[pytest.param(without(f), f, "Ce champ est obligatoire.", id=f"missing-{f}")
      for f in ("civility", "last_name", "first_name", "email", "phone", "address", "password", "accept_terms")],
    pytest.param(signup_body(EMAIL, address=address_without("postal_code")), "address.postal_code",
                 "Ce champ est obligatoire.", id="missing-postal-code"),
    pytest.param(signup_body(EMAIL, address=address_without("city")), "address.city",
                 "Ce champ est obligatoire.", id="missing-city"),
    pytest.param(signup_body(EMAIL, civility="Mlle"), "civility", "Valeur non autorisée", id="civility-mlle"),
    pytest.param(signup_body(EMAIL, civility="Monsieur"), "civility", "Valeur non autorisée", id="civility-word"),
    pytest.param(signup_body(EMAIL, civility=""), "civility", "Valeur non autorisée", id="civility-empty"),
    pytest.param(signup_body(EMAIL, last_name="   "), "last_name", "au moins 1 caractère", id="blank-last-name"),
    pytest.param(signup_body(EMAIL, first_name=""), "first_name", "au moins 1 caractère", id="empty-first-name"),
    pytest.param(signup_body(EMAIL, last_name="M" * 101), "last_name", "au plus 100 caractères", id="long-name"),
    pytest.param(signup_body("claire.example.fr"), "email", "adresse e-mail valide", id="email-no-at"),
    pytest.param(signup_body("claire@"), "email", "adresse e-mail valide", id="email-no-domain"),
    pytest.param(signup_body("claire@example"), "email", "adresse e-mail valide", id="email-no-tld"),
    pytest.param(signup_body("claire muller@example.fr"), "email", "adresse e-mail valide", id="email-space"),
    pytest.param(signup_body(""), "email", "adresse e-mail valide", id="email-empty"),
    pytest.param(signup_body(EMAIL, phone="03 88 12 34 56"), "phone", "mobile français", id="phone-landline"),
    pytest.param(signup_body(EMAIL, phone="09 72 12 34 56"), "phone", "mobile français", id="phone-box"),
    pytest.param(signup_body(EMAIL, phone="06 12 34 56"), "phone", "mobile français", id="phone-short"),
    pytest.param(signup_body(EMAIL, phone="06 12 34 56 78 9"), "phone", "mobile français", id="phone-long"),
    pytest.param(signup_body(EMAIL, phone="+44 7911 123456"), "phone", "mobile français", id="phone-foreign"),
    pytest.param(signup_body(EMAIL, phone="06 AB 34 56 78"), "phone", "mobile français", id="phone-letters"),
    pytest.param(signup_body(EMAIL, phone=612345678), "phone", "texte", id="phone-number-type"),
    pytest.param(signup_body(EMAIL, address=address(postal_code="6759")), "address.postal_code",
                 "5 chiffres", id="postal-4-digits"),
    pytest.param(signup_body(EMAIL, address=address(postal_code="675900")), "address.postal_code",
                 "5 chiffres", id="postal-6-digits"),
    pytest.param(signup_body(EMAIL, address=address(postal_code="F-67590")), "address.postal_code",
                 "5 chiffres", id="postal-prefixed"),
    pytest.param(signup_body(EMAIL, address=address(postal_code="ABCDE")), "address.postal_code",
                 "5 chiffres", id="postal-letters"),
    pytest.param(signup_body(EMAIL, address="3 rue des Tilleuls"), "address", "objet", id="address-not-object"),
    pytest.param(signup_body(EMAIL, address=address(country="FR")), "address.country", "pas attendu",
                 id="address-extra-field"),
    pytest.param(signup_body(EMAIL, accept_terms=False), "accept_terms", "conditions d'utilisation",
                 id="terms-refused"),
    pytest.param(signup_body(EMAIL, accept_terms=None), "accept_terms", "vrai ou faux", id="terms-null"),
    pytest.param(signup_body(EMAIL, role="admin"), "role", "Ce champ n'est pas attendu.", id="extra-role"),
    pytest.param(signup_body(EMAIL, status="active"), "status", "Ce champ n'est pas attendu.", id="extra-status"),
    pytest.param(signup_body(EMAIL, password="A" * 120 + "bcdefg1234"), "password", "au plus 128",
                 id="password-too-long"),
]


def assert_nothing_written(stack: Any) -> None:
    assert accounts_items() == []
    assert stack.drain() == 0
    assert stack.mail() == []
    refused = login(stack, EMAIL)
    assert refused.status_code == 401, refused.json


@pytest.mark.parametrize(("body", "field", "words"), INVALID)
def test_invalid_signup_is_refused_in_french_naming_the_field(stack: Any, body: dict[str, Any], field: str,
                                                              words: str) -> None:
    response = stack.call("POST", api("/signup"), body)

    error = assert_error(response, 400, "validation_error", field)
    assert error["message"].startswith("Certains champs sont invalides")
    assert field in error["message"]
    assert words in error["fields"][field]
    assert "Traceback" not in response.get_data(as_text=True)
    assert_nothing_written(stack)


@pytest.mark.parametrize(("password", "rule"), [
    pytest.param("Court-1a", "au moins 10 caractères", id="too-short"),
    pytest.param("TOUT-MAJUSCULE-42", "une lettre minuscule", id="no-lowercase"),
    pytest.param("tout-minuscule-42", "une lettre majuscule", id="no-uppercase"),
    pytest.param("Sans-Chiffre-Du-Tout", "un chiffre", id="no-digit"),
])
def test_weak_password_names_the_missing_rule(stack: Any, password: str, rule: str) -> None:
    response = stack.call("POST", api("/signup"), signup_body(EMAIL, password=password))

    error = assert_error(response, 400, "validation_error", "password")
    assert error["fields"]["password"] == f"Le mot de passe doit contenir {rule}."
    assert [r for r in PASSWORD_RULES if r in error["fields"]["password"]] == [rule]
    assert_nothing_written(stack)


def test_password_missing_every_rule_names_them_all(stack: Any) -> None:
    response = stack.call("POST", api("/signup"), signup_body(EMAIL, password="-----"))

    message = assert_error(response, 400, "validation_error", "password")["fields"]["password"]
    assert all(rule in message for rule in PASSWORD_RULES), message
    assert_nothing_written(stack)


def test_several_bad_fields_are_all_named(stack: Any) -> None:
    body = signup_body("pas-une-adresse", phone="03 88 00 00 00", civility="Dr", accept_terms=False)

    error = assert_error(stack.call("POST", api("/signup"), body), 400, "validation_error")
    assert {"email", "phone", "civility", "accept_terms"} <= set(error["fields"])
    assert_nothing_written(stack)


@pytest.mark.parametrize(("raw", "field", "message"), [
    pytest.param(b'{"civility": "Mme",', "body", "Le contenu envoyé n'est pas un JSON valide.", id="truncated-json"),
    pytest.param(b"civility=Mme&email=a@b.fr", "body", "Le contenu envoyé n'est pas un JSON valide.", id="form"),
    pytest.param(b"\xff\xfe\x00", "body", "Le contenu envoyé n'est pas un JSON valide.", id="binary"),
    pytest.param(b'[{"civility": "Mme"}]', "body", "Le contenu envoyé doit être un objet JSON.", id="json-list"),
    pytest.param(b'"Mme"', "body", "Le contenu envoyé doit être un objet JSON.", id="json-string"),
    pytest.param(b"null", "body", "Le contenu envoyé doit être un objet JSON.", id="json-null"),
    pytest.param(b"", "email", "Certains champs sont invalides", id="empty-body"),
    pytest.param(b"{}", "password", "Certains champs sont invalides", id="empty-object"),
])
def test_unusable_body_is_refused(stack: Any, raw: bytes, field: str, message: str) -> None:
    response = stack.call("POST", api("/signup"), raw=raw)

    error = assert_error(response, 400, "validation_error", field)
    assert error["message"].startswith(message)
    assert_nothing_written(stack)


def test_empty_body_names_every_required_field(stack: Any) -> None:
    error = assert_error(stack.call("POST", api("/signup"), raw=b""), 400, "validation_error")

    assert set(error["fields"]) == {"civility", "last_name", "first_name", "email", "phone", "address", "password",
                                    "accept_terms"}
    assert set(error["fields"].values()) == {"Ce champ est obligatoire."}


def test_oversized_body_is_refused(stack: Any) -> None:
    body = signup_body(EMAIL, last_name="x" * (300 * 1024))

    assert_error(stack.call("POST", api("/signup"), body), 400, "validation_error", "body")
    assert_nothing_written(stack)
