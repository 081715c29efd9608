"""Enrolment's read model of planning's catalogue (structures and séjours) and the class levels (the
territory's schools and communes are in :mod:`enrolment.territory`). Planning owns the catalogue and
publishes it; enrolment never reads planning's table.

Structures, séjours and the territory all live in the ``CATALOGUE`` partition, so a route reads them
together with one Query (:func:`snapshot`) and hands that snapshot to whatever needs it, rather than
reading the partition again for each (issue 12)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import PutError

from enrolment.models import CatalogueEntry
from shared.events import planning as ev

CLASS_LEVELS = ("TPS", "PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2", "6e", "5e", "4e", "3e")


@dataclass(frozen=True)
class Snapshot:
    """The ``CATALOGUE`` partition as one Query read it: structures and séjours by id, the territory item."""

    structures: dict[str, dict[str, Any]] = field(default_factory=dict)
    sejours: dict[str, dict[str, Any]] = field(default_factory=dict)
    territory: CatalogueEntry | None = None

    def structure_name(self, structure_id: str) -> str:
        return str(self.structures.get(structure_id, {}).get("name", structure_id))


def record(kind: str, entry_id: str, event: ev.StructurePublished | ev.SejourPublished) -> None:
    data = event.model_dump(mode="json", exclude={"event_id", "occurred_at", "schema_version", "correlation_id"})
    entry = CatalogueEntry(*CatalogueEntry.key(kind, entry_id), kind=kind, data=json.dumps(data),
                           changed_at=event.occurred_at)
    # Events may arrive out of order: an older fact never overwrites a newer one.
    with contextlib.suppress(PutError):
        entry.save(condition=CatalogueEntry.changed_at.does_not_exist()
                   | (CatalogueEntry.changed_at <= event.occurred_at))


def snapshot() -> Snapshot:
    """Structures, séjours and the territory: one Query of the ``CATALOGUE`` partition."""
    structures: dict[str, dict[str, Any]] = {}
    sejours: dict[str, dict[str, Any]] = {}
    territory: CatalogueEntry | None = None
    for item in CatalogueEntry.query("CATALOGUE"):
        if item.sk.startswith("STRUCTURE#"):
            data = json.loads(item.data)
            structures[data["structure_id"]] = data
        elif item.sk.startswith("SEJOUR#"):
            data = json.loads(item.data)
            sejours[data["sejour_id"]] = data
        elif item.sk == "TERRITORY#current":
            territory = item
    return Snapshot(structures, sejours, territory)


def structures() -> dict[str, dict[str, Any]]:
    return snapshot().structures


def sejours() -> dict[str, dict[str, Any]]:
    return snapshot().sejours
