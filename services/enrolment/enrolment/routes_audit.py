"""Routes and event handlers of the audit log: the admin's search and CSV export, a family file's history
of staff actions (staff of that family's structures), and who answered a family's request (the family)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalice import Response

from enrolment import audit_log, staff
from enrolment.handlers import consumer
from shared import clock
from shared.auth import Role
from shared.errors import InvalidInput
from shared.events import accounts as accounts_ev
from shared.events import audit as ev
from shared.http import Api, Req

STAFF = (Role.MANAGER, Role.COORDINATOR, Role.ADMIN)
PARIS = ZoneInfo("Europe/Paris")

for _event in (ev.EnrolmentStaffActed, ev.PlanningStaffActed, ev.AccountsStaffActed):
    consumer.on(_event)(audit_log.record)
consumer.on(accounts_ev.StaffAccountCreated)(audit_log.remember_staff)
consumer.on(accounts_ev.StaffAccountChanged)(audit_log.remember_staff)


def _day(value: str | None, field: str, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("Indiquez la date au format AAAA-MM-JJ.", fields={field: "Format AAAA-MM-JJ."}) from None


def register(api: Api) -> None:
    @api.route("/staff/audit", roles=(Role.ADMIN,))
    def search(req: Req) -> Any:
        today = clock.now().astimezone(PARIS).date()
        end = _day(req.query.get("to"), "to", today)
        start = _day(req.query.get("from"), "from", end - timedelta(days=90))
        if start > end:
            raise InvalidInput("La date de début doit précéder la date de fin.", fields={"from": "Après la fin."})
        action = req.query.get("action") or ""
        if action and action not in audit_log.ACTION_LABELS:
            raise InvalidInput("Type d'action inconnu.", fields={"action": "Type inconnu."})
        filters = {"actor_id": req.query.get("actor_id") or "", "action": action,
                   "family_id": req.query.get("family_id") or "", "request_id": req.query.get("request_id") or ""}
        if req.query.get("format") == "csv":  # the whole search
            return Response(body=audit_log.to_csv(audit_log.search(start, end, **filters)), status_code=200,
                            headers={"Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
                                     "Content-Disposition": f'attachment; filename="journal-{start}-{end}.csv"'})
        rows, after = audit_log.search_page(start, end, **filters, after=req.query.get("after"))
        return {"from": start.isoformat(), "to": end.isoformat(), "items": rows, "next": after,
                "actions": audit_log.ACTION_LABELS}

    @api.route("/staff/families/{family_id}/audit", roles=STAFF)
    def family_audit(req: Req, family_id: str) -> dict[str, Any]:
        staff.family_for(req.principal, family_id)  # the family has a request in the caller's structures
        return {"items": audit_log.for_family(family_id)}

    @api.route("/family/answers", roles=(Role.FAMILY,))
    def my_answers(req: Req) -> dict[str, Any]:
        return {"items": audit_log.answers_of_family(req.principal.account_id)}

    @api.route("/family/answers/{request_id}", roles=(Role.FAMILY,))
    def answered_by(req: Req, request_id: str) -> dict[str, Any]:
        return {"items": audit_log.answers_to(req.principal.account_id, request_id)}
