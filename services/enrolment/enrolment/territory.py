"""The association's territory, kept by its administrator: the schools families pick from (« Informations
scolaires ») and the communes whose postal codes make a family « résident » for the placement committee.
Enrolment owns these facts (it is the service that reads them); until the admin saves them, the
reference association's defaults apply."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError

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


def current() -> tuple[dict[str, Any], datetime | None]:
    """The territory and the version it was read at (None: never saved, the defaults)."""
    try:
        item = CatalogueEntry.get(*CatalogueEntry.key("territory", "current"))
    except CatalogueEntry.DoesNotExist:
        return {"schools": list(DEFAULT_SCHOOLS), "communes": list(DEFAULT_COMMUNES)}, None
    return json.loads(item.data), item.changed_at


def schools() -> list[dict[str, str]]:
    return list(current()[0]["schools"])


def postal_codes() -> frozenset[str]:
    return frozenset(c["postal_code"] for c in current()[0]["communes"])


def school_name(school_id: str) -> str | None:
    return next((s["name"] for s in schools() if s["school_id"] == school_id), None)


def save(data: dict[str, Any], version: str | None) -> dict[str, Any]:
    """Replace the territory, on the condition that it is still the version the admin edited."""
    _, changed_at = current()
    if (version or None) != (changed_at.isoformat() if changed_at else None):
        raise Conflict("Le territoire vient d'être modifié par quelqu'un d'autre : rechargez la page.",
                       fields={"version": "Modifié entre-temps."})
    condition = (CatalogueEntry.pk.does_not_exist() if changed_at is None
                 else CatalogueEntry.changed_at == changed_at)
    item = CatalogueEntry(*CatalogueEntry.key("territory", "current"), kind="territory", data=json.dumps(data),
                          changed_at=clock.now())
    try:
        with transaction() as tx:  # the admin's audit event rides with it (decision 101)
            tx.save(item, condition=condition)
    except (PutError, TransactWriteError):
        raise Conflict("Le territoire vient d'être modifié par quelqu'un d'autre : rechargez la page.",
                       fields={"version": "Modifié entre-temps."}) from None
    return view()


def view() -> dict[str, Any]:
    data, changed_at = current()
    return {**data, "version": changed_at.isoformat() if changed_at else None}
