"""Planning's staff routes: occupancy and the capacity board, the request queue and its decisions,
cancellations, the waiting list, the period's answer settings and the placement committee. Every
route checks that the structure (or the request's, the period's) is one of the staff member's."""

from __future__ import annotations

import json
import re
from calendar import monthrange
from datetime import date
from typing import Any

from chalice import Response
from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.condition import Condition

from planning import (
    answers,
    catalogue,
    catalogue_admin,
    committee,
    daylists,
    decisions,
    jobs,
    lifecycle,
    pages,
    reservations,
    schemas,
)
from planning.http_app import COMMITTEE, STAFF, api, month_param, structure_param
from planning.models import CatalogueItem, CommitteeJob, ReservationRequest, Validation
from planning.names import NameBook
from planning.reservations import PeriodContext
from shared import audit, clock
from shared.auth import Role
from shared.ddb import transaction
from shared.errors import ApiError, Conflict, Forbidden, InvalidInput
from shared.http import Req

LIST_STATUSES = ("pending", "waitlisted", "offered", "accepted", "refused", "cancel_requested", "all")


def _period(req: Req, period_id: str, structure_id: str | None = None,
            snap: catalogue.Snapshot | None = None) -> PeriodContext:
    """A period of the staff member's structures (of ``structure_id`` when given)."""
    ctx = reservations.context(period_id, snap)
    if not req.principal.can_manage(ctx.data["structure_id"]):
        raise Forbidden("Cette période ne concerne pas vos structures.")
    if structure_id and ctx.data["structure_id"] != structure_id:
        raise InvalidInput("Cette période n'est pas celle de la structure choisie.",
                           fields={"period_id": "Autre structure."})
    return ctx


# --- occupancy and capacity ------------------------------------------------------------------------------

@api.route("/staff/occupancy", roles=STAFF)
def occupancy(req: Req) -> dict[str, Any]:
    """One day's slots per open period (the structure's next open day without a date): see daylists."""
    snap = catalogue.snapshot()  # read once: the structure, its periods and closures
    structure_id = structure_param(req, snap)
    return daylists.occupancy(structure_id, daylists.requested_day(req, structure_id, snap), snap)


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
    snap = catalogue.snapshot()  # one read: the period, and the version the write is conditional on
    ctx = _period(req, period_id, snap=snap)
    codes = {s["code"] for s in ctx.data["slots"]}
    unknown = sorted(set(body.capacities) - codes)
    if unknown:
        raise InvalidInput("Ce créneau n'existe pas dans la période.", fields={"capacities": ", ".join(unknown)})
    settings = body.model_dump(mode="json", exclude={"capacities"})
    period = {**ctx.data, **settings,
              "slots": [{**s, "capacity": body.capacities.get(s["code"], s["capacity"])} for s in ctx.data["slots"]]}
    if period["pre_enrolment"] is None:
        period.pop("pre_enrolment")
    # Through the back office's write: version-conditional, a capacity change set on its cells (decision 106).
    return catalogue_admin.save_period(period_id, {k: v for k, v in period.items() if k != "period_id"},
                                       req.correlation_id, snap)


# --- the request queue and decisions ---------------------------------------------------------------------

PAGE = 100  # requests read per page of a staff list (one Query)


def _both(a: Condition | None, b: Condition) -> Condition:
    return b if a is None else a & b


def _with_status(status: str) -> Condition:
    """Requests with a line in ``status`` (its count kept on the request), or written before the counts."""
    return ((getattr(ReservationRequest, f"count_{status}") > 0) | ReservationRequest.counted.does_not_exist()
            | (ReservationRequest.counted == False))  # noqa: E712


