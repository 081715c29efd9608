"""Chalice app of planning: the catalogue, the calendar, the families' plannings and the staff's views.
Routes are thin; the rules live in reservations, calendar, pattern and deadlines."""

from __future__ import annotations

import json
import re
from calendar import monthrange
from datetime import date, timedelta
from typing import Any

from chalice import Chalice, Response

from planning import catalogue, committee, decisions, feeds, jobs, reservations, schemas
from planning.handlers import consumer, logger
from planning.models import Config, Outbox, ReservationLine, ReservationRequest, Validation
from planning.pattern import PatternElement
from shared.auth import Role
from shared.errors import Forbidden, InvalidInput
from shared.events import planning as ev
from shared.http import Api, Req
from shared.outbox import register_relay

app = Chalice(app_name="portail-planning")
api = Api(app, logger)
api.health("planning")
consumer.register(app)
register_relay(app, "planning", Outbox)

FAMILY = (Role.FAMILY,)
STAFF = (Role.MANAGER, Role.COORDINATOR, Role.ADMIN)


def _month(value: str | None) -> str:
    if not value or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise InvalidInput("Indiquez le mois au format AAAA-MM.", fields={"month": "Format AAAA-MM."})
    return value


def _day(value: str | None, field: str = "date") -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise InvalidInput("Indiquez la date au format AAAA-MM-JJ.", fields={field: "Format AAAA-MM-JJ."}) from None


def _selection(body: schemas.PlanBody | schemas.AddBody) -> list[PatternElement]:
    return [PatternElement(e.weekday, e.slot_code, e.parity) for e in body.selection]


@api.route("/validations", roles=FAMILY)
def my_validations(req: Req) -> dict[str, Any]:
    items = reservations.validations(req.principal.account_id)
    return {"items": [{"child_id": v.child_id, "structure_id": v.structure_id, "activity": v.activity,
                       "status": v.status} for v in items]}


@api.route("/catalogue", roles=tuple(Role))
def get_catalogue(req: Req) -> dict[str, Any]:
    return {"structures": list(catalogue.structures().values()), "periods": list(catalogue.periods().values())}


@api.route("/catalogue/structures/{structure_id}", ("PUT",), roles=(Role.ADMIN,))
def put_structure(req: Req, structure_id: str) -> dict[str, Any]:
    body = req.body(schemas.StructureBody)
    catalogue.publish(ev.StructurePublished(structure_id=structure_id, **body.model_dump()), req.correlation_id)
    return catalogue.structures()[structure_id]


@api.route("/catalogue/periods/{period_id}", ("PUT",), roles=STAFF)
def put_period(req: Req, period_id: str) -> dict[str, Any]:
    body = req.body(schemas.PeriodBody)
    if body.structure_id not in catalogue.structures():
        raise InvalidInput("Cette structure n'existe pas.", fields={"structure_id": "Structure inconnue."})
    if not req.principal.can_manage(body.structure_id):
        raise Forbidden("Cette structure ne fait pas partie de vos structures.")
    period = {"period_id": period_id, **body.model_dump(mode="json", exclude_none=True)}
    catalogue.save_period(period)
    return period


@api.route("/catalogue/structures/{structure_id}/closures", ("POST",), roles=STAFF, status=201)
def add_closure(req: Req, structure_id: str) -> dict[str, Any]:
    body = req.body(schemas.ClosureBody)
    structure = catalogue.structures().get(structure_id)
    if structure is None:
        raise InvalidInput("Cette structure n'existe pas.", fields={"structure_id": "Structure inconnue."})
    if not req.principal.can_manage(structure_id):
        raise Forbidden("Cette structure ne fait pas partie de vos structures.")
    closures = [*structure["closures"], body.model_dump(mode="json")]
    catalogue.save_closures(structure_id, sorted(closures, key=lambda c: c["start"]))
    return catalogue.structures()[structure_id]


