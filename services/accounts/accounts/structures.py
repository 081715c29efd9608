"""The catalogue's structures as accounts knows them (planning publishes them; accounts never reads
planning's table): a staff account may only be scoped to a structure that exists (« alef-brumat »,
a typo, was accepted before)."""

from __future__ import annotations

import contextlib
from typing import Any

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError

from accounts.models import Base, ProcessedEvent
from shared.consumer import Consumer
from shared.errors import InvalidInput
from shared.events import planning as planning_ev
from shared.logs import get_logger

consumer = Consumer("accounts", ProcessedEvent, get_logger("accounts"))


class KnownStructure(Base):
    """``STRUCTURE/<id>``: a structure of the catalogue (its name, whether it is archived)."""

    name = UnicodeAttribute()
    archived = BooleanAttribute(default=False)
    changed_at = UTCDateTimeAttribute()

    @staticmethod
    def key(structure_id: str) -> tuple[str, str]:
        return "STRUCTURE", structure_id


@consumer.on(planning_ev.StructurePublished)
def structure_published(event: planning_ev.StructurePublished) -> dict[str, Any]:
    item = KnownStructure(*KnownStructure.key(event.structure_id), name=event.name, archived=event.archived,
                          changed_at=event.occurred_at)
    with contextlib.suppress(PutError):  # an older fact never overwrites a newer one
        item.save(condition=KnownStructure.changed_at.does_not_exist()
                  | (KnownStructure.changed_at <= event.occurred_at))
    return {"structure_id": event.structure_id}


def require(tx: Any, structure_ids: list[str]) -> None:
    """Add to ``tx`` a check that each structure is in the catalogue and not archived: the scope is checked
    by the write itself (no Query before it, and a structure archived meanwhile is caught). Condition
    checks are the transaction's first items, in the order added: call this before any other."""
    for structure_id in structure_ids:
        tx.condition_check(KnownStructure, *KnownStructure.key(structure_id),
                           condition=KnownStructure.pk.exists() & (KnownStructure.archived.does_not_exist()
                                                                   | KnownStructure.archived.is_in(False)))


def refuse_unknown(structure_ids: list[str], failed: list[str | None]) -> None:
    """After a cancelled transaction that began with :func:`require`'s checks (``failed``: per item, why it
    failed: ``accounts.service.failed_conditions``), refuse the structures whose check failed, naming them."""
    unknown = [s for s, why in zip(structure_ids, failed, strict=False) if why == "ConditionalCheckFailed"]
    if unknown:
        raise InvalidInput(f"Structure inconnue : {', '.join(unknown)}. Choisissez parmi les structures du catalogue.",
                           fields={"structures": f"Structure inconnue : {', '.join(unknown)}."})
