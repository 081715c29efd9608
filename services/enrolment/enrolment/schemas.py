"""Request bodies and stored sections of the family file (pydantic), with French messages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from shared import clock
from shared.fields import Address, Body, Email, LongText, MobilePhone, Name, Phone, ShortText

Civility = Literal["M.", "Mme"]
ClassLevel = Literal["TPS", "PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2", "6e", "5e", "4e", "3e"]


def _school_year(value: str) -> str:
    parts = value.split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) == 4 for p in parts) \
            or int(parts[1]) != int(parts[0]) + 1:
        raise ValueError("Indiquez l'année scolaire sous la forme 2026-2027.")
    return value


def _time(value: str) -> str:
    hours, _, minutes = value.partition(":")
    if not (value.isascii() and hours.isdigit() and minutes.isdigit() and len(hours) == 2 and len(minutes) == 2
            and int(hours) < 24 and int(minutes) < 60):
        raise ValueError("Indiquez une heure au format HH:MM (par exemple 08:30).")
    return value


SchoolYear = Annotated[str, AfterValidator(_school_year)]
Time = Annotated[str, AfterValidator(_time)]


def _past(value: date) -> date:
    if value > clock.now().date():
        raise ValueError("La date ne peut pas être dans le futur.")
    return value


class Profile(Body):
    civility: Civility
    last_name: Name
    first_name: Name
    address: Address
    mobile_phone: MobilePhone
    home_phone: Phone | None = None
    profession: ShortText = ""
    employer: ShortText = ""
    work_phone: Phone | None = None


class Spouse(Body):
    civility: Civility
    last_name: Name
    first_name: Name
    mobile_phone: MobilePhone | None = None
    email: Email | None = None
    profession: ShortText = ""
    employer: ShortText = ""


class Billing(Body):
    name: Name
    address: Address
    email: Email | None = None


class Allocataire(Body):
    regime: Literal["CAF", "MSA", "autre"]
    number: str = Field(default="", max_length=20, validate_default=True)

    @field_validator("number")
    @classmethod
    def _number_required(cls, value: str, info: ValidationInfo) -> str:
        regime = info.data.get("regime")
        if regime in ("CAF", "MSA") and not value:
            raise ValueError(f"Le numéro d'allocataire {regime} est obligatoire.")
        return value


class Quotient(Body):
    value: int = Field(ge=0, le=100_000)
    date: date

    _past = field_validator("date")(lambda cls, v: _past(v))


class OtherChild(Body):
    first_name: Name
    birth_date: date


class Household(Body):
    spouse: Spouse | None = None
    billing: Billing
    allocataire: Allocataire
    quotient: Quotient | None = None
    other_children: list[OtherChild] = Field(default_factory=list, max_length=15)


class Vaccination(Body):
    name: Name
    date: date

    _past = field_validator("date")(lambda cls, v: _past(v))


class Medical(Body):
    doctor_name: ShortText = ""
    doctor_phone: Phone | None = None
    vaccinations: list[Vaccination] = Field(default_factory=list, max_length=40)
    allergies: LongText = ""
    diet: ShortText = ""
    pai: bool = False
    treatments: LongText = ""
    notes: LongText = ""


class Authorisations(Body):
    photos: bool | None = None
    leave_alone: bool | None = None
    transport: bool | None = None
    emergency_care: bool | None = None


class AuthorisedPerson(Body):
    name: Name
    relationship: Annotated[str, Field(min_length=1, max_length=50)]
    phone: Phone


class School(Body):
    school_id: str | None = Field(default=None, max_length=60)
    school_name: Annotated[str, Field(min_length=1, max_length=150)]
    class_level: ClassLevel
    school_year: SchoolYear


class ChildData(Body):
    last_name: Name
    first_name: Name
    sex: Literal["F", "M"]
    birth_date: date
    medical: Medical = Field(default_factory=Medical)
    authorisations: Authorisations = Field(default_factory=Authorisations)
    authorised_persons: list[AuthorisedPerson] = Field(default_factory=list, max_length=10)
    school: School | None = None

    @field_validator("birth_date")
    @classmethod
    def _birth(cls, value: date) -> date:
        _past(value)
        if value.year < clock.now().year - 18:
            raise ValueError("L'enfant doit avoir moins de 18 ans.")
        return value


class WeeklySlot(Body):
    weekday: int = Field(ge=0, le=4)
    arrival: Time
    departure: Time

    @field_validator("departure")
    @classmethod
    def _order(cls, value: str, info: ValidationInfo) -> str:
        arrival = info.data.get("arrival")
        if arrival and value <= arrival:
            raise ValueError("L'heure de départ doit être après l'heure d'arrivée.")
        return value


class PeriscolaireRequest(Body):
    kind: Literal["periscolaire"]
    child_id: str = Field(min_length=1, max_length=60)
    structure_id: str = Field(min_length=1, max_length=60)
    wednesday_structure_id: str | None = Field(default=None, max_length=60)
    desired_start: date
    notes: LongText = ""


class CrecheRequest(Body):
    kind: Literal["creche"]
    child_id: str = Field(min_length=1, max_length=60)
    structure_id: str = Field(min_length=1, max_length=60)
    desired_start: date
    weekly_programme: list[WeeklySlot] = Field(min_length=1, max_length=5)
    notes: LongText = ""

    @field_validator("weekly_programme")
    @classmethod
    def _one_per_day(cls, value: list[WeeklySlot]) -> list[WeeklySlot]:
        if len({slot.weekday for slot in value}) != len(value):
            raise ValueError("Un seul horaire par jour de la semaine.")
        return value


class SejourRequest(Body):
    kind: Literal["sejour"]
    child_id: str = Field(min_length=1, max_length=60)
    sejour_ids: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(min_length=1, max_length=10)
    notes: LongText = ""


RequestBody = Annotated[PeriscolaireRequest | CrecheRequest | SejourRequest, Field(discriminator="kind")]


def _reason_when_rejected(cls: type, value: str, info: ValidationInfo) -> str:
    if info.data.get("decision") == "rejected" and not value:
        raise ValueError("Indiquez le motif du refus.")
    return value


class ReturnBody(Body):
    family_id: str = Field(min_length=1, max_length=60)
    message: Annotated[str, Field(min_length=1, max_length=2000)]


class ValidateBody(Body):
    family_id: str = Field(min_length=1, max_length=60)


class ReviewBody(Body):
    decision: Literal["accepted", "rejected"]
    reason: LongText = Field(default="", validate_default=True)

    _reason = field_validator("reason")(_reason_when_rejected)


class ChangeReviewBody(Body):
    decision: Literal["approved", "rejected"]
    reason: LongText = Field(default="", validate_default=True)

    _reason = field_validator("reason")(_reason_when_rejected)
