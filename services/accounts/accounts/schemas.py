"""Request bodies of the accounts API (pydantic); French messages for every rule."""

from __future__ import annotations

from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from accounts.rules import check_password, normalise_email, normalise_mobile, normalise_postal_code
from shared.auth import Role


def _valid_email(value: str) -> str:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("Saisissez une adresse e-mail valide (par exemple nom@exemple.fr).") from None
    return normalise_email(value)


Email = Annotated[str, Field(max_length=254), AfterValidator(_valid_email)]
Password = Annotated[str, AfterValidator(check_password)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Address(Body):
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field(default="", max_length=200)
    postal_code: Annotated[str, AfterValidator(normalise_postal_code)]
    city: str = Field(min_length=1, max_length=100)


class Signup(Body):
    civility: Literal["M.", "Mme"]
    last_name: str = Field(min_length=1, max_length=100)
    first_name: str = Field(min_length=1, max_length=100)
    email: Email
    phone: str
    address: Address
    password: Password
    accept_terms: bool


    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalise_mobile(value)

    @field_validator("accept_terms")
    @classmethod
    def _terms(cls, value: bool) -> bool:
        if not value:
            raise ValueError("Vous devez accepter les conditions d'utilisation et la politique de confidentialité.")
        return value


class TokenBody(Body):
    token: str = Field(min_length=10, max_length=200)


class EmailBody(Body):
    email: Email



class Login(Body):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=256)



class PasswordChange(Body):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: Password


class PasswordReset(Body):
    token: str = Field(min_length=10, max_length=200)
    new_password: Password


class EmailChange(Body):
    new_email: Email
    password: str = Field(min_length=1, max_length=256)



StaffRole = Literal["manager", "coordinator", "committee", "admin"]


class StaffCreate(Body):
    email: Email
    civility: Literal["M.", "Mme"]
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    role: StaffRole
    structures: list[str] = Field(default_factory=list, max_length=50)


    @field_validator("structures")
    @classmethod
    def _structures(cls, value: list[str]) -> list[str]:
        cleaned = sorted({s.strip() for s in value if s.strip()})
        return cleaned

    def staff_role(self) -> Role:
        return Role(self.role)
