"""Events published by the planning service (catalogue and decisions)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from shared.events.base import Event

# The words of a request's answer, the one table planning's screens, e-mails and enrolment's contract use.
ANSWER_LABELS: dict[str, str] = {
    "pending": "En attente", "accepted": "Acceptée", "partially_accepted": "Partiellement acceptée",
    "offered": "Place proposée", "waitlisted": "Sur liste d'attente", "refused": "Refusée", "cancelled": "Annulée"}


class PlanningEvent(Event):
    source = "portail.planning"
    abstract = True


class StructurePublished(PlanningEvent):
    """A structure of the catalogue was created or changed (enrolment keeps a read model)."""

    structure_id: str
    name: str
    commune: str
    departement: str
    zone: str
    activities: list[Literal["periscolaire", "mercredi", "creche", "sejour"]]
    archived: bool = False  # no longer offered to families (kept for the requests that name it)


class SejourPublished(PlanningEvent):
    """A holiday camp on offer (enrolment lists them for pre-enrolment)."""

    sejour_id: str
    structure_id: str
    name: str
    start: date
    end: date
    places: int
    age_min: int
    age_max: int
    archived: bool = False  # withdrawn from the families' list (the presences booked stay)


class RecapRow(BaseModel):
    """One line of a request's recap: a weekday and slot, how many dates, the first and the last."""

    weekday: str
    slot: str
    count: int
    first: date
    last: date


class SlotOutcome(BaseModel):
    """What was decided for one pattern element (weekday × slot × parity) of a request."""

    weekday: str
    slot: str
    parity: Literal["all", "even", "odd"] = "all"
    accepted: int = 0
    waitlisted: int = 0
    refused: int = 0
    reason: str = ""


class RequestDecided(PlanningEvent):
    """A reservation request got an answer (staff decision, committee or waiting list); the welcome
    contract becomes available when it is accepted or partially accepted."""

    request_id: str
    request_number: str
    family_id: str
    child_id: str
    structure_id: str
    structure_name: str
    period_name: str
    activity: Literal["periscolaire", "mercredi", "creche", "sejour"]
    answer: Literal["accepted", "partially_accepted", "waitlisted", "refused"]
    accepted_slots: list[str] = Field(default_factory=list)
    email: str = ""
    first_name: str = ""
    child_first_name: str = ""
    outcomes: list[SlotOutcome] = Field(default_factory=list)
    # offer_answered: the family accepted or declined a place offered; offer_expired: it did not answer in time
    trigger: Literal["decision", "committee", "waitlist", "automatic", "offer_answered", "offer_expired"] = "decision"
    offer_reply_days: int = 0  # > 0: a place freed is offered to the waiting family for that many days
    waitlist_mode: Literal["auto", "manual"] = "auto"  # manual: the manager gives the places freed


class RequestToldEvent(PlanningEvent):
    """What every e-mail to a family about one of its requests needs: the request, who to tell, where.
    The address may be empty (planning's read model may lack it): notifications then sends nothing."""

    abstract = True
    request_id: str
    request_number: str
    family_id: str
    email: str = ""
    first_name: str = ""
    child_first_name: str = ""
    structure_name: str
    period_name: str


class PlaceOffered(RequestToldEvent):
    """Places freed are offered to a waiting request until a deadline (a period setting): the family
    accepts or declines them; without an answer they go to the next waiting family."""

    offered_slots: list[str]  # "Lundi PERISCOLAIRE MIDI"
    offered_count: int
    until: datetime


class CancellationConfirmed(RequestToldEvent):
    """Cancelled slots are confirmed and their places freed."""

    line_count: int
    recap: list[RecapRow]


class CommitteeJobRequested(PlanningEvent):
    """A committee simulation or publication to run as a job (planning consumes its own event)."""

    job_id: str
    period_id: str
    action: Literal["simulate", "publish"]
    after_rank: int = 0  # publication goes page by page: the rank the previous page ended on


class ReservationRequestSubmitted(PlanningEvent):
    """A family validated a planning: the request's summary (never its lines)."""

    request_id: str
    request_number: str
    family_id: str
    email: str
    first_name: str
    child_first_name: str
    structure_id: str
    structure_name: str
    period_name: str
    line_count: int
    recap: list[RecapRow]
    added: bool = False  # True when slots were added to an existing request


class CancellationRequested(PlanningEvent):
    """A family asked to cancel booked slots (one, several, a whole request or from a date onward)."""

    request_id: str
    request_number: str
    family_id: str
    email: str
    first_name: str
    child_first_name: str
    structure_id: str
    structure_name: str
    period_name: str
    line_count: int
    recap: list[RecapRow]
