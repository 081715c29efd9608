"""HTTP routes of enrolment: thin, the use cases live in family, requests and staff modules."""

from __future__ import annotations

from typing import Any

from chalice import Chalice
from pydantic import BaseModel

from enrolment import (
    catalogue,
    daysheet,
    family,
    requests,
    routes_audit,
    routes_documents,
    routes_territory,
    schemas,
    staff,
    territory,
)
from enrolment.completeness import requirements_view
from enrolment.handlers import consumer, logger
from enrolment.models import Outbox, Revocation
from shared import audit
from shared.auth import Role
from shared.errors import InvalidInput
from shared.fields import Body
from shared.http import Api, Req
from shared.outbox import register_relay

app = Chalice(app_name="portail-enrolment")
api = Api(app, logger, Revocation)
api.health("enrolment")
routes_documents.register(api)
routes_territory.register(api)
daysheet.register(api)
routes_audit.register(api)
consumer.register(app)
register_relay(app, "enrolment", Outbox)
api.before_write = audit.recorder("enrolment", Outbox)

FAMILY = (Role.FAMILY,)
STAFF = (Role.MANAGER, Role.COORDINATOR, Role.ADMIN)
REQUEST_MODELS: dict[str, type[Body]] = {"periscolaire": schemas.PeriscolaireRequest,
                                         "creche": schemas.CrecheRequest, "sejour": schemas.SejourRequest}


class RequestKind(BaseModel):
    """Read first, to pick the body model of the request's kind."""

    kind: str


def _file(family_id: str) -> dict[str, Any]:
    return staff.file_view(family.load(family_id))


@api.route("/catalogue", roles=tuple(Role))
def get_catalogue(req: Req) -> dict[str, Any]:
    snap = catalogue.snapshot()  # structures, séjours and the territory's schools: one Query
    offered = [s for s in snap.structures.values() if not s.get("archived")]
    return {"structures": offered, "sejours": [s for s in snap.sejours.values() if not s.get("archived")],
            "schools": territory.schools(snap), "class_levels": list(catalogue.CLASS_LEVELS)}


# --- the family's own file ----------------------------------------------------------------------------

@api.route("/family", roles=FAMILY)
def my_family(req: Req) -> dict[str, Any]:
    return _file(req.principal.account_id)


@api.route("/family/profile", ("PUT",), roles=FAMILY)
def put_profile(req: Req) -> dict[str, Any]:
    return staff.file_view(family.save_profile(req.principal.account_id, req.body(schemas.Profile),
                                               req.correlation_id))


@api.route("/family/household", ("PUT",), roles=FAMILY)
def put_household(req: Req) -> dict[str, Any]:
    return staff.file_view(family.save_household(req.principal.account_id, req.body(schemas.Household),
                                                 req.correlation_id))


@api.route("/children", ("POST",), roles=FAMILY, status=201)
def post_child(req: Req) -> dict[str, Any]:
    return family.child_view(family.add_child(req.principal.account_id, req.body(schemas.ChildData)))


@api.route("/children/{child_id}", ("PUT",), roles=FAMILY)
def put_child(req: Req, child_id: str) -> dict[str, Any]:
    return staff.file_view(family.save_child(req.principal.account_id, child_id, req.body(schemas.ChildData),
                                             req.correlation_id))


@api.route("/children/{child_id}", ("DELETE",), roles=FAMILY)
def delete_child(req: Req, child_id: str) -> None:
    family.delete_child(req.principal.account_id, child_id)


@api.route("/children/{child_id}/school", ("PUT",), roles=FAMILY)
def put_school(req: Req, child_id: str) -> dict[str, Any]:
    return staff.file_view(family.save_school(req.principal.account_id, child_id, req.body(schemas.School),
                                              req.correlation_id))


# --- pre-enrolment requests ---------------------------------------------------------------------------

@api.route("/requests", ("POST",), roles=FAMILY, status=201)
def post_request(req: Req) -> dict[str, Any]:
    kind = req.body(RequestKind).kind
    model = REQUEST_MODELS.get(kind)
    if model is None:
        raise InvalidInput("Type de demande inconnu.", fields={"kind": "Choisissez périscolaire, crèche ou séjour."})
    view, snap = family.load(req.principal.account_id), catalogue.snapshot()
    request = requests.create(view, req.body(model), snap)
    return requests.view_of(request, view, snap)


@api.route("/requests/{request_id}/completeness", roles=FAMILY)
def get_completeness(req: Req, request_id: str) -> dict[str, Any]:
    view = family.load(req.principal.account_id)
    missing = requests.missing(view, requests.get(view, request_id))
    return {"complete": not missing, "missing": [m.as_dict() for m in missing]}


@api.route("/requests/{request_id}/submit", ("POST",), roles=FAMILY)
def submit_request(req: Req, request_id: str) -> dict[str, Any]:
    view, snap = family.load(req.principal.account_id), catalogue.snapshot()
    return requests.view_of(requests.submit(view, request_id, req.correlation_id, snap), view, snap)


@api.route("/requests/{request_id}", ("DELETE",), roles=FAMILY)
def delete_request(req: Req, request_id: str) -> None:
    requests.withdraw(req.principal.account_id, request_id)


@api.route("/documents/requirements", roles=tuple(Role))
def document_requirements(req: Req) -> dict[str, Any]:
    return requirements_view()


# --- staff ----------------------------------------------------------------------------------------------

@api.route("/staff/requests", roles=STAFF)
def staff_requests(req: Req) -> dict[str, Any]:
    items, after = staff.queue(req.principal, req.query.get("status"), req.query.get("structure_id"),
                               req.query.get("after"))
    return {"items": items, "next": after}


@api.route("/staff/families/{family_id}", roles=STAFF)
def staff_family(req: Req, family_id: str) -> dict[str, Any]:
    return staff.file_view(staff.family_for(req.principal, family_id), req.principal)


@api.route("/staff/requests/{request_id}/validate", ("POST",), roles=STAFF)
def staff_validate(req: Req, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.ValidateBody)
    view, snap = staff.validate(req.principal, body.family_id, request_id, req.correlation_id)
    return requests.view_of(view.requests[request_id], view, snap)


@api.route("/staff/requests/{request_id}/return", ("POST",), roles=STAFF)
def staff_return(req: Req, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.ReturnBody)
    view, snap = staff.send_back(req.principal, body.family_id, request_id, body.message, req.correlation_id)
    return requests.view_of(view.requests[request_id], view, snap)


@api.route("/staff/changes", roles=STAFF)
def staff_changes(req: Req) -> dict[str, Any]:
    items, after = staff.pending_changes(req.principal, req.query.get("after"))
    return {"items": items, "next": after}


@api.route("/staff/families/{family_id}/changes/{change_id}/review", ("POST",), roles=STAFF)
def staff_review_change(req: Req, family_id: str, change_id: str) -> dict[str, Any]:
    body = req.body(schemas.ChangeReviewBody)
    return staff.review_change(req.principal, family_id, change_id, body.decision, body.reason, req.correlation_id)
