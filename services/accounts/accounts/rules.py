"""Plain rules of accounts (no AWS): password strength; the field normalisers come from the kernel."""

from __future__ import annotations

import re

from shared.fields import normalise_email, normalise_mobile, normalise_postal_code

__all__ = ["check_password", "normalise_email", "normalise_mobile", "normalise_postal_code",
           "password_problems"]

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
