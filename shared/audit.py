"""The audit log's producer side (decision 101): a staff member's successful write through the API
becomes a ``<Service>StaffActed`` event in the service's outbox, so that every staff action is recorded
whatever module handles it, without each use case having to remember. Which routes are staff actions,
and how each is named, is the table below; the identifiers come from the route's parameters, its body
and what the use case notes (:func:`note`; never free text: no motif, no message, no medical content).

The event rides with the action's first transaction (``shared.ddb.ride``): it is written if and only if
the action changed something, and a crash can no longer keep the change and lose its record. A staff
action whose view succeeded without any transaction (a single conditional write not yet folded into
one) is recorded just after it, outside, as a fallback that logs a warning and counts
``AuditOutsideTransaction``; with ``AUDIT_STRICT=1`` (the tests) that fallback is an error instead, so a
route that forgets its transaction fails its test."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from pynamodb.transactions import TransactWrite

from shared import ddb, metrics, outbox
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


class AuditNotInTransaction(RuntimeError):
    """``AUDIT_STRICT``: a staff action succeeded without writing its audit event in a transaction."""


@dataclass
class _Pending:
    """One staff action's audit event, waiting for the action's first transaction (a ``ddb.Rider``)."""

    service: str
    outbox_model: type
    method: str
    path: str
    principal: Principal
    params: dict[str, Any]
    body: bytes | None
    correlation_id: str
    noted: dict[str, str] = field(default_factory=dict)
    pending: bool = True

    def event(self, result: Any = None) -> ev.StaffActed | None:
        answer = {**(result if isinstance(result, dict) else {}), **self.noted}
        return event_for(self.service, self.method, self.path, self.principal, {**self.noted, **self.params},
                         self.body, answer, self.correlation_id)

    def add_to(self, tx: TransactWrite) -> None:
        event = self.event()
        if event is not None:
            tx.save(outbox.entry(self.outbox_model, event))

    def committed(self) -> None:
        self.pending = False


_CURRENT: ContextVar[_Pending | None] = ContextVar("audit_pending", default=None)


def note(**ids: str) -> None:
    """Give the audit event an identifier only the use case knows (a new account's id), before it writes."""
    current = _CURRENT.get()
    if current is not None:
        current.noted.update({key: value for key, value in ids.items() if value})


def unchanged() -> None:
    """The staff action succeeded without changing anything (no free place to give): nothing to record."""
    current = _CURRENT.get()
    if current is not None:
        current.pending = False


def recorder(service: str, outbox_model: type) -> Callable[..., Callable[[Any], None] | None]:
    """What :class:`shared.http.Api` calls before a staff write's view: it attaches the action's audit event
    to the transactions the view commits and returns the function to call once the view has succeeded."""

    def begin(method: str, path: str, principal: Principal, params: dict[str, Any], body: bytes | None,
              correlation_id: str) -> Callable[[Any], None] | None:
        if (service, method, path) not in ACTIONS or not principal.is_staff:
            return None
        pending = _Pending(service, outbox_model, method, path, principal, params, body, correlation_id)
        audit_token, ride_token = _CURRENT.set(pending), ddb.ride(pending)

        def finish(result: Any) -> None:
            ddb.unride(ride_token)
            _CURRENT.reset(audit_token)
            if result is _FAILED or not pending.pending:
                return
            metrics.count("AuditOutsideTransaction", service)
            if os.environ.get("AUDIT_STRICT") == "1":
                raise AuditNotInTransaction(f"{service} {method} {path}: no transaction carried the audit event")
            event = pending.event(result)
            if event is not None:
                outbox.entry(outbox_model, event).save()

        return finish

    return begin


_FAILED = object()


def failed() -> Any:
    """The result to give ``finish`` when the view raised: nothing to record outside a transaction."""
    return _FAILED