@api.route("/staff/requests", roles=STAFF)
def staff_requests(req: Req) -> dict[str, Any]:
    """The structure's requests with their answer, a page at a time (``?after=``, one Query); filters: a line
    status, a period, a child or number (the last on the page read)."""
    snap = catalogue.snapshot()
    structure_id = structure_param(req, snap)
    wanted = req.query.get("status") or "pending"
    if wanted not in LIST_STATUSES:
        raise InvalidInput("Ce statut n'existe pas.", fields={"status": " ou ".join(LIST_STATUSES)})
    text = req.query.get("q") or ""
    condition: Condition | None = None
    if req.query.get("period_id"):
        condition = ReservationRequest.period_id == req.query["period_id"]
    if wanted != "all":
        condition = _both(condition, _with_status(wanted))
    page, after = pages.query_page(ReservationRequest, f"STRUCTURE#{structure_id}", index="gsi1", condition=condition,
                                   limit=PAGE, cursor=req.query.get("after"))
    book = NameBook()
    contexts = reservations.Contexts(snap=snap)
    items = []
    for request in page:
        who = book.of(request)
        child = who.child_first_name
        if not who.matches(text, request.number):
            continue
        counts = reservations.counts_of(request)
        if wanted != "all" and not counts.get(wanted):
            continue
        ctx = contexts[request.period_id]
        answer = answers.answer_of(counts)
        items.append({**reservations.summary(request, ctx), "family_id": request.family_id, "child_first_name": child,
                      "child_name": who.child_name, "family_name": who.family_name, "counts": counts,
                      "answer": answer, "answer_label": answers.LABELS[answer]})
    return {"items": items, "next": after}


def _staff_request(req: Req, family_id: str, request_id: str) -> reservations.FamilyRequest:
    """The request with its family's partition (validations, other requests: the score's facts), one Query."""
    found = reservations.family_request(family_id, request_id)
    if not req.principal.can_manage(found.request.structure_id):
        raise Forbidden("Cette demande ne concerne pas vos structures.")
    return found


def _request_view(found: reservations.FamilyRequest, ctx: PeriodContext | None = None,
                  lines: list[Any] | None = None, weights: dict[str, int] | None = None) -> dict[str, Any]:
    """The decision page: the request, its lines, its elements and score. Beside the family's partition it
    reads the request's lines and the criteria, unless the decision just did; the names come from the lines
    (the catalogue only for a request without any)."""
    request = found.request
    lines = sorted(lines if lines is not None else reservations.request_lines(request),
                   key=lambda ln: (ln.date, ln.slot_code))
    names: reservations.Labelled = ctx or reservations.LineLabels.of(lines) or reservations.context(request.period_id)
    facts = decisions.facts(request, found.validations, decisions.sibling_enrolled(request, found.requests))
    score, parts = committee.score(facts, weights if weights is not None else decisions.weights())
    answer = answers.answer_of(ln.status for ln in lines)
    who = NameBook({request.family_id: found.validations}).of(request)  # the validations are read already
    return {**reservations.summary(request, names), "family_id": request.family_id,
            "child_first_name": who.child_first_name, "child_name": who.child_name, "family_name": who.family_name,
            "pattern": json.loads(request.pattern or "[]"),
            "score": score, "answer": answer, "answer_label": answers.LABELS[answer],
            "parts": [{"criterion": k, "label": committee.CRITERIA_LABELS[k], "points": v} for k, v in parts.items()],
            "elements": decisions.element_views(names, request, lines),
            "outcomes": [o.model_dump() for o in decisions.outcomes_of(names, request, lines)],
            "lines": [{"date": ln.date, "slot_code": ln.slot_code, "slot_label": names.label(ln.slot_code),
                       "status": ln.status, "status_label": lifecycle.label(ln.status),
                       "reason": ln.reason or ""} for ln in lines]}


@api.route("/staff/requests/{family_id}/{request_id}", roles=STAFF)
def staff_request(req: Req, family_id: str, request_id: str) -> dict[str, Any]:
    return _request_view(_staff_request(req, family_id, request_id))


@api.route("/staff/requests/{family_id}/{request_id}/decide", ("POST",), roles=STAFF)
def decide(req: Req, family_id: str, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.DecideBody)
    found = _staff_request(req, family_id, request_id)
    try:
        decided = decisions.decide(found, [e.model_dump() for e in body.elements],
                                   [{**ln.model_dump(), "date": ln.date.isoformat()} for ln in body.lines],
                                   req.correlation_id)
    except PynamoDBException:  # throttled or unavailable: what was written stays, the same answer again ends it
        raise ApiError("Le service est momentanément surchargé : la réponse n'a pas été enregistrée en entier, "
                       "envoyez-la à nouveau dans quelques instants.", code="unavailable",
                       fields={"elements": "Non enregistrée."}, status=503) from None
    if not decided.fresh:  # a race made some moves go one by one: what is written is read again
        return {**_request_view(_staff_request(req, family_id, request_id)), **decided.result}
    return {**_request_view(found, decided.ctx, decided.lines, decided.weights), **decided.result}


