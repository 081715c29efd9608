"""Items of the enrolment table. ``FAMILY#<account_id>/FILE`` is the family file, opened when the
account is registered (from the ``AccountRegistered`` event, never by reading the accounts table)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from shared.ddb import table_model
from shared.idempotency import processed_model
from shared.outbox import outbox_model

Base = table_model("enrolment")
Outbox = outbox_model(Base)
ProcessedEvent = processed_model(Base)


class FamilyFile(Base):
    family_id = UnicodeAttribute()
    email = UnicodeAttribute()
    civility = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    opened_at = UTCDateTimeAttribute()

    @staticmethod
    def key(family_id: str) -> tuple[str, str]:
        return f"FAMILY#{family_id}", "FILE"
