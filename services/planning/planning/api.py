"""Planning's Chalice app (``app``, as every service's ``api`` module has it) and its routes for families
(Mon planning, requests, feeds), the catalogue and the calendar; the staff's routes are in
:mod:`planning.staff_api`. Routes are thin; the rules live in reservations, decisions, calendar, pattern
and deadlines."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from typing import Any

from chalice import Rate, Response
from chalice.app import CloudWatchEvent

from planning import (
    answers,
    catalogue,
    daylists,  # noqa: F401  (registers the day lists' routes on the same app)
    deadlines,
    decisions,
    feeds,
    jobs,
    lifecycle,
    offers,
    repeats,
    reservations,
    routes_catalogue,  # noqa: F401  (registers the catalogue's back-office routes on the same app)
    schemas,
    staff_api,  # noqa: F401  (registers the staff routes on the same app)
)
from planning.handlers import logger
from planning.http_app import FAMILY, api, app, month_param
from planning.pattern import PatternElement
from shared import clock
from shared.auth import Role
from shared.errors import InvalidInput
from shared.http import Req

__all__ = ["app"]


def _selection(body: schemas.PlanBody | schemas.AddBody) -> list[PatternElement]:
    return [PatternElement(e.weekday, e.slot_code, e.parity) for e in body.selection]


@api.route("/validations", roles=FAMILY)
def my_validations(req: Req) -> dict[str, Any]:
    items = reservations.validations(req.principal.account_id)
    return {"items": [{"child_id": v.child_id, "structure_id": v.structure_id, "activity": v.activity,
                       "status": v.status} for v in items]}


@api.route("/catalogue", roles=tuple(Role))
def get_catalogue(req: Req) -> dict[str, Any]:
    snap = catalogue.snapshot()
    return {"structures": list(catalogue.structures(snap).values()), "periods": list(catalogue.periods(snap).values())}


def _month_days(ctx: reservations.PeriodContext, year: int, month: int) -> list[dict[str, Any]]:
    """Each day of the month's grid (whole weeks): open or closed (why), and for an open day whether its
    booking deadline has passed (said before the family picks it)."""
    first = date(year, month, 1)
    start = first - timedelta(days=first.weekday())
    last = date(year, month, monthrange(year, month)[1])
    end = last + timedelta(days=6 - last.weekday())
    days = []
    now, rule = clock.now(), ctx.rule("booking_deadline")
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        reason = reservations.closed_reason(ctx, day)
        entry = {"date": day.isoformat(), "open": reason is None, "reason": reason, "in_month": day.month == month}
        if reason is None:
            booking = deadlines.can_book(now, day, rule, ctx.calendar)
            entry["bookable"] = bool(booking)
            entry["booking_closed"] = None if booking else booking.reason
        days.append(entry)
    return days


@api.route("/calendar", roles=tuple(Role))
def get_calendar(req: Req) -> dict[str, Any]:
    ctx = reservations.context(req.query.get("period_id") or "")
    year, month = (int(x) for x in month_param(req.query.get("month")).split("-"))
    return {"period_id": ctx.data["period_id"], "month": f"{year:04d}-{month:02d}",
            "days": _month_days(ctx, year, month)}


MAX_CALENDARS = 10


@api.route("/calendars", roles=tuple(Role))
def get_calendars(req: Req) -> dict[str, Any]:
    """Several periods' open days for one month (a family booking school days at one structure and
    Wednesdays at another sees both in one agenda): the catalogue is read once (one Query) for them all."""
    ids = list(dict.fromkeys(i for i in (req.query.get("period_ids") or "").split(",") if i))
    if not ids or len(ids) > MAX_CALENDARS:
        raise InvalidInput(f"Indiquez de 1 à {MAX_CALENDARS} périodes.", fields={"period_ids": "Liste invalide."})
    year, month = (int(x) for x in month_param(req.query.get("month")).split("-"))
    snap = catalogue.snapshot()
    return {"month": f"{year:04d}-{month:02d}",
            "periods": [{"period_id": pid, "days": _month_days(reservations.context(pid, snap), year, month)}
                        for pid in ids]}


# --- Mon planning ------------------------------------------------------------------------------------------

@api.route("/plannings", roles=FAMILY)
def plannings(req: Req) -> dict[str, Any]:
    items = reservations.open_plannings(req.principal.account_id)
    result: dict[str, Any] = {"items": items, "statuses": lifecycle.status_list()}
    if not any(i["status"] == "open" for i in items):
        result["message"] = ("Votre compte doit être validé par le responsable de la structure pour accéder au "
                             "planning de réservation. Un mail vous sera adressé dès que la validation sera effective.")
    return result


@api.route("/agenda", roles=FAMILY)
def agenda(req: Req) -> dict[str, Any]:
    month = month_param(req.query.get("month"))
    return {"month": month, "lines": reservations.agenda(req.principal.account_id, month)}


@api.route("/requests/preview", ("POST",), roles=FAMILY)
def preview(req: Req) -> dict[str, Any]:
    body = req.body(schemas.PreviewBody)
    family_id = req.principal.account_id
    if body.request_id:  # adding to a request: its child and period, whatever the body says
        request = reservations.get_request(family_id, body.request_id)
        body.child_id, body.period_id = request.child_id, request.period_id
    p = reservations.plan(family_id, body.child_id, body.period_id, _selection(body), body.first_day_slots)
    return {"lines": [{"date": ln.date.isoformat(), "slot_code": ln.slot_code} for ln in p.lines],
            "recap": reservations.recap_view(p.ctx, p.lines), "skipped": p.skipped}


@api.route("/requests", ("POST",), roles=FAMILY, status=201)
def create_request(req: Req) -> dict[str, Any]:
    """A new request; a repeat with the same ``Idempotency-Key`` answers the first result."""
    body = req.body(schemas.PlanBody)
    key = repeats.key_of(req)

    def run() -> dict[str, Any]:
        created = reservations.create(req.principal.account_id, body.child_id, body.period_id, _selection(body),
                                      body.first_day_slots, req.correlation_id, key)
        decisions.after_request(created.request, created.lines, req.correlation_id, created.ctx)
        return created.view

    return repeats.once(req, "create_request", run)


@api.route("/requests", roles=FAMILY)
def list_requests(req: Req) -> dict[str, Any]:
    return {"items": reservations.history(req.principal.account_id)}


@api.route("/requests/{request_id}", roles=FAMILY)
def get_request(req: Req, request_id: str) -> dict[str, Any]:
    return _request_view(req.principal.account_id, request_id)


@api.route("/requests/{request_id}/offer", ("POST",), roles=FAMILY)
def reply_to_offer(req: Req, request_id: str) -> dict[str, Any]:
    """The family accepts or declines the places offered from the waiting list."""
    body = req.body(schemas.OfferReply)
    done = offers.reply(req.principal.account_id, request_id, body.accept, req.correlation_id)
    return {**_request_view(req.principal.account_id, request_id), **done}


@app.schedule(Rate(1, unit=Rate.HOURS), name="planning_offers",
              description="Places offered from the waiting list whose reply deadline passed go to the next family")
def expire_offers(event: CloudWatchEvent) -> dict[str, Any]:
    lapsed = offers.expire_due(correlation_id=f"schedule-{event.event_id}")
    logger.info("offers past their deadline released", extra={"requests": len(lapsed)})
    return {"lapsed": lapsed}


def _request_view(family_id: str, request_id: str) -> dict[str, Any]:
    """A request as its family reads it: the answer explained, each element's outcome, each line."""
    request = reservations.get_request(family_id, request_id)
    lines = sorted(reservations.request_lines(request), key=lambda ln: (ln.date, ln.slot_code))
    answer = answers.answer_of(ln.status for ln in lines)
    # The names come from the lines; the catalogue is read only to say who examines a pending request.
    ctx = reservations.context(request.period_id) if answer == "pending" else None
    names: reservations.Labelled = ctx or reservations.LineLabels.of(lines) or reservations.context(request.period_id)
    outcomes = answers.outcome_rows(decisions.element_views(names, request, lines))
    return {**reservations.summary(request, names), "answer": answer, "answer_label": answers.LABELS[answer],
            "offer_until": min((ln.offer_until or "" for ln in lines if ln.status == "offered"), default=None),
            "explanation": answers.explanation(answer, outcomes, ctx is not None and bool(ctx.data.get("pre_enrolment"))
                                               and jobs.in_committee_window(ctx.data, request)),
            "outcomes": outcomes,
            "lines": [{"date": ln.date, "slot_code": ln.slot_code, "slot_label": names.label(ln.slot_code),
                       "status": ln.status, "status_label": lifecycle.label(ln.status),
                       "reason": ln.reason or ""} for ln in lines]}


@api.route("/requests/{request_id}/lines", ("POST",), roles=FAMILY)
def add_lines(req: Req, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.AddBody)

    def run() -> dict[str, Any]:
        added = reservations.add_lines(req.principal.account_id, request_id, _selection(body), body.first_day_slots,
                                       req.correlation_id)
        decisions.after_request(added.request, added.lines, req.correlation_id, added.ctx)
        return added.view

    return repeats.once(req, f"add_lines:{request_id}", run)


@api.route("/requests/{request_id}/cancel", ("POST",), roles=FAMILY)
def cancel(req: Req, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.CancelBody)
    lines = [(ln.date.isoformat(), ln.slot_code) for ln in body.lines] if body.lines is not None else None
    result, request, ctx = reservations.cancel(req.principal.account_id, request_id, lines, body.all, body.from_,
                                               body.preview, req.correlation_id)
    if not body.preview:
        decisions.after_cancellation(request, ctx, [(ln["date"], ln["slot_code"]) for ln in result["lines"]],
                                     req.correlation_id)
    return result


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
    return Response(body=feeds.ics(feeds.requests_of_feed(name.removesuffix(".ics"))).decode("utf-8"),
                    status_code=200,
                    headers={"Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "no-store"})


