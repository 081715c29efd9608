"""Events published by the enrolment service (the family file)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.events.base import Event

Activity = Literal["periscolaire", "mercredi", "creche", "sejour"]
RequestKind = Literal["periscolaire", "creche", "sejour"]


class EnrolmentEvent(Event):
    source = "portail.enrolment"
    abstract = True


class FamilyValidated(EnrolmentEvent):
    """Staff validated a child's file for a structure and activity: planning may open."""

    family_id: str
    child_id: str
    structure_id: str
    activity: Activity
    email: str = ""
    first_name: str = ""
    child_first_name: str = ""
    structure_name: str = ""
    # Names the staff's lists show and search (« Muller », « Léa Muller »), not only the first name.
    family_name: str = ""
    child_last_name: str = ""
    # Facts the placement committee's priority criteria use (computed by enrolment from the file).
    both_parents_working: bool = False
    resident: bool = False
    # One staff validation may open several structures (school days and Wednesdays): the family gets one
    # e-mail per act, carried by the act's first event (``notify``), naming every structure it validated.
    notify: bool = True
    structure_names: list[str] = Field(default_factory=list)


class FamilyValidationRevoked(EnrolmentEvent):
    """A mandatory item went missing after validation: planning closes until validated again."""

    family_id: str
    child_id: str
    structure_id: str
    activity: Activity
    reason: str


class PreEnrolmentSubmitted(EnrolmentEvent):
    """A family submitted a complete pre-enrolment request: the structure's staff are told."""

    family_id: str
    request_id: str
    kind: RequestKind
    child_first_name: str
    family_name: str
    structure_ids: list[str]
    structure_names: list[str]
    # the family's address, for its acknowledgement (empty: no acknowledgement)
    email: str = ""
    first_name: str = ""


class FileReturned(EnrolmentEvent):
    """Staff sent the file back to the family with a message."""

    family_id: str
    request_id: str
    email: str
    first_name: str
    structure_name: str
    message: str


class DocumentReviewed(EnrolmentEvent):
    family_id: str
    document_id: str
    email: str
    first_name: str
    document_label: str
    decision: Literal["accepted", "rejected"]
    reason: str = ""


class ChangeSubmitted(EnrolmentEvent):
    """A validated family changed information that must be validated again."""

    family_id: str
    family_name: str
    structure_ids: list[str]
    fields: list[str]


class ChangeReviewed(EnrolmentEvent):
    family_id: str
    email: str
    first_name: str
    field_label: str
    decision: Literal["approved", "rejected"]
    reason: str = ""
