"""Request bodies of the planning API (pydantic), with French messages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from planning.calendar import holiday_subdivision
from shared.fields import Body


def ends_after_start(message: str) -> Any:
    """A validator of ``end`` for a body with ``start`` and ``end`` dates: ``message`` when it ends first."""

    def check(cls: type, value: date, info: ValidationInfo) -> date:
        if info.data.get("start") and value < info.data["start"]:
            raise ValueError(message)
        return value

    return field_validator("end")(classmethod(check))


class Element(Body):
    weekday: int = Field(ge=0, le=6)
    slot_code: str = Field(min_length=1, max_length=30)
    parity: Literal["all", "even", "odd"] = "all"


class PlanBody(Body):
    child_id: str = Field(min_length=1, max_length=60)
    period_id: str = Field(min_length=1, max_length=80)
    selection: list[Element] = Field(default_factory=list, max_length=50)
    first_day_slots: list[str] = Field(default_factory=list, max_length=10)


class PreviewBody(PlanBody):
    """A preview of a new request, or (with ``request_id``) of the lines that adding would bring to it."""

    request_id: str | None = Field(default=None, min_length=1, max_length=60)


class AddBody(Body):
    selection: list[Element] = Field(default_factory=list, max_length=50)
    first_day_slots: list[str] = Field(default_factory=list, max_length=10)


class LineRef(Body):
    date: date
    slot_code: str = Field(min_length=1, max_length=30)


class OfferReply(Body):
    """The family's answer to the places offered on its request."""

    accept: bool


class CancelBody(Body):
    lines: list[LineRef] | None = Field(default=None, max_length=400)
    all: bool = False
    from_: date | None = Field(default=None, alias="from")
    preview: bool = False


Activity = Literal["periscolaire", "mercredi", "creche", "sejour"]
HHMM = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class Deadline(Body):
    days_before: int = Field(ge=0, le=60)
    hour: HHMM


class SlotBody(Body):
    code: str = Field(pattern=r"^[A-Z0-9_]{2,20}$")
    label: str = Field(min_length=1, max_length=60)
    start: HHMM
    end: HHMM
    capacity: int = Field(ge=0, le=10_000)

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("start") and value <= info.data["start"]:
            raise ValueError("L'heure de fin doit être après l'heure de début.")
        return value


DecisionMode = Literal["manual", "auto_accept"]
WaitlistMode = Literal["auto", "manual"]


class Window(Body):
    start: date
    end: date

    _end_after_start = ends_after_start("La fin de la fenêtre doit être après son début.")


class PeriodBody(Body):
    structure_id: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=120)
    activity: Activity
    start: date
    end: date
    weekdays: list[int] = Field(min_length=1, max_length=7)
    type: Literal["school_days", "holidays", "all_days"]
    booking_opens: date
    booking_closes: date
    booking_deadline: Deadline
    cancellation_deadline: Deadline
    slots: list[SlotBody] = Field(min_length=1, max_length=20)
    sejour_id: str | None = None
    # How requests are answered: by the manager or the committee, or automatically while places remain;
    # freed places go to the waiting list at once or on the manager's decision; cancellations are
    # confirmed by the manager or at once; requests made in the pre-enrolment window go to the committee.
    decision_mode: DecisionMode = "manual"
    waitlist_mode: WaitlistMode = "auto"
    auto_confirm_cancellations: bool = False
    pre_enrolment: Window | None = None
    offer_reply_days: int = Field(default=0, ge=0, le=30)  # 0: a freed place is given, not offered
    partial_answers: bool = False  # the committee may give an element the dates that have a place

    _end_after_start = ends_after_start("La fin de la période doit être après son début.")

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(d not in range(7) for d in value):
            raise ValueError("Les jours vont de 0 (lundi) à 6 (dimanche).")
        return sorted(set(value))


class StructureBody(Body):
    name: str = Field(min_length=1, max_length=120)
    commune: str = Field(min_length=1, max_length=100)
    departement: str = Field(pattern=r"^([0-9]{2}|2A|2B|97[0-9])$")
    zone: Literal["A", "B", "C"]
    activities: list[Activity] = Field(min_length=1, max_length=4)

    @field_validator("departement")
    @classmethod
    def _known(cls, value: str) -> str:
        """A département the calendar knows ("00" would make every calendar of the structure fail)."""
        holiday_subdivision(value)  # its ValueError is French
        return value


class ClosureBody(Body):
    start: date
    end: date
    label: str = Field(min_length=1, max_length=100)

    _end_after_start = ends_after_start("La fin de la fermeture doit être après son début.")


class ElementDecision(Body):
    weekday: int = Field(ge=0, le=6)
    slot_code: str = Field(min_length=1, max_length=30)
    parity: Literal["all", "even", "odd"] = "all"
    decision: Literal["accepted", "waitlisted", "refused"]
    reason: str = Field(default="", max_length=500)


class LineDecision(Body):
    date: date
    slot_code: str = Field(min_length=1, max_length=30)
    decision: Literal["accepted", "waitlisted", "refused"]
    reason: str = Field(default="", max_length=500)


class DecideBody(Body):
    elements: list[ElementDecision] = Field(default_factory=list, max_length=50)
    lines: list[LineDecision] = Field(default_factory=list, max_length=400)

    @field_validator("lines")
    @classmethod
    def _refusals_say_why(cls, value: list[LineDecision]) -> list[LineDecision]:
        if any(d.decision == "refused" and not d.reason for d in value):
            raise ValueError("Indiquez le motif de chaque refus.")
        return value

    @field_validator("elements")
    @classmethod
    def _element_refusals_say_why(cls, value: list[ElementDecision]) -> list[ElementDecision]:
        if any(d.decision == "refused" and not d.reason for d in value):
            raise ValueError("Indiquez le motif de chaque refus.")
        return value


class SettingsBody(Body):
    """The answer settings of a period and its capacities, as the manager keeps them."""

    decision_mode: DecisionMode = "manual"
    waitlist_mode: WaitlistMode = "auto"
    auto_confirm_cancellations: bool = False
    pre_enrolment: Window | None = None
    offer_reply_days: int = Field(default=0, ge=0, le=30)  # 0: a freed place is given, not offered
    partial_answers: bool = False  # the committee may give an element the dates that have a place
    capacities: dict[Annotated[str, Field(pattern=r"^[A-Z0-9_]{2,20}$")], Annotated[int, Field(ge=0, le=10_000)]] = \
        Field(default_factory=dict, max_length=20)


# A period's answer settings (kept by « Places par jour »): a catalogue edit of the period keeps them as they are.
PERIOD_SETTINGS = tuple(name for name in SettingsBody.model_fields if name != "capacities")


class PeriodRef(Body):
    period_id: str = Field(min_length=1, max_length=80)


class ConfirmBody(Body):
    lines: list[LineRef] | None = Field(default=None, max_length=400)


class CommitteeBody(Body):
    keep_siblings_together: bool = True


class CriteriaBody(Body):
    sibling_enrolled: int = Field(ge=0, le=1000)
    both_parents_working: int = Field(ge=0, le=1000)
    resident: int = Field(ge=0, le=1000)
    staff_flag: int = Field(ge=0, le=1000)


class FlagBody(Body):
    child_id: str = Field(min_length=1, max_length=60)
    structure_id: str = Field(min_length=1, max_length=60)
    flag: bool
