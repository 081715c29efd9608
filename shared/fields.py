"""Field types shared by the services' request bodies: French phone numbers, postal codes, e-mail
addresses and postal addresses, each with a French message when invalid."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Body(BaseModel):
    """Base of every request body: unknown fields are refused, text is trimmed.

    ``defer_build``: a body's validator is built when the first request of its route is parsed, not when
    the function imports every route's bodies (cold start, decision 37)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def valid_email(value: str) -> str:
    # email_validator compiles its grammar's regular expressions when imported: on the first address
    # checked rather than at every function's cold start (decision 37).
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("Saisissez une adresse e-mail valide (par exemple nom@exemple.fr).") from None
    return normalise_email(value)


def _digits(phone: str) -> str:
    digits = re.sub(r"[\s.\-()]", "", phone)
    if digits.startswith("+33"):
        return "0" + digits[3:]
    if digits.startswith("0033"):
        return "0" + digits[4:]
    return digits


def normalise_mobile(phone: str) -> str:
    """A French mobile number in E.164 (+336…/+337…), from the forms people type."""
    digits = _digits(phone)
    if not re.fullmatch(r"0[67]\d{8}", digits):
        raise ValueError("Saisissez un numéro de téléphone mobile français (06 ou 07, 10 chiffres).")
    return "+33" + digits[1:]


def normalise_phone(phone: str) -> str:
    """Any French number (landline or mobile) in E.164."""
    digits = _digits(phone)
    if not re.fullmatch(r"0[1-9]\d{8}", digits):
        raise ValueError("Saisissez un numéro de téléphone français à 10 chiffres.")
    return "+33" + digits[1:]


def normalise_postal_code(code: str) -> str:
    code = code.strip()
    if not re.fullmatch(r"\d{5}", code):
        raise ValueError("Le code postal doit contenir 5 chiffres.")
    return code


Email = Annotated[str, Field(max_length=254), AfterValidator(valid_email)]
MobilePhone = Annotated[str, AfterValidator(normalise_mobile)]
Phone = Annotated[str, AfterValidator(normalise_phone)]
PostalCode = Annotated[str, AfterValidator(normalise_postal_code)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=2000)]


class Address(Body):
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field(default="", max_length=200)
    postal_code: PostalCode
    city: str = Field(min_length=1, max_length=100)
