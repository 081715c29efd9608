"""Chalice app of enrolment. The family-file routes come with issue #3; for now: the family's own file
summary, its consumer and its outbox relay."""

from __future__ import annotations

from typing import Any

from chalice import Chalice
from pynamodb.exceptions import DoesNotExist

from enrolment.handlers import consumer, logger
from enrolment.models import FamilyFile, Outbox
from shared.auth import Role
from shared.errors import NotFound
from shared.http import Api, Req
from shared.outbox import register_relay

app = Chalice(app_name="portail-enrolment")
api = Api(app, logger)
api.health("enrolment")
consumer.register(app)
register_relay(app, "enrolment", Outbox)


@api.route("/family", roles=(Role.FAMILY,))
def my_family(req: Req) -> dict[str, Any]:
    try:
        family = FamilyFile.get(*FamilyFile.key(req.principal.account_id))
    except DoesNotExist:
        raise NotFound("Votre dossier famille est en cours de création. Réessayez dans un instant.") from None
    return {"family_id": family.family_id, "last_name": family.last_name, "first_name": family.first_name,
            "opened_at": family.opened_at.isoformat()}
