"""Plain rules of accounts (no AWS): password strength, phone and e-mail normalisation."""

from __future__ import annotations

import re

PASSWORD_MIN = 10
PASSWORD_RULES = (
    (lambda p: len(p) >= PASSWORD_MIN, f"au moins {PASSWORD_MIN} caractères"),
    (lambda p: re.search(r"[a-z]", p) is not None, "une lettre minuscule"),
    (lambda p: re.search(r"[A-Z]", p) is not None, "une lettre majuscule"),
    (lambda p: re.search(r"\d", p) is not None, "un chiffre"),
)


def password_problems(password: str) -> list[str]:
    """What the password lacks, in French; empty when it is strong enough."""
    return [label for check, label in PASSWORD_RULES if not check(password)]


def check_password(password: str) -> str:
    problems = password_problems(password)
    if problems:
        raise ValueError("Le mot de passe doit contenir " + ", ".join(problems) + ".")
    if len(password) > 128:
        raise ValueError("Le mot de passe doit contenir au plus 128 caractères.")
    return password


def normalise_mobile(phone: str) -> str:
    """A French mobile number in E.164 (+336…/+337…), from the forms people type."""
    digits = re.sub(r"[\s.\-()]", "", phone)
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    elif digits.startswith("0033"):
        digits = "0" + digits[4:]
    if not re.fullmatch(r"0[67]\d{8}", digits):
        raise ValueError("Saisissez un numéro de téléphone mobile français (06 ou 07, 10 chiffres).")
    return "+33" + digits[1:]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_postal_code(code: str) -> str:
    code = code.strip()
    if not re.fullmatch(r"\d{5}", code):
        raise ValueError("Le code postal doit contenir 5 chiffres.")
    return code
