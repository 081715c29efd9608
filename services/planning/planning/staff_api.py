"""Planning's staff routes: occupancy and the capacity board, the request queue and its decisions,
cancellations, the waiting list, the period's answer settings and the placement committee. Every
route checks that the structure (or the request's, the period's) is one of the staff member's."""

from __future__ import annotations

import json
import re
from calendar import monthrange
from datetime import date
from typing import Any

from planning import answers, committee, daylists, decisions, jobs, reservations, schemas
from planning.http_app import COMMITTEE, STAFF, api, month_param, structure_param
from planning.models import CommitteeJob, Config, ReservationRequest, Validation
from planning.names import NameBook
from planning.reservations import PeriodContext
from shared.auth import Role
from shared.errors import Forbidden, InvalidInput
from shared.http import Req

LIST_STATUSES = ("pending", "waitlisted", "offered", "accepted", "refused", "cancel_requested", "all")


def _period(req: Req, period_id: str, structure_id: str | None = None) -> PeriodContext:
    """A period of the staff member's structures (of ``structure_id`` when given)."""
    ctx = reservations.context(period_id)
    if not req.principal.can_manage(ctx.data["structure_id"]):
        raise Forbidden("Cette période ne concerne pas vos structures.")
    if structure_id and ctx.data["structure_id"] != structure_id:
        raise InvalidInput("Cette période n'est pas celle de la structure choisie.",
                           fields={"period_id": "Autre structure."})
    return ctx


def _staff_requests(structure_id: str, period_id: str | None = None) -> list[ReservationRequest]:
    items = ReservationRequest.by_structure.query(f"STRUCTURE#{structure_id}")
    return [r for r in items if not period_id or r.period_id == period_id]


def _child_name(request: ReservationRequest, names: dict[str, dict[str, str | None]]) -> str | None:
    """The child's first name: on the request, or (older requests) from the family's validations."""
    if request.child_first_name:
        return request.child_first_name
    if request.family_id not in names:
        names[request.family_id] = {v.child_id: v.child_first_name for v in reservations.validations(request.family_id)}
    return names[request.family_id].get(request.child_id)


# --- occupancy and capacity ------------------------------------------------------------------------------

@api.route("/staff/occupancy", roles=STAFF)
def occupancy(req: Req) -> dict[str, Any]:
    """One day's slots per open period (the structure's next open day without a date): see daylists."""
    structure_id = structure_param(req)
    return daylists.occupancy(structure_id, daylists.requested_day(req, structure_id))


@api.route("/staff/board", roles=STAFF)
def board(req: Req) -> dict[str, Any]:
    """The month's places per slot and day: the catalogue, then one Query on the period's counters."""
    ctx = _period(req, req.query.get("period_id") or "", req.query.get("structure_id"))
    structure_id = ctx.data["structure_id"]
    month = month_param(req.query.get("month"))
    year, number = (int(x) for x in month.split("-"))
    taken = decisions.places_taken(ctx.period_id, month)
    slots = [{"code": s["code"], "label": s["label"], "capacity": int(s["capacity"])} for s in ctx.data["slots"]]
    days = []
    for n in range(1, monthrange(year, number)[1] + 1):
        day = date(year, number, n)
        reason = reservations.closed_reason(ctx, day)
        cells = []
        if reason is None:
            for slot in slots:
                used = taken.get((day.isoformat(), slot["code"]), 0)
                cells.append({"code": slot["code"], "capacity": slot["capacity"], "taken": used,
                              "free": max(slot["capacity"] - used, 0)})
        days.append({"date": day.isoformat(), "open": reason is None, "reason": reason, "slots": cells})
    return {"structure_id": structure_id, "period_id": ctx.period_id, "period_name": ctx.data["name"],
            "month": month, "slots": slots, "days": days}


@api.route("/staff/periods/{period_id}/settings", ("PUT",), roles=STAFF)
def period_settings(req: Req, period_id: str) -> dict[str, Any]:
    body = req.body(schemas.SettingsBody)
    ctx = _period(req, period_id)
    codes = {s["code"] for s in ctx.data["slots"]}
    unknown = sorted(set(body.capacities) - codes)
    if unknown:
        raise InvalidInput("Ce créneau n'existe pas dans la période.", fields={"capacities": ", ".join(unknown)})
    settings = body.model_dump(mode="json", exclude={"capacities"})
    period = {**ctx.data, **settings,
              "slots": [{**s, "capacity": body.capacities.get(s["code"], s["capacity"])} for s in ctx.data["slots"]]}
    if period["pre_enrolment"] is None:
        period.pop("pre_enrolment")
    promoted = decisions.save_period(period, req.correlation_id)
    return {**period, "promoted_requests": promoted}


# --- the request queue and decisions ---------------------------------------------------------------------

