"""The plain rules behind the signup form: password strength and French field normalisation."""

from __future__ import annotations

import pytest

from accounts import rules


@pytest.mark.parametrize("typed", ["06 12 34 56 78", "0612345678", "06.12.34.56.78", "06-12-34-56-78",
                                   "+33 6 12 34 56 78", "+33612345678", "0033 6 12 34 56 78", "(06) 12 34 56 78"])
def test_french_mobile_numbers_are_normalised_to_international_form(typed: str) -> None:
    assert rules.normalise_mobile(typed) == "+33612345678"


def test_07_numbers_are_mobiles_too() -> None:
    assert rules.normalise_mobile("07 98 76 54 32") == "+33798765432"


@pytest.mark.parametrize("typed", ["03 88 12 34 56", "01 23 45 67 89", "09 72 12 34 56", "08 00 12 34 56",
                                   "06 12 34 56", "06 12 34 56 78 90", "+44 7911 123456", "+33 06 12 34 56 78",
                                   "6 12 34 56 78", "", "06 AB 34 56 78"])
def test_other_numbers_are_refused_in_french(typed: str) -> None:
    with pytest.raises(ValueError, match="mobile français"):
        rules.normalise_mobile(typed)


@pytest.mark.parametrize(("typed", "stored"), [("Claire.Muller@Example.FR", "claire.muller@example.fr"),
                                               ("  a@b.fr ", "a@b.fr")])
def test_email_addresses_are_lower_cased_and_trimmed(typed: str, stored: str) -> None:
    assert rules.normalise_email(typed) == stored


@pytest.mark.parametrize("code", ["67590", " 67000 ", "01000"])
def test_five_digit_postal_codes_are_kept(code: str) -> None:
    assert rules.normalise_postal_code(code) == code.strip()


@pytest.mark.parametrize("code", ["6759", "675900", "F-67590", "ABCDE", "67 590", ""])
def test_other_postal_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="5 chiffres"):
        rules.normalise_postal_code(code)


@pytest.mark.parametrize(("password", "missing"), [
    ("Tartine-Confiture-42", []),
    ("Abcdefghi1", []),
    ("Abcdefgh1", ["au moins 10 caractères"]),
    ("ABCDEFGHIJ1", ["une lettre minuscule"]),
    ("abcdefghij1", ["une lettre majuscule"]),
    ("Abcdefghijk", ["un chiffre"]),
    ("", ["au moins 10 caractères", "une lettre minuscule", "une lettre majuscule", "un chiffre"]),
])
def test_password_problems_name_each_missing_rule_in_french(password: str, missing: list[str]) -> None:
    assert rules.password_problems(password) == missing


def test_check_password_refuses_weak_and_overlong_passwords() -> None:
    assert rules.check_password("Tartine-Confiture-42") == "Tartine-Confiture-42"
    with pytest.raises(ValueError, match=r"^Le mot de passe doit contenir un chiffre\.$"):
        rules.check_password("Tartine-Confiture")
    with pytest.raises(ValueError, match="au plus 128"):
        rules.check_password("Aa1" * 43)
    assert rules.check_password("Aa1" * 42 + "xy") == "Aa1" * 42 + "xy"
