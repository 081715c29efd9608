"""The audit log's producer side (decision 101): a staff member's successful write through the API
becomes a ``<Service>StaffActed`` event in the service's outbox, so that every staff action is recorded
whatever module handles it, without each use case having to remember. Which routes are staff actions,
and how each is named, is the table below; the identifiers come from the route's parameters, its body
and its answer (never free text: no motif, no message, no medical content).

The event is written right after the view succeeds, not in its transaction: a process that dies between
the two loses the record of that one action (rare; the state change itself is never lost nor doubled)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared import outbox
from shared.auth import Principal
from shared.events import audit as ev


@dataclass(frozen=True)
class Action:
    action: str
    label: str


ACTIONS: dict[tuple[str, str, str], Action] = {
    # enrolment
    ("enrolment", "POST", "/staff/requests/{request_id}/validate"): Action("validation", "Validation du dossier"),
    ("enrolment", "POST", "/staff/requests/{request_id}/return"): Action("validation", "Dossier renvoyé à la famille"),
    ("enrolment", "POST", "/staff/families/{family_id}/documents/{document_id}/review"):
        Action("document_review", "Examen d'un document"),
    ("enrolment", "POST", "/staff/families/{family_id}/changes/{change_id}/review"):
        Action("change_review", "Examen d'une modification"),
    ("enrolment", "PUT", "/territory"): Action("catalogue", "Territoire (écoles et communes)"),
    # planning
    ("planning", "POST", "/staff/requests/{family_id}/{request_id}/decide"): Action("decision", "Réponse à la demande"),
    ("planning", "POST", "/staff/requests/{family_id}/{request_id}/cancellations/confirm"):
        Action("decision", "Annulation confirmée"),
    ("planning", "POST", "/staff/waitlist/promote"): Action("promotion", "Places libérées attribuées"),
    ("planning", "POST", "/staff/committee/{period_id}/jobs/{job_id}/publish"):
        Action("committee", "Publication des réponses de la commission"),
    ("planning", "POST", "/staff/committee/{period_id}/jobs"): Action("committee", "Simulation de la commission"),
    ("planning", "PUT", "/staff/committee/criteria"): Action("committee", "Critères de la commission"),
    ("planning", "POST", "/staff/families/{family_id}/flag"): Action("decision", "Situation signalée"),
    ("planning", "PUT", "/staff/periods/{period_id}/settings"): Action("catalogue", "Réglages de la période"),
    ("planning", "PUT", "/catalogue/structures/{structure_id}"): Action("catalogue", "Structure enregistrée"),
    ("planning", "POST", "/catalogue/structures/{structure_id}/archive"): Action("catalogue", "Structure archivée"),
    ("planning", "PUT", "/catalogue/periods/{period_id}"): Action("catalogue", "Période enregistrée"),
    ("planning", "DELETE", "/catalogue/periods/{period_id}"): Action("catalogue", "Période supprimée"),
    ("planning", "POST", "/catalogue/periods/{period_id}/archive"): Action("catalogue", "Période archivée"),
    ("planning", "POST", "/catalogue/structures/{structure_id}/closures"): Action("catalogue", "Fermeture ajoutée"),
    ("planning", "DELETE", "/catalogue/structures/{structure_id}/closures/{start}"):
        Action("catalogue", "Fermeture supprimée"),
    ("planning", "PUT", "/catalogue/sejours/{sejour_id}"): Action("catalogue", "Séjour publié"),
    ("planning", "POST", "/catalogue/sejours/{sejour_id}/archive"): Action("catalogue", "Séjour retiré"),
    # accounts
    ("accounts", "POST", "/staff"): Action("account", "Compte professionnel créé"),
    ("accounts", "PUT", "/staff/{account_id}"): Action("account", "Compte professionnel modifié"),
    ("accounts", "POST", "/staff/{account_id}/deactivate"): Action("account", "Compte professionnel désactivé"),
    ("accounts", "POST", "/staff/{account_id}/reactivate"): Action("account", "Compte professionnel réactivé"),
    ("accounts", "POST", "/staff/{account_id}/invitation"): Action("account", "Invitation renvoyée"),
}
EVENTS: dict[str, type[ev.StaffActed]] = {"enrolment": ev.EnrolmentStaffActed, "planning": ev.PlanningStaffActed,
                                          "accounts": ev.AccountsStaffActed}
SUBJECT_KEYS = ("period_id", "sejour_id", "structure_id", "document_id", "change_id", "job_id", "account_id",
                "child_id", "start")
OUTCOME_KEYS = ("decision", "archived", "flag")


def _json(raw: bytes | None) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _outcome(body: dict[str, Any]) -> str:
    for key in OUTCOME_KEYS:
        if isinstance(body.get(key), (str, bool)):
            return str(body[key]).lower()
    decisions = sorted({str(d.get("decision")) for key in ("elements", "lines") for d in body.get(key) or []
                        if isinstance(d, dict) and d.get("decision")})
    return ",".join(decisions)


def event_for(service: str, method: str, path: str, principal: Principal, params: dict[str, Any],
              body: bytes | None, result: Any, correlation_id: str) -> ev.StaffActed | None:
    """The audit event of a successful staff write, or None when the route is not a staff action."""
    action = ACTIONS.get((service, method, path))
    if action is None or not principal.is_staff:
        return None
    data, answer = _json(body), result if isinstance(result, dict) else {}

    def pick(key: str) -> str:
        for source in (params, data, answer):
            value = source.get(key)
            if isinstance(value, str) and value:
                return value[:100]
        return ""

    subject = ", ".join(f"{key}={pick(key)}" for key in SUBJECT_KEYS if pick(key))
    return EVENTS[service](actor_id=principal.account_id, actor_role=principal.role.value, action=action.action,
                           label=action.label, family_id=pick("family_id"), request_id=pick("request_id"),
                           structure_id=pick("structure_id"), subject=subject, outcome=_outcome(data)[:60],
                           correlation_id=correlation_id)


def recorder(service: str, outbox_model: type) -> Callable[..., None]:
    """What :class:`shared.http.Api` calls after a successful write: the audit event into the outbox."""

    def record(method: str, path: str, principal: Principal, params: dict[str, Any], body: bytes | None,
               result: Any, correlation_id: str) -> None:
        event = event_for(service, method, path, principal, params, body, result, correlation_id)
        if event is not None:
            outbox.entry(outbox_model, event).save()

    return record