def _cells(values: set[str] | None) -> list[dict[str, str]]:
    return [{"date": day, "slot_code": slot} for day, slot in sorted(v.split("#", 1) for v in values or ())]


@api.route("/staff/cancellations", roles=STAFF)
def staff_cancellations(req: Req) -> dict[str, Any]:
    """The requests with cancellations to confirm, a page at a time (one Query): the dates asked are kept
    on the request by the transitions that ask or confirm them."""
    snap = catalogue.snapshot()
    structure_id = structure_param(req, snap)
    page, after = pages.query_page(ReservationRequest, f"STRUCTURE#{structure_id}", index="gsi1",
                                   condition=_with_status("cancel_requested"), limit=PAGE,
                                   cursor=req.query.get("after"))
    book = NameBook()
    contexts = reservations.Contexts(snap=snap)
    items = []
    for request in page:
        if request.counted:
            asked = _cells(request.cancel_cells)
        else:  # written before the counts: its lines say it
            asked = [{"date": ln.date, "slot_code": ln.slot_code} for ln in reservations.request_lines(request)
                     if ln.status == "cancel_requested"]
        if asked:
            who = book.of(request)
            items.append({**reservations.summary(request, contexts[request.period_id]), "family_id": request.family_id,
                          "child_first_name": who.child_first_name, "child_name": who.child_name,
                          "family_name": who.family_name, "counts": reservations.counts_of(request),
                          "lines": asked})
    return {"items": items, "next": after}


@api.route("/staff/requests/{family_id}/{request_id}/cancellations/confirm", ("POST",), roles=STAFF)
def confirm_cancellations(req: Req, family_id: str, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.ConfirmBody)
    found = _staff_request(req, family_id, request_id)
    only = {(ln.date.isoformat(), ln.slot_code) for ln in body.lines} if body.lines is not None else None
    return decisions.confirm_cancellations(found.request, only, req.correlation_id, contact=found.contact,
                                           known_contact=True)


# --- the waiting list ------------------------------------------------------------------------------------

@api.route("/staff/waitlist", roles=STAFF)
def waitlist(req: Req) -> dict[str, Any]:
    """The waiting requests in their order (score, then request date) from the structure's ranked index,
    a page at a time (one Query, ``?after=`` and ``?rank=`` the last rank shown), with what could be placed
    right now (one Query of each period's counters) and the places offered that wait for the family."""
    snap = catalogue.snapshot()
    structure_id = structure_param(req, snap)
    period_id = req.query.get("period_id") or None
    if period_id:
        _period(req, period_id, structure_id)
    rank = req.query.get("rank") or "0"
    if not (rank.isascii() and rank.isdigit() and len(rank) <= 6):
        raise InvalidInput("Indiquez un rang.", fields={"rank": "Nombre entier."})
    condition: Condition = (ReservationRequest.count_waitlisted > 0) | (ReservationRequest.count_offered > 0)
    if period_id:
        condition &= ReservationRequest.period_id == period_id
    page, after = pages.query_page(ReservationRequest, f"WAITLIST#{structure_id}", index="gsi2", condition=condition,
                                   limit=PAGE, cursor=req.query.get("after"))
    book = NameBook()
    contexts = reservations.Contexts(snap=snap)
    taken: dict[str, dict[tuple[str, str], int]] = {}
    items = []
    for n, request in enumerate(page, start=int(rank) + 1):
        ctx = contexts[request.period_id]
        if request.period_id not in taken:  # one Query per period
            taken[request.period_id] = decisions.places_taken(request.period_id)
        waiting = sorted(tuple(v.split("#", 1)) for v in request.wait_cells or ())
        placeable = sum(1 for day, slot in waiting if taken[request.period_id].get((day, slot), 0)
                        < decisions.capacity_of(ctx, slot))
        who = book.of(request)
        items.append({**reservations.summary(request, ctx), "family_id": request.family_id,
                      "child_first_name": who.child_first_name, "child_name": who.child_name,
                      "family_name": who.family_name, "rank": n,
                      "priority": int(request.priority or 0),
                      "waiting_lines": int(request.count_waitlisted or 0),
                      "offered_lines": int(request.count_offered or 0),
                      "offer_until": request.offer_until if request.count_offered else None,
                      "first": waiting[0][0] if waiting else request.first_date,
                      "last": waiting[-1][0] if waiting else request.last_date,
                      "placeable": placeable, "mode": ctx.data.get("waitlist_mode", "auto"),
                      "offer_reply_days": decisions.offer_days(ctx)})
    return {"items": items, "next": after, "next_rank": int(rank) + len(items)}


