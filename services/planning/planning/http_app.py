"""The planning service's Chalice app and what its route modules share: roles and query parsing.
Routes live in :mod:`planning.api` (families, catalogue) and :mod:`planning.staff_api` (staff)."""

from __future__ import annotations

import re
from datetime import date

from chalice import Chalice

from planning import catalogue
from planning.handlers import consumer, logger
from planning.models import Outbox, Revocation
from shared import audit
from shared.auth import Role
from shared.errors import Forbidden, InvalidInput
from shared.http import Api, Req
from shared.outbox import register_relay

app = Chalice(app_name="portail-planning")
api = Api(app, logger, Revocation)
api.health("planning")
consumer.register(app)
register_relay(app, "planning", Outbox)
api.before_write = audit.recorder("planning", Outbox)

FAMILY = (Role.FAMILY,)
STAFF = (Role.MANAGER, Role.COORDINATOR, Role.ADMIN)
COMMITTEE = (Role.MANAGER, Role.COMMITTEE, Role.ADMIN, Role.COORDINATOR)


FIRST_YEAR, LAST_YEAR = 2000, 2099  # a month outside cannot hold a period (and year 0 or 9999 cannot be drawn)


def month_param(value: str | None) -> str:
    if not value or not re.fullmatch(r"(20[0-9]{2})-(0[1-9]|1[0-2])", value):
        raise InvalidInput(f"Indiquez le mois au format AAAA-MM, entre {FIRST_YEAR} et {LAST_YEAR}.",
                           fields={"month": f"Format AAAA-MM, de {FIRST_YEAR}-01 à {LAST_YEAR}-12."})
    return value


def day_param(value: str | None, field: str = "date") -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise InvalidInput("Indiquez la date au format AAAA-MM-JJ.", fields={field: "Format AAAA-MM-JJ."}) from None


def structure_param(req: Req, snap: catalogue.Snapshot | None = None) -> str:
    """The ``structure_id`` query parameter: a known structure the staff member manages (``snap``: the
    catalogue already read by the route)."""
    structure_id = req.query.get("structure_id") or ""
    if structure_id not in catalogue.structures(snap):
        raise InvalidInput("Choisissez une structure.", fields={"structure_id": "Structure inconnue."})
    if not req.principal.can_manage(structure_id):
        raise Forbidden("Cette structure ne fait pas partie de vos structures.")
    return structure_id
