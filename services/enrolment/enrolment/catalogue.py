"""Enrolment's read model of planning's catalogue (structures and séjours) and the class levels (the
territory's schools and communes are in :mod:`enrolment.territory`). Planning owns the catalogue and
publishes it; enrolment never reads planning's table."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from pynamodb.exceptions import PutError

from enrolment.models import CatalogueEntry
from shared.events import planning as ev

CLASS_LEVELS = ("TPS", "PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2", "6e", "5e", "4e", "3e")


def record(kind: str, entry_id: str, event: ev.StructurePublished | ev.SejourPublished) -> None:
    data = event.model_dump(mode="json", exclude={"event_id", "occurred_at", "schema_version", "correlation_id"})
    entry = CatalogueEntry(*CatalogueEntry.key(kind, entry_id), kind=kind, data=json.dumps(data),
                           changed_at=event.occurred_at)
    # Events may arrive out of order: an older fact never overwrites a newer one.
    with contextlib.suppress(PutError):
        entry.save(condition=CatalogueEntry.changed_at.does_not_exist()
                   | (CatalogueEntry.changed_at <= event.occurred_at))


def entries(kind: str) -> list[dict[str, Any]]:
    items = CatalogueEntry.query("CATALOGUE", CatalogueEntry.sk.startswith(f"{kind.upper()}#"))
    return [json.loads(item.data) for item in items]


def structures() -> dict[str, dict[str, Any]]:
    return {s["structure_id"]: s for s in entries("structure")}


def sejours() -> dict[str, dict[str, Any]]:
    return {s["sejour_id"]: s for s in entries("sejour")}
