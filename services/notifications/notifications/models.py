"""Items of the notifications table. Only this service reads or writes that table.

Keys: ``EVENT#<event_id>/PROCESSED`` the record of a handled event, with what it sent (kernel; for an
event that sends one e-mail, written right before SES: it is that e-mail's claim);
``EVENT#<event_id>/SENT#<address>`` one of the e-mails of an event that sends several, claimed before it
is sent so a retried event never sends it twice; ``STRUCTURE#<structure_id>/STAFF#<account_id>`` the read model
of who works for a structure (``STRUCTURE#*`` for staff without structures, e.g. administrators), found
by account through ``gsi1`` (``STAFF#<account_id>`` / ``STRUCTURE#<structure_id>``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from shared.ddb import TableItem, gsi, table_model
from shared.idempotency import processed_model

if TYPE_CHECKING:  # a class mypy can subclass; at run time the same class bound to the service's table
    Base = TableItem
else:
    Base = table_model("notifications")
SentEmail = processed_model(Base)

ALL_STRUCTURES = "*"


class Delivery(Base):
    """One e-mail of one event to one recipient: ``sending`` while claimed, ``sent`` once SES took it."""

    event_id = UnicodeAttribute()
    recipient = UnicodeAttribute()
    template = UnicodeAttribute()
    status = UnicodeAttribute()
    claimed_at = NumberAttribute()
    message_id = UnicodeAttribute(null=True)

    @staticmethod
    def key(event_id: str, recipient: str) -> tuple[str, str]:
        return f"EVENT#{event_id}", f"SENT#{recipient.strip().lower()}"


class StaffMember(Base):
    """A staff account as seen from one structure: who to tell about that structure's families."""

    account_id = UnicodeAttribute()
    structure_id = UnicodeAttribute()
    email = UnicodeAttribute()
    first_name = UnicodeAttribute()
    role = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_account = gsi(1)

    @staticmethod
    def partition(structure_id: str) -> str:
        return f"STRUCTURE#{structure_id}"

    @staticmethod
    def key(structure_id: str, account_id: str) -> tuple[str, str]:
        return StaffMember.partition(structure_id), f"STAFF#{account_id}"

    @classmethod
    def of_structure(cls, structure_id: str) -> list[StaffMember]:
        return list(cls.query(cls.partition(structure_id), cls.sk.startswith("STAFF#")))

    @staticmethod
    def account_key(account_id: str) -> str:
        return f"STAFF#{account_id}"


class StructureName(Base):
    """``STRUCTURE_NAME/<id>``: a structure's name from planning's catalogue (e-mails name structures, never
    their ids)."""

    name = UnicodeAttribute()
    changed_at = UTCDateTimeAttribute()

    @staticmethod
    def key(structure_id: str) -> tuple[str, str]:
        return "STRUCTURE_NAME", structure_id

    @classmethod
    def names(cls, structure_ids: list[str]) -> list[str]:
        known = {item.sk: item.name for item in cls.query("STRUCTURE_NAME")}
        return [known.get(structure_id, structure_id) for structure_id in structure_ids]