@api.route("/staff/waitlist/promote", ("POST",), roles=STAFF)
def promote_waitlist(req: Req) -> dict[str, Any]:
    """The manager gives the period's free places to its waiting list, in order."""
    body = req.body(schemas.PeriodRef)
    ctx = _period(req, body.period_id)
    until = decisions.offer_deadline(ctx)
    promoted = decisions.promote_waiting(ctx, req.correlation_id)
    if not promoted:
        audit.unchanged()  # no place given: nothing was written, nothing to record
    # Said as it happened: with a reply delay the places are offered (held until ``offer_until``), not given.
    return {"promoted_requests": promoted, "offered": until is not None, "offer_until": until,
            "offer_reply_days": decisions.offer_days(ctx)}


@api.route("/staff/families/{family_id}/flag", ("POST",), roles=STAFF)
def flag(req: Req, family_id: str) -> dict[str, Any]:
    body = req.body(schemas.FlagBody)
    if not req.principal.can_manage(body.structure_id):
        raise Forbidden("Cette structure ne fait pas partie de vos structures.")
    rows = [v for v in reservations.validations(family_id)
            if v.child_id == body.child_id and v.structure_id == body.structure_id]
    if not rows:
        raise InvalidInput("Cet enfant n'est pas validé dans cette structure.", fields={"child_id": "Inconnu."})
    with transaction() as tx:  # the flag and the action's audit event together
        for row in rows:
            tx.update(row, actions=[Validation.priority_flag.set(body.flag)], condition=Validation.pk.exists())
    return {"child_id": body.child_id, "structure_id": body.structure_id, "flag": body.flag}


# --- the placement committee -----------------------------------------------------------------------------

@api.route("/staff/committee/criteria", roles=COMMITTEE)
def get_criteria(req: Req) -> dict[str, Any]:
    return {"weights": decisions.weights(), "labels": committee.CRITERIA_LABELS}


@api.route("/staff/committee/criteria", ("PUT",), roles=(Role.ADMIN,))
def put_criteria(req: Req) -> dict[str, Any]:
    body = req.body(schemas.CriteriaBody)
    with transaction() as tx:  # with the admin's audit event (decision 101)
        tx.save(CatalogueItem(*CatalogueItem.key("criteria", "current"), kind="criteria",
                              data=json.dumps(body.model_dump()), changed_at=clock.now()))
    return {"weights": dict(body.model_dump()), "labels": committee.CRITERIA_LABELS}


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


@api.route("/staff/committee/{period_id}/jobs/{job_id}/export", roles=COMMITTEE)
def export_committee(req: Req, period_id: str, job_id: str) -> Response:
    """The simulation's ranking as a CSV file (« Exporter le classement »)."""
    _period(req, period_id)
    job = jobs.get_job(period_id, job_id)
    if job.status not in ("simulated", "publishing", "published"):
        raise Conflict("Cette simulation n'est pas terminée.", fields={"job_id": job.status})
    name = f"classement-commission-{period_id}-{job.created_at:%Y-%m-%d-%H%M}.csv"
    return Response(body=jobs.ranking_csv(job), status_code=200,
                    headers={"Content-Type": "text/csv; charset=utf-8",
                             "Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


@api.route("/staff/committee/{period_id}/jobs/{job_id}/publish", ("POST",), roles=COMMITTEE, status=202)
def publish_committee(req: Req, period_id: str, job_id: str) -> dict[str, Any]:
    _period(req, period_id)
    return _job_view(jobs.request_publication(period_id, job_id, req.correlation_id))