@api.route("/staff/requests", roles=STAFF)
def staff_requests(req: Req) -> dict[str, Any]:
    """The structure's requests with their answer; filters: a line status, a period, a child or number."""
    structure_id = structure_param(req)
    wanted = req.query.get("status") or "pending"
    if wanted not in LIST_STATUSES:
        raise InvalidInput("Ce statut n'existe pas.", fields={"status": " ou ".join(LIST_STATUSES)})
    text = req.query.get("q") or ""
    book = NameBook()
    contexts = reservations.Contexts()
    items = []
    for request in _staff_requests(structure_id, req.query.get("period_id")):
        who = book.of(request)
        child = who.child_first_name
        if not who.matches(text, request.number):
            continue
        counts: dict[str, int] = {}
        for line in reservations.request_lines(request):
            counts[line.status] = counts.get(line.status, 0) + 1
        if wanted != "all" and not counts.get(wanted):
            continue
        ctx = contexts[request.period_id]
        answer = answers.answer_of(counts)
        items.append({**reservations.summary(request, ctx), "family_id": request.family_id, "child_first_name": child,
                      "child_name": who.child_name, "family_name": who.family_name, "counts": counts,
                      "answer": answer, "answer_label": answers.LABELS[answer]})
    return {"items": items}


def _staff_request(req: Req, family_id: str, request_id: str) -> ReservationRequest:
    request = reservations.get_request(family_id, request_id)
    if not req.principal.can_manage(request.structure_id):
        raise Forbidden("Cette demande ne concerne pas vos structures.")
    return request


def _request_view(request: ReservationRequest) -> dict[str, Any]:
    ctx = reservations.context(request.period_id)
    lines = sorted(reservations.request_lines(request), key=lambda ln: (ln.date, ln.slot_code))
    score, parts = committee.score(decisions.facts(request), decisions.weights())
    answer = answers.answer_of(ln.status for ln in lines)
    who = NameBook().of(request)
    return {**reservations.summary(request, ctx), "family_id": request.family_id,
            "child_first_name": who.child_first_name, "child_name": who.child_name, "family_name": who.family_name,
            "pattern": json.loads(request.pattern or "[]"),
            "score": score, "answer": answer, "answer_label": answers.LABELS[answer],
            "parts": [{"criterion": k, "label": committee.CRITERIA_LABELS[k], "points": v} for k, v in parts.items()],
            "elements": decisions.element_views(ctx, request, lines),
            "outcomes": [o.model_dump() for o in decisions.outcomes_of(ctx, request, lines)],
            "lines": [{"date": ln.date, "slot_code": ln.slot_code, "slot_label": ctx.label(ln.slot_code),
                       "status": ln.status, "status_label": reservations.STATUS_LABELS[ln.status],
                       "reason": ln.reason or ""} for ln in lines]}


@api.route("/staff/requests/{family_id}/{request_id}", roles=STAFF)
def staff_request(req: Req, family_id: str, request_id: str) -> dict[str, Any]:
    return _request_view(_staff_request(req, family_id, request_id))


@api.route("/staff/requests/{family_id}/{request_id}/decide", ("POST",), roles=STAFF)
def decide(req: Req, family_id: str, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.DecideBody)
    request = _staff_request(req, family_id, request_id)
    result = decisions.decide(request, [e.model_dump() for e in body.elements],
                              [{**ln.model_dump(), "date": ln.date.isoformat()} for ln in body.lines],
                              req.correlation_id)
    request.refresh()
    return {**_request_view(request), **result}


@api.route("/staff/cancellations", roles=STAFF)
def staff_cancellations(req: Req) -> dict[str, Any]:
    structure_id = structure_param(req)
    book = NameBook()
    items = []
    for request in _staff_requests(structure_id):
        asked = [ln for ln in reservations.request_lines(request) if ln.status == "cancel_requested"]
        if asked:
            who = book.of(request)
            items.append({**reservations.summary(request), "family_id": request.family_id,
                          "child_first_name": who.child_first_name, "child_name": who.child_name,
                          "family_name": who.family_name,
                          "lines": [{"date": ln.date, "slot_code": ln.slot_code} for ln in asked]})
    return {"items": items}


@api.route("/staff/requests/{family_id}/{request_id}/cancellations/confirm", ("POST",), roles=STAFF)
def confirm_cancellations(req: Req, family_id: str, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.ConfirmBody)
    request = _staff_request(req, family_id, request_id)
    only = {(ln.date.isoformat(), ln.slot_code) for ln in body.lines} if body.lines is not None else None
    return decisions.confirm_cancellations(request, only, req.correlation_id)


# --- the waiting list ------------------------------------------------------------------------------------

