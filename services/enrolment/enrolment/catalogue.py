"""Enrolment's read model of planning's catalogue (structures and séjours), and the territory's
schools. Planning owns the catalogue and publishes it; enrolment never reads planning's table."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from pynamodb.exceptions import PutError

from enrolment.models import CatalogueEntry
from shared.events import planning as ev

# The schools of the reference association's territory (families may also type another school).
SCHOOLS: tuple[dict[str, str], ...] = (
    {"school_id": "schweighouse-elementaire", "name": "École élémentaire de Schweighouse-sur-Moder",
     "commune": "Schweighouse-sur-Moder"},
    {"school_id": "schweighouse-maternelle", "name": "École maternelle Les Tilleuls",
     "commune": "Schweighouse-sur-Moder"},
    {"school_id": "haguenau-saint-georges", "name": "École élémentaire Saint-Georges", "commune": "Haguenau"},
    {"school_id": "haguenau-marxenhouse", "name": "École élémentaire Marxenhouse", "commune": "Haguenau"},
    {"school_id": "bischwiller-foch", "name": "École élémentaire Foch", "commune": "Bischwiller"},
)
# The communes of the association's territory (residents get a priority at the placement committee).
TERRITORY_POSTAL_CODES = frozenset({"67590", "67500", "67240", "67170", "67350"})
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


def school_name(school_id: str) -> str | None:
    return next((s["name"] for s in SCHOOLS if s["school_id"] == school_id), None)
