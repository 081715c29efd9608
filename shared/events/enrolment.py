"""Events published by the enrolment service (the family file)."""

from __future__ import annotations

from typing import Literal

from shared.events.base import Event

Activity = Literal["periscolaire", "mercredi", "creche", "sejour"]


class EnrolmentEvent(Event):
    source = "portail.enrolment"
    abstract = True


class FamilyValidated(EnrolmentEvent):
    """Staff validated a child's file for a structure and activity: planning may open."""

    family_id: str
    child_id: str
    structure_id: str
    activity: Activity


class FamilyValidationRevoked(EnrolmentEvent):
    """A mandatory item went missing after validation: planning closes until validated again."""

    family_id: str
    child_id: str
    structure_id: str
    activity: Activity
    reason: str
