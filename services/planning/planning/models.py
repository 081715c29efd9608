"""Items of the planning table. ``FAMILY#<id>/VALIDATION#<structure>#<activity>#<child>`` is planning's
read model of enrolment's validations: the planning opens only where one is active."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from shared.ddb import table_model
from shared.idempotency import processed_model
from shared.outbox import outbox_model

Base = table_model("planning")
Outbox = outbox_model(Base)
ProcessedEvent = processed_model(Base)


class Validation(Base):
    family_id = UnicodeAttribute()
    child_id = UnicodeAttribute()
    structure_id = UnicodeAttribute()
    activity = UnicodeAttribute()
    status = UnicodeAttribute()  # validated, revoked
    changed_at = UTCDateTimeAttribute()

    @staticmethod
    def key(family_id: str, structure_id: str, activity: str, child_id: str) -> tuple[str, str]:
        return f"FAMILY#{family_id}", f"VALIDATION#{structure_id}#{activity}#{child_id}"
