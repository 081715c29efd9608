"""Chalice app of planning. Catalogue and reservations come with issue #4; for now: health, the
family's validations read model, its consumer and its outbox relay."""

from __future__ import annotations

from typing import Any

from chalice import Chalice

from planning.handlers import consumer, logger, validations
from planning.models import Outbox
from shared.auth import Role
from shared.http import Api, Req
from shared.outbox import register_relay

app = Chalice(app_name="portail-planning")
api = Api(app, logger)
api.health("planning")
consumer.register(app)
register_relay(app, "planning", Outbox)


@api.route("/validations", roles=(Role.FAMILY,))
def my_validations(req: Req) -> dict[str, Any]:
    items = validations(req.principal.account_id)
    return {"items": [{"child_id": v.child_id, "structure_id": v.structure_id, "activity": v.activity,
                       "status": v.status} for v in items]}
