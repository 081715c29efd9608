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


class CatalogueItem(Base):
    """``CATALOGUE/STRUCTURE#<id>`` and ``CATALOGUE/SEJOUR#<id>``: planning owns the catalogue."""

    kind = UnicodeAttribute()
    data = UnicodeAttribute()  # JSON of the published fields
    changed_at = UTCDateTimeAttribute()

    @staticmethod
    def key(kind: str, entry_id: str) -> tuple[str, str]:
        return "CATALOGUE", f"{kind.upper()}#{entry_id}"