@api.route("/staff/waitlist", roles=STAFF)
def waitlist(req: Req) -> dict[str, Any]:
    """The waiting requests, ranked (score, then request date), with what could be placed right now and
    the places offered to them that wait for the family's reply."""
    structure_id = structure_param(req)
    period_id = req.query.get("period_id") or None
    if period_id:
        _period(req, period_id, structure_id)
    book = NameBook()
    contexts = reservations.Contexts()
    taken: dict[str, dict[tuple[str, str], int]] = {}
    items = []
    for request in _staff_requests(structure_id, period_id):
        lines = reservations.request_lines(request)
        waiting = [ln for ln in lines if ln.status == "waitlisted"]
        offered = [ln for ln in lines if ln.status == "offered"]
        if not waiting and not offered:
            continue
        ctx = contexts[request.period_id]
        if request.period_id not in taken:  # one Query per period
            taken[request.period_id] = decisions.places_taken(request.period_id)
        placeable = sum(1 for ln in waiting if decisions.has_place(ctx, taken[request.period_id], ln))
        who = book.of(request)
        items.append({**reservations.summary(request, ctx), "family_id": request.family_id,
                      "child_first_name": who.child_first_name, "child_name": who.child_name,
                      "family_name": who.family_name,
                      "priority": max(int(ln.priority or 0) for ln in waiting + offered),
                      "waiting_lines": len(waiting), "offered_lines": len(offered),
                      "offer_until": min((ln.offer_until or "" for ln in offered), default=None),
                      "first": min(ln.date for ln in waiting + offered),
                      "last": max(ln.date for ln in waiting + offered),
                      "placeable": placeable, "mode": ctx.data.get("waitlist_mode", "auto")})
    items.sort(key=lambda i: (-i["priority"], i["created_at"]))
    for rank, item in enumerate(items, start=1):
        item["rank"] = rank
    return {"items": items}


@api.route("/staff/waitlist/promote", ("POST",), roles=STAFF)
def promote_waitlist(req: Req) -> dict[str, Any]:
    """The manager gives the period's free places to its waiting list, in order."""
    body = req.body(schemas.PeriodRef)
    ctx = _period(req, body.period_id)
    promoted = decisions.promote_waiting(ctx, req.correlation_id)
    return {"promoted_requests": promoted}


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


# --- the placement committee -----------------------------------------------------------------------------

@api.route("/staff/committee/criteria", roles=COMMITTEE)
def get_criteria(req: Req) -> dict[str, Any]:
    return {"weights": decisions.weights(), "labels": committee.CRITERIA_LABELS}


@api.route("/staff/committee/criteria", ("PUT",), roles=(Role.ADMIN,))
def put_criteria(req: Req) -> dict[str, Any]:
    body = req.body(schemas.CriteriaBody)
    Config(*Config.key("CRITERIA"), data=json.dumps(body.model_dump())).save()
    return {"weights": decisions.weights(), "labels": committee.CRITERIA_LABELS}


ROWS_PAGE = 500


def _job_view(job: CommitteeJob, req: Req | None = None) -> dict[str, Any]:
    """A committee run; with ``req``, a page of its rows (``?after=<rank>``, 500 a page)."""
    view: dict[str, Any] = {
        "job_id": job.job_id, "period_id": job.period_id, "status": job.status,
        "options": json.loads(job.options or "{}"), "summary": json.loads(job.summary) if job.summary else None,
        "published_rows": int(job.published or 0), "created_at": job.created_at.isoformat()}
    if req is not None and job.status in ("simulated", "publishing", "published"):
        after = req.query.get("after") or "0"
        if not re.fullmatch(r"[0-9]{1,9}", after):  # not str.isdigit: "²" is a digit int() refuses
            raise InvalidInput("Indiquez un rang.", fields={"after": "Nombre entier."})
        view["rows"] = jobs.rows(job.job_id, int(after), ROWS_PAGE)
        view["next_after"] = view["rows"][-1]["rank"] if len(view["rows"]) == ROWS_PAGE else None
    return view


@api.route("/staff/committee/{period_id}/jobs", roles=COMMITTEE)
def committee_jobs(req: Req, period_id: str) -> dict[str, Any]:
    _period(req, period_id)
    return {"items": [_job_view(job) for job in jobs.jobs_of(period_id)]}


@api.route("/staff/committee/{period_id}/jobs", ("POST",), roles=COMMITTEE, status=202)
def start_committee(req: Req, period_id: str) -> dict[str, Any]:
    _period(req, period_id)
    body = req.body(schemas.CommitteeBody)
    return _job_view(jobs.request_job(period_id, body.model_dump(), req.correlation_id))


@api.route("/staff/committee/{period_id}/jobs/{job_id}", roles=COMMITTEE)
def committee_job(req: Req, period_id: str, job_id: str) -> dict[str, Any]:
    _period(req, period_id)
    return _job_view(jobs.get_job(period_id, job_id), req)


@api.route("/staff/committee/{period_id}/jobs/{job_id}/publish", ("POST",), roles=COMMITTEE, status=202)
def publish_committee(req: Req, period_id: str, job_id: str) -> dict[str, Any]:
    _period(req, period_id)
    return _job_view(jobs.request_publication(period_id, job_id, req.correlation_id))