@api.route("/calendar", roles=tuple(Role))
def get_calendar(req: Req) -> dict[str, Any]:
    ctx = reservations.context(req.query.get("period_id") or "")
    year, month = (int(x) for x in _month(req.query.get("month")).split("-"))
    first = date(year, month, 1)
    start = first - timedelta(days=first.weekday())
    last = date(year, month, monthrange(year, month)[1])
    end = last + timedelta(days=6 - last.weekday())
    period, cal = ctx.period, ctx.calendar
    days, day = [], start
    while day <= end:
        reason = None
        if not period.start <= day <= period.end or day.weekday() not in period.weekdays:
            reason = "Hors période"
        elif name := cal.public_holiday_name(day):
            reason = f"Jour férié : {name}"
        elif cal.is_structure_closure(day):
            reason = "Fermeture de la structure"
        elif period.type == "school_days" and cal.is_school_holiday(day):
            reason = "Vacances scolaires"
        elif period.type == "holidays" and not cal.is_school_holiday(day):
            reason = "Période scolaire"
        if ctx.data["activity"] == "sejour" and reason and reason.startswith("Jour férié") \
                and period.start <= day <= period.end:
            reason = None  # a séjour runs on public holidays too
        days.append({"date": day.isoformat(), "open": reason is None, "reason": reason,
                     "in_month": day.month == month})
        day += timedelta(days=1)
    return {"period_id": ctx.data["period_id"], "month": f"{year:04d}-{month:02d}", "days": days}


# --- Mon planning ------------------------------------------------------------------------------------------

@api.route("/plannings", roles=FAMILY)
def plannings(req: Req) -> dict[str, Any]:
    items = reservations.open_plannings(req.principal.account_id)
    result: dict[str, Any] = {"items": items}
    if not any(i["status"] == "open" for i in items):
        result["message"] = ("Votre compte doit être validé par le responsable de la structure pour accéder au "
                             "planning de réservation. Un mail vous sera adressé dès que la validation sera effective.")
    return result


@api.route("/agenda", roles=FAMILY)
def agenda(req: Req) -> dict[str, Any]:
    month = _month(req.query.get("month"))
    return {"month": month, "lines": reservations.agenda(req.principal.account_id, month)}


@api.route("/requests/preview", ("POST",), roles=FAMILY)
def preview(req: Req) -> dict[str, Any]:
    body = req.body(schemas.PlanBody)
    p = reservations.plan(req.principal.account_id, body.child_id, body.period_id, _selection(body),
                          body.first_day_slots)
    return {"lines": [{"date": ln.date.isoformat(), "slot_code": ln.slot_code} for ln in p.lines],
            "recap": reservations.recap_view(p.ctx, p.lines), "skipped": p.skipped}


@api.route("/requests", ("POST",), roles=FAMILY, status=201)
def create_request(req: Req) -> dict[str, Any]:
    body = req.body(schemas.PlanBody)
    return reservations.create(req.principal.account_id, body.child_id, body.period_id, _selection(body),
                               body.first_day_slots, req.correlation_id)


@api.route("/requests", roles=FAMILY)
def list_requests(req: Req) -> dict[str, Any]:
    return {"items": reservations.history(req.principal.account_id)}


@api.route("/requests/{request_id}", roles=FAMILY)
def get_request(req: Req, request_id: str) -> dict[str, Any]:
    request = reservations.get_request(req.principal.account_id, request_id)
    ctx = reservations.context(request.period_id)
    lines = sorted(reservations.request_lines(request), key=lambda ln: (ln.date, ln.slot_code))
    return {**reservations.summary(request, ctx),
            "lines": [{"date": ln.date, "slot_code": ln.slot_code, "slot_label": ctx.label(ln.slot_code),
                       "status": ln.status, "status_label": reservations.STATUS_LABELS[ln.status]} for ln in lines]}


@api.route("/requests/{request_id}/lines", ("POST",), roles=FAMILY)
def add_lines(req: Req, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.AddBody)
    return reservations.add_lines(req.principal.account_id, request_id, _selection(body), body.first_day_slots,
                                  req.correlation_id)


@api.route("/requests/{request_id}/cancel", ("POST",), roles=FAMILY)
def cancel(req: Req, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.CancelBody)
    lines = [(ln.date.isoformat(), ln.slot_code) for ln in body.lines] if body.lines is not None else None
    return reservations.cancel(req.principal.account_id, request_id, lines, body.all, body.from_, body.preview,
                               req.correlation_id)


@api.route("/feed", roles=FAMILY)
def get_feed(req: Req) -> dict[str, Any]:
    return {"active": feeds.current(req.principal.account_id)}


@api.route("/feed", ("POST",), roles=FAMILY, status=201)
def renew_feed(req: Req) -> dict[str, Any]:
    return {"url": feeds.renew(req.principal.account_id), "active": True}


@api.route("/feed", ("DELETE",), roles=FAMILY)
def revoke_feed(req: Req) -> None:
    feeds.revoke(req.principal.account_id)


