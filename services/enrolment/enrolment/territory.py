"""The association's territory, kept by its administrator: the schools families pick from (« Informations
scolaires ») and the communes whose postal codes make a family « résident » for the placement committee.
Enrolment owns these facts (it is the service that reads them); until the admin saves them, the
reference association's defaults apply."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from enrolment.catalogue import Snapshot
from enrolment.models import CatalogueEntry
from shared import clock
from shared.ddb import transaction
from shared.errors import Conflict

DEFAULT_SCHOOLS: tuple[dict[str, str], ...] = (
    {"school_id": "schweighouse-elementaire", "name": "École élémentaire de Schweighouse-sur-Moder",
     "commune": "Schweighouse-sur-Moder"},
    {"school_id": "schweighouse-maternelle", "name": "École maternelle Les Tilleuls",
     "commune": "Schweighouse-sur-Moder"},
    {"school_id": "haguenau-saint-georges", "name": "École élémentaire Saint-Georges", "commune": "Haguenau"},
    {"school_id": "haguenau-marxenhouse", "name": "École élémentaire Marxenhouse", "commune": "Haguenau"},
    {"school_id": "bischwiller-foch", "name": "École élémentaire Foch", "commune": "Bischwiller"},
)
DEFAULT_COMMUNES: tuple[dict[str, str], ...] = (
    {"name": "Schweighouse-sur-Moder", "postal_code": "67590"},
    {"name": "Haguenau", "postal_code": "67500"},
    {"name": "Bischwiller", "postal_code": "67240"},
    {"name": "Brumath", "postal_code": "67170"},
    {"name": "Pfaffenhoffen", "postal_code": "67350"},
)


def current(snap: Snapshot | None = None) -> tuple[dict[str, Any], datetime | None]:
    """The territory and the version it was read at (None: never saved, the defaults); from ``snap`` when the
    route already read the catalogue partition, else one GetItem."""
    if snap is not None:
        item = snap.territory
    else:
        try:
            item = CatalogueEntry.get(*CatalogueEntry.key("territory", "current"))
        except CatalogueEntry.DoesNotExist:
            item = None
    if item is None:
        return {"schools": list(DEFAULT_SCHOOLS), "communes": list(DEFAULT_COMMUNES)}, None
    return json.loads(item.data), item.changed_at


def schools(snap: Snapshot | None = None) -> list[dict[str, str]]:
    return list(current(snap)[0]["schools"])


def postal_codes(snap: Snapshot | None = None) -> frozenset[str]:
    return frozenset(c["postal_code"] for c in current(snap)[0]["communes"])


def school_name(school_id: str) -> str | None:
    return next((s["name"] for s in schools() if s["school_id"] == school_id), None)


def save(data: dict[str, Any], version: str | None) -> dict[str, Any]:
    """Replace the territory, on the condition that it is still the version the admin edited: one
    conditional write in a transaction, which also carries the admin's audit event (decision 101)."""
    _, changed_at = current()
    if (version or None) != (changed_at.isoformat() if changed_at else None):
        raise Conflict("Le territoire vient d'être modifié par quelqu'un d'autre : rechargez la page.",
                       fields={"version": "Modifié entre-temps."})
    condition = (CatalogueEntry.pk.does_not_exist() if changed_at is None
                 else CatalogueEntry.changed_at == changed_at)
    item = CatalogueEntry(*CatalogueEntry.key("territory", "current"), kind="territory", data=json.dumps(data),
                          changed_at=clock.now())
    try:
        with transaction() as tx:
            tx.save(item, condition=condition)
    except TransactWriteError:
        raise Conflict("Le territoire vient d'être modifié par quelqu'un d'autre : rechargez la page.",
                       fields={"version": "Modifié entre-temps."}) from None
    return {**data, "version": item.changed_at.isoformat()}


def view() -> dict[str, Any]:
    data, changed_at = current()
    return {**data, "version": changed_at.isoformat() if changed_at else None}
