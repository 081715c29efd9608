"""Request bodies of the accounts API (pydantic); French messages for every rule."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from accounts.rules import check_password, normalise_email
from shared.auth import Role
from shared.fields import Address, Body, Email, MobilePhone

Password = Annotated[str, AfterValidator(check_password)]


class Signup(Body):
    civility: Literal["M.", "Mme"]
    last_name: str = Field(min_length=1, max_length=100)
    first_name: str = Field(min_length=1, max_length=100)
    email: Email
    phone: MobilePhone
    address: Address
    password: Password
    accept_terms: bool

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
    # Not validated as an address (a typo gets the same 401 as a wrong password), but normalised like one.
    email: Annotated[str, Field(min_length=1, max_length=254), AfterValidator(normalise_email)]
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