@api.route("/feeds/{name}")
def feed(req: Req, name: str) -> Response:
    secret = name.removesuffix(".ics")
    return Response(body=feeds.ics(feeds.family_of(secret)).decode("utf-8"), status_code=200,
                    headers={"Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "no-store"})


# --- staff -------------------------------------------------------------------------------------------------

def _structure(req: Req) -> str:
    structure_id = req.query.get("structure_id") or ""
    if structure_id not in catalogue.structures():
        raise InvalidInput("Choisissez une structure.", fields={"structure_id": "Structure inconnue."})
    if not req.principal.can_manage(structure_id):
        raise Forbidden("Cette structure ne fait pas partie de vos structures.")
    return structure_id


@api.route("/staff/occupancy", roles=STAFF)
def occupancy(req: Req) -> dict[str, Any]:
    structure_id = _structure(req)
    day = _day(req.query.get("date"))
    counts: dict[str, dict[str, int]] = {}
    for line in ReservationLine.by_day.query(f"OCC#{structure_id}#{day.isoformat()}"):
        per = counts.setdefault(line.slot_code, {})
        per[line.status] = per.get(line.status, 0) + 1
    periods = [p for p in catalogue.periods().values() if p["structure_id"] == structure_id
               and p["start"] <= day.isoformat() <= p["end"]]
    slots = []
    for period in periods:
        for slot in period["slots"]:
            per = counts.get(slot["code"], {})
            slots.append({"code": slot["code"], "label": slot["label"], "capacity": slot["capacity"],
                          "period_name": period["name"],
                          **{s: per.get(s, 0) for s in ("pending", "accepted", "waitlisted", "cancel_requested")}})
    return {"date": day.isoformat(), "structure_id": structure_id, "slots": slots}


def _staff_requests(structure_id: str) -> list[ReservationRequest]:
    return list(ReservationRequest.by_structure.query(f"STRUCTURE#{structure_id}"))


@api.route("/staff/requests", roles=STAFF)
def staff_requests(req: Req) -> dict[str, Any]:
    structure_id = _structure(req)
    wanted = req.query.get("status") or "pending"
    items = []
    for request in _staff_requests(structure_id):
        lines = reservations.request_lines(request)
        counts: dict[str, int] = {}
        for line in lines:
            counts[line.status] = counts.get(line.status, 0) + 1
        if counts.get(wanted):
            items.append({**reservations.summary(request), "family_id": request.family_id, "counts": counts})
    return {"items": items}


@api.route("/staff/cancellations", roles=STAFF)
def staff_cancellations(req: Req) -> dict[str, Any]:
    structure_id = _structure(req)
    items = []
    for request in _staff_requests(structure_id):
        asked = [ln for ln in reservations.request_lines(request) if ln.status == "cancel_requested"]
        if asked:
            items.append({**reservations.summary(request), "family_id": request.family_id,
                          "lines": [{"date": ln.date, "slot_code": ln.slot_code} for ln in asked]})
    return {"items": items}


# --- answers: decisions, committee, waiting list, cancellations -----------------------------------------

def _staff_request(req: Req, family_id: str, request_id: str) -> ReservationRequest:
    request = reservations.get_request(family_id, request_id)
    if not req.principal.can_manage(request.structure_id):
        raise Forbidden("Cette demande ne concerne pas vos structures.")
    return request


@api.route("/staff/requests/{family_id}/{request_id}", roles=STAFF)
def staff_request(req: Req, family_id: str, request_id: str) -> dict[str, Any]:
    request = _staff_request(req, family_id, request_id)
    ctx = reservations.context(request.period_id)
    lines = sorted(reservations.request_lines(request), key=lambda ln: (ln.date, ln.slot_code))
    score, parts = committee.score(decisions.facts(request), decisions.weights())
    return {**reservations.summary(request, ctx), "family_id": family_id,
            "pattern": json.loads(request.pattern or "[]"), "score": score,
            "parts": [{"criterion": k, "label": committee.CRITERIA_LABELS[k], "points": v} for k, v in parts.items()],
            "outcomes": [o.model_dump() for o in decisions.outcomes_of(ctx, request, lines)],
            "lines": [{"date": ln.date, "slot_code": ln.slot_code, "slot_label": ctx.label(ln.slot_code),
                       "status": ln.status, "reason": ln.reason} for ln in lines]}


@api.route("/staff/requests/{family_id}/{request_id}/decide", ("POST",), roles=STAFF)
def decide(req: Req, family_id: str, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.DecideBody)
    request = _staff_request(req, family_id, request_id)
    result = decisions.decide(request, [e.model_dump() for e in body.elements],
                              [{**ln.model_dump(), "date": ln.date.isoformat()} for ln in body.lines],
                              req.correlation_id)
    return {**staff_request(req, family_id, request_id), **result}


@api.route("/staff/requests/{family_id}/{request_id}/cancellations/confirm", ("POST",), roles=STAFF)
def confirm_cancellations(req: Req, family_id: str, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.ConfirmBody)
    request = _staff_request(req, family_id, request_id)
    only = {(ln.date.isoformat(), ln.slot_code) for ln in body.lines} if body.lines is not None else None
    return decisions.confirm_cancellations(request, only, req.correlation_id)


@api.route("/staff/waitlist", roles=STAFF)
def waitlist(req: Req) -> dict[str, Any]:
    structure_id = _structure(req)
    items = []
    for request in _staff_requests(structure_id):
        waiting = [ln for ln in reservations.request_lines(request) if ln.status == "waitlisted"]
        if waiting:
            items.append({**reservations.summary(request), "family_id": request.family_id,
                          "priority": max(int(ln.priority or 0) for ln in waiting), "waiting_lines": len(waiting),
                          "first": min(ln.date for ln in waiting), "last": max(ln.date for ln in waiting)})
    items.sort(key=lambda i: (-i["priority"], i["created_at"]))
    for rank, item in enumerate(items, start=1):
        item["rank"] = rank
    return {"items": items}


@api.route("/staff/families/{family_id}/flag", ("POST",), roles=STAFF)
def flag(req: Req, family_id: str) -> dict[str, Any]:
    body = req.body(schemas.FlagBody)
    if not req.principal.can_manage(body.structure_id):
        raise Forbidden("Cette structure ne fait pas partie de vos structures.")
    rows = [v for v in reservations.validations(family_id)
            if v.child_id == body.child_id and v.structure_id == body.structure_id]
    if not rows:
        raise InvalidInput("Cet enfant n'est pas validé dans cette structure.", fields={"child_id": "Inconnu."})
    for row in rows:
        row.update(actions=[Validation.priority_flag.set(body.flag)])
    return {"child_id": body.child_id, "structure_id": body.structure_id, "flag": body.flag}


@api.route("/staff/committee/criteria", roles=STAFF)
def get_criteria(req: Req) -> dict[str, Any]:
    return {"weights": decisions.weights(), "labels": committee.CRITERIA_LABELS}


@api.route("/staff/committee/criteria", ("PUT",), roles=(Role.ADMIN,))
def put_criteria(req: Req) -> dict[str, Any]:
    body = req.body(schemas.CriteriaBody)
    Config(*Config.key("CRITERIA"), data=json.dumps(body.model_dump())).save()
    return {"weights": decisions.weights(), "labels": committee.CRITERIA_LABELS}


def _period_in_scope(req: Req, period_id: str) -> None:
    ctx = reservations.context(period_id)
    if not req.principal.can_manage(ctx.data["structure_id"]):
        raise Forbidden("Cette période ne concerne pas vos structures.")


def _job_view(job: Any, with_rows: bool) -> dict[str, Any]:
    view = {"job_id": job.job_id, "period_id": job.period_id, "status": job.status,
            "options": json.loads(job.options or "{}"), "summary": json.loads(job.summary) if job.summary else None,
            "created_at": job.created_at.isoformat()}
    if with_rows and job.status in ("simulated", "publishing", "published"):
        view["rows"] = jobs.rows(job.job_id)
    return view


@api.route("/staff/committee/{period_id}/jobs", ("POST",), roles=(Role.MANAGER, Role.COMMITTEE, Role.ADMIN,
                                                                  Role.COORDINATOR), status=202)
def start_committee(req: Req, period_id: str) -> dict[str, Any]:
    _period_in_scope(req, period_id)
    body = req.body(schemas.CommitteeBody)
    return _job_view(jobs.request_job(period_id, body.model_dump(), req.correlation_id), with_rows=False)


@api.route("/staff/committee/{period_id}/jobs/{job_id}", roles=(Role.MANAGER, Role.COMMITTEE, Role.ADMIN,
                                                                 Role.COORDINATOR))
def committee_job(req: Req, period_id: str, job_id: str) -> dict[str, Any]:
    _period_in_scope(req, period_id)
    return _job_view(jobs.get_job(period_id, job_id), with_rows=True)


@api.route("/staff/committee/{period_id}/jobs/{job_id}/publish", ("POST",),
           roles=(Role.MANAGER, Role.COMMITTEE, Role.ADMIN, Role.COORDINATOR), status=202)
def publish_committee(req: Req, period_id: str, job_id: str) -> dict[str, Any]:
    _period_in_scope(req, period_id)
    return _job_view(jobs.request_publication(period_id, job_id, req.correlation_id), with_rows=False)
