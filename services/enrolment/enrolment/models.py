"""Items of the enrolment table (PynamoDB). Only this service reads or writes that table.

The family file is a set of items under ``FAMILY#<family_id>`` (the family id is the account id):
``FILE`` (profile, household), ``CHILD#<id>``, ``REQUEST#<id>``, ``DOC#<id>``, ``CHANGE#<id>``,
``DECISION#<request_id>``. Sections are stored as JSON validated by the pydantic schemas, so one read
gives a whole section. ``OPEN#<family>#<child>#<activity>#<structure>`` locks one open request per child,
activity and structure. ``CATALOGUE`` items are the read model of planning's catalogue.
Staff queues use ``gsi1`` = ``STRUCTURE#<id>``, sorted by ``<status>#<date>``: the request item is in its
first structure's queue, and a copy of it (``QUEUE#<request>#<structure>``, written in the same
transactions) in its second structure's, so that one Query a page serves a structure's list (decision 24).
Requests stored before that used ``gsi2`` for the second structure (moved to a copy on their next write).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.ddb import TableItem, gsi, string_list, table_model
from shared.idempotency import processed_model
from shared.outbox import outbox_model
from shared.sessions import revocation_model

if TYPE_CHECKING:  # a class mypy can subclass; at run time the same class bound to the service's table
    Base = TableItem
else:
    Base = table_model("enrolment")
Outbox = outbox_model(Base)
ProcessedEvent = processed_model(Base)
Revocation = revocation_model(Base)  # ended sessions (shared.sessions), read by the authorizer


def family_pk(family_id: str) -> str:
    return f"FAMILY#{family_id}"


class FamilyFile(Base):
    family_id = UnicodeAttribute()
    email = UnicodeAttribute()
    civility = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    opened_at = UTCDateTimeAttribute()
    email_changed_at = UTCDateTimeAttribute(null=True)  # occurred_at of the fact that set ``email``
    profile = UnicodeAttribute(null=True)  # JSON of schemas.Profile
    household = UnicodeAttribute(null=True)  # JSON of schemas.Household

    @staticmethod
    def key(family_id: str) -> tuple[str, str]:
        return family_pk(family_id), "FILE"


class Child(Base):
    family_id = UnicodeAttribute()
    child_id = UnicodeAttribute()
    data = UnicodeAttribute()  # JSON of schemas.ChildData
    created_at = UTCDateTimeAttribute()

    @staticmethod
    def key(family_id: str, child_id: str) -> tuple[str, str]:
        return family_pk(family_id), f"CHILD#{child_id}"


class PreEnrolment(Base):
    family_id = UnicodeAttribute()
    request_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    child_id = UnicodeAttribute()
    structure_ids = string_list()
    details = UnicodeAttribute()  # JSON: the kind-specific body
    status = UnicodeAttribute()  # draft, submitted, validated, returned, revoked
    validated_structures = string_list(default=list)
    staff_message = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    submitted_at = UTCDateTimeAttribute(null=True)
    validated_at = UTCDateTimeAttribute(null=True)
    # What the staff's queue shows, kept on the item (and its copy) by every write: no file read per row.
    family_name = UnicodeAttribute(null=True)
    family_first_name = UnicodeAttribute(null=True)
    child_first_name = UnicodeAttribute(null=True)
    structure_names = string_list(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)  # requests stored before the queue copies (decision 24)
    gsi2sk = UnicodeAttribute(null=True)
    by_structure = gsi(1)

    @staticmethod
    def key(family_id: str, request_id: str) -> tuple[str, str]:
        return family_pk(family_id), f"REQUEST#{request_id}"

    @staticmethod
    def copy_key(family_id: str, request_id: str, structure_id: str) -> tuple[str, str]:
        """The request's copy in the queue of a structure other than its first."""
        return family_pk(family_id), f"QUEUE#{request_id}#{structure_id}"


class OpenRequestLock(Base):
    request_id = UnicodeAttribute()

    @staticmethod
    def key(family_id: str, child_id: str, activity: str, structure_id: str) -> tuple[str, str]:
        return f"OPEN#{family_id}#{child_id}#{activity}#{structure_id}", "LOCK"


class Document(Base):
    family_id = UnicodeAttribute()
    document_id = UnicodeAttribute()
    type = UnicodeAttribute()
    child_id = UnicodeAttribute(null=True)
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute(null=True)
    s3_key = UnicodeAttribute()  # where the family's presigned POST writes
    checked_key = UnicodeAttribute(null=True)  # the copy checked on confirmation: what staff read
    status = UnicodeAttribute()  # uploading, pending, accepted, rejected
    reason = UnicodeAttribute(null=True)
    valid_until = UnicodeAttribute(null=True)  # ISO date
    created_at = UTCDateTimeAttribute()
    uploaded_at = UTCDateTimeAttribute(null=True)

    @staticmethod
    def key(family_id: str, document_id: str) -> tuple[str, str]:
        return family_pk(family_id), f"DOC#{document_id}"


class Change(Base):
    family_id = UnicodeAttribute()
    change_id = UnicodeAttribute()
    scope = UnicodeAttribute()  # profile, household, child
    child_id = UnicodeAttribute(null=True)
    field = UnicodeAttribute()
    label = UnicodeAttribute()
    old = UnicodeAttribute(null=True)  # JSON
    new = UnicodeAttribute(null=True)  # JSON
    status = UnicodeAttribute()  # pending, approved, rejected
    reason = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    structure_ids = string_list(default=list)  # whose staff review it
    gsi1pk = UnicodeAttribute(null=True)  # CHANGES#PENDING while pending
    gsi1sk = UnicodeAttribute(null=True)
    pending_index = gsi(1)

    @staticmethod
    def key(family_id: str, change_id: str) -> tuple[str, str]:
        return family_pk(family_id), f"CHANGE#{change_id}"


class Decision(Base):
    """What planning decided on a reservation request (from ``RequestDecided``): the welcome contract."""

    family_id = UnicodeAttribute()
    request_id = UnicodeAttribute()
    data = UnicodeAttribute()  # JSON of the event
    available = BooleanAttribute()

    @staticmethod
    def key(family_id: str, request_id: str) -> tuple[str, str]:
        return family_pk(family_id), f"DECISION#{request_id}"


class CatalogueEntry(Base):
    """Read model of planning's catalogue: ``CATALOGUE/STRUCTURE#id`` and ``CATALOGUE/SEJOUR#id``."""

    kind = UnicodeAttribute()  # structure, sejour
    data = UnicodeAttribute()  # JSON of the event's fields
    changed_at = UTCDateTimeAttribute()

    @staticmethod
    def key(kind: str, entry_id: str) -> tuple[str, str]:
        return "CATALOGUE", f"{kind.upper()}#{entry_id}"
