"""Routes of the catalogue's back office: structures (admin), periods, closures and séjours (admin, and
staff for their own structures). Use cases and their refusals live in :mod:`planning.catalogue_admin`."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from planning import catalogue, catalogue_admin
from planning.http_app import STAFF, api
from planning.schemas import PERIOD_SETTINGS, ClosureBody, PeriodBody, StructureBody, ends_after_start
from shared.auth import Principal, Role
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.fields import Body
from shared.http import Req

ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")


class SejourBody(Body):
    structure_id: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=120)
    start: date
    end: date
    places: int = Field(ge=1, le=1000)
    age_min: int = Field(ge=0, le=17)
    age_max: int = Field(ge=0, le=17)
    booking_opens: date
    deadline_days: int = Field(default=7, ge=0, le=60)

    _end_after_start = ends_after_start("Le séjour doit finir après son début.")

    @field_validator("age_max")
    @classmethod
    def _ages(cls, value: int, info: ValidationInfo) -> int:
        if info.data.get("age_min") is not None and value < info.data["age_min"]:
            raise ValueError("L'âge maximum doit être au moins l'âge minimum.")
        return value


class ArchiveBody(Body):
    archived: bool = True


def _id(value: str, field: str) -> str:
    if not ID.fullmatch(value):
        raise InvalidInput("Identifiant invalide : lettres minuscules, chiffres et tirets (2 à 60).",
                           fields={field: "Lettres minuscules, chiffres et tirets."})
    return value


def _manage(principal: Principal, structure_id: str) -> None:
    if not principal.can_manage(structure_id):
        raise Forbidden("Cette structure ne fait pas partie de vos structures.")


def _structure(principal: Principal, structure_id: str, snap: catalogue.Snapshot | None = None) -> dict[str, Any]:
    structure = catalogue.structures(snap).get(structure_id)
    if structure is None:
        raise InvalidInput("Cette structure n'existe pas.", fields={"structure_id": "Structure inconnue."})
    _manage(principal, structure_id)
    return structure


def _period(principal: Principal, period_id: str, snap: catalogue.Snapshot | None = None) -> dict[str, Any]:
    period = catalogue.periods(snap).get(period_id)
    if period is None:
        raise NotFound("Cette période n'existe pas.", fields={"period_id": "Période inconnue."})
    _manage(principal, period["structure_id"])
    return period


@api.route("/staff/catalogue", roles=STAFF)
def staff_catalogue(req: Req) -> dict[str, Any]:
    """The catalogue as the back office shows it: the caller's structures (every one for the admin),
    archived entries included and marked."""
    snap = catalogue.snapshot()
    mine = {sid: s for sid, s in catalogue.structures(snap).items() if req.principal.can_manage(sid)}
    return {"structures": sorted(mine.values(), key=lambda s: s["name"]),
            "periods": sorted((p for p in catalogue.periods(snap).values() if p["structure_id"] in mine),
                              key=lambda p: (p["structure_id"], p["start"])),
            "sejours": sorted((s for s in snap.get("sejour", {}).values() if s["structure_id"] in mine),
                              key=lambda s: s["start"]),
            "can_create_structures": req.principal.role == Role.ADMIN}


@api.route("/catalogue/structures/{structure_id}", ("PUT",), roles=(Role.ADMIN,))
def put_structure(req: Req, structure_id: str) -> dict[str, Any]:
    body = req.body(StructureBody)
    return catalogue_admin.save_structure(_id(structure_id, "structure_id"), body.model_dump(), req.correlation_id)


@api.route("/catalogue/structures/{structure_id}/archive", ("POST",), roles=(Role.ADMIN,))
def archive_structure(req: Req, structure_id: str) -> dict[str, Any]:
    body = req.body(ArchiveBody)
    return catalogue_admin.archive_structure(structure_id, body.archived, req.correlation_id)


@api.route("/catalogue/periods/{period_id}", ("PUT",), roles=STAFF)
def put_period(req: Req, period_id: str) -> dict[str, Any]:
    body = req.body(PeriodBody)
    snap = catalogue.snapshot()  # one read: the checks and the version the write is conditional on
    _structure(req.principal, body.structure_id, snap)
    existing = catalogue.periods(snap).get(_id(period_id, "period_id"))
    period = body.model_dump(mode="json", exclude_none=True)
    if existing:
        _manage(req.principal, existing["structure_id"])
        # The answer settings are kept by « Places par jour »: those the body does not send stay as they are.
        period.update({k: existing[k] for k in PERIOD_SETTINGS if k not in body.model_fields_set and k in existing})
    return catalogue_admin.save_period(period_id, period, req.correlation_id, snap)


@api.route("/catalogue/periods/{period_id}", ("DELETE",), roles=STAFF)
def delete_period(req: Req, period_id: str) -> dict[str, Any]:
    snap = catalogue.snapshot()
    period = _period(req.principal, period_id, snap)
    if period.get("sejour_id"):
        raise InvalidInput("Cette période est celle d'un séjour : archivez le séjour.",
                           fields={"period_id": "Période d'un séjour."})
    return {"deleted": catalogue_admin.delete_period(period_id, snap)["period_id"]}


@api.route("/catalogue/periods/{period_id}/archive", ("POST",), roles=STAFF)
def archive_period(req: Req, period_id: str) -> dict[str, Any]:
    snap = catalogue.snapshot()
    _period(req.principal, period_id, snap)
    return catalogue_admin.archive_period(period_id, req.body(ArchiveBody).archived, snap)


@api.route("/catalogue/structures/{structure_id}/closures", ("POST",), roles=STAFF, status=201)
def add_closure(req: Req, structure_id: str) -> dict[str, Any]:
    body = req.body(ClosureBody)
    snap = catalogue.snapshot()
    structure = _structure(req.principal, structure_id, snap)
    return {**structure, "closures": catalogue_admin.add_closure(structure_id, body.model_dump(), snap)}


@api.route("/catalogue/structures/{structure_id}/closures/{start}", ("DELETE",), roles=STAFF)
def remove_closure(req: Req, structure_id: str, start: str) -> dict[str, Any]:
    snap = catalogue.snapshot()
    structure = _structure(req.principal, structure_id, snap)
    return {**structure, "closures": catalogue_admin.remove_closure(structure_id, start, snap)}


@api.route("/catalogue/sejours/{sejour_id}", ("PUT",), roles=STAFF)
def put_sejour(req: Req, sejour_id: str) -> dict[str, Any]:
    body = req.body(SejourBody)
    snap = catalogue.snapshot()
    structure = _structure(req.principal, body.structure_id, snap)
    if "sejour" not in structure["activities"]:
        raise InvalidInput("Cette structure ne propose pas de séjours.",
                           fields={"structure_id": "Pas de séjours dans cette structure."})
    existing = snap.get("sejour", {}).get(_id(sejour_id, "sejour_id"))
    if existing:
        _manage(req.principal, existing["structure_id"])
    return catalogue_admin.save_sejour(sejour_id, body.model_dump(), req.correlation_id, snap)


@api.route("/catalogue/sejours/{sejour_id}/archive", ("POST",), roles=STAFF)
def archive_sejour(req: Req, sejour_id: str) -> dict[str, Any]:
    snap = catalogue.snapshot()
    existing = snap.get("sejour", {}).get(sejour_id)
    if existing is None:
        raise NotFound("Ce séjour n'existe pas.", fields={"sejour_id": "Séjour inconnu."})
    _manage(req.principal, existing["structure_id"])
    return catalogue_admin.archive_sejour(sejour_id, req.body(ArchiveBody).archived, req.correlation_id, snap)
