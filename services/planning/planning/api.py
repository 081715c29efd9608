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
    decisions,
    feeds,
    jobs,
    offers,
    reservations,
    routes_catalogue,  # noqa: F401  (registers the catalogue's back-office routes on the same app)
    schemas,
    staff_api,  # noqa: F401  (registers the staff routes on the same app)
)
from planning.handlers import logger
from planning.http_app import FAMILY, api, app, month_param
from planning.pattern import PatternElement
from shared.auth import Role
from shared.errors import Conflict
from shared.http import Req

__all__ = ["app"]


def _selection(body: schemas.PlanBody | schemas.AddBody) -> list[PatternElement]:
    return [PatternElement(e.weekday, e.slot_code, e.parity) for e in body.selection]


def _open_period(period_id: str) -> None:
    """An archived period keeps its presences but takes no new ones."""
    if catalogue.periods().get(period_id, {}).get("archived"):
        raise Conflict("Cette période est archivée : elle ne prend plus de nouvelles réservations.",
                       code="period_archived", fields={"period_id": "Période archivée."})


@api.route("/validations", roles=FAMILY)
def my_validations(req: Req) -> dict[str, Any]:
    items = reservations.validations(req.principal.account_id)
    return {"items": [{"child_id": v.child_id, "structure_id": v.structure_id, "activity": v.activity,
                       "status": v.status} for v in items]}


@api.route("/catalogue", roles=tuple(Role))
def get_catalogue(req: Req) -> dict[str, Any]:
    return {"structures": list(catalogue.structures().values()), "periods": list(catalogue.periods().values())}


@api.route("/calendar", roles=tuple(Role))
def get_calendar(req: Req) -> dict[str, Any]:
    ctx = reservations.context(req.query.get("period_id") or "")
    year, month = (int(x) for x in month_param(req.query.get("month")).split("-"))
    first = date(year, month, 1)
    start = first - timedelta(days=first.weekday())
    last = date(year, month, monthrange(year, month)[1])
    end = last + timedelta(days=6 - last.weekday())
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        reason = reservations.closed_reason(ctx, day)
        days.append({"date": day.isoformat(), "open": reason is None, "reason": reason, "in_month": day.month == month})
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
    month = month_param(req.query.get("month"))
    return {"month": month, "lines": reservations.agenda(req.principal.account_id, month)}


@api.route("/requests/preview", ("POST",), roles=FAMILY)
def preview(req: Req) -> dict[str, Any]:
    body = req.body(schemas.PreviewBody)
    family_id = req.principal.account_id
    if body.request_id:  # adding to a request: its child and period, whatever the body says
        request = reservations.get_request(family_id, body.request_id)
        body.child_id, body.period_id = request.child_id, request.period_id
    _open_period(body.period_id)
    p = reservations.plan(family_id, body.child_id, body.period_id, _selection(body), body.first_day_slots)
    return {"lines": [{"date": ln.date.isoformat(), "slot_code": ln.slot_code} for ln in p.lines],
            "recap": reservations.recap_view(p.ctx, p.lines), "skipped": p.skipped}


@api.route("/requests", ("POST",), roles=FAMILY, status=201)
def create_request(req: Req) -> dict[str, Any]:
    body = req.body(schemas.PlanBody)
    _open_period(body.period_id)
    created = reservations.create(req.principal.account_id, body.child_id, body.period_id, _selection(body),
                                  body.first_day_slots, req.correlation_id)
    decisions.after_request(req.principal.account_id, created["request_id"], created["period_id"],
                            req.correlation_id)
    return created


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
    ctx = reservations.context(request.period_id)
    lines = sorted(reservations.request_lines(request), key=lambda ln: (ln.date, ln.slot_code))
    outcomes = answers.outcome_rows(decisions.element_views(ctx, request, lines))
    answer = answers.answer_of(ln.status for ln in lines)
    return {**reservations.summary(request, ctx), "answer": answer, "answer_label": answers.LABELS[answer],
            "offer_until": min((ln.offer_until or "" for ln in lines if ln.status == "offered"), default=None),
            "explanation": answers.explanation(answer, outcomes, bool(ctx.data.get("pre_enrolment"))
                                               and jobs.in_committee_window(ctx.data, request)),
            "outcomes": outcomes,
            "lines": [{"date": ln.date, "slot_code": ln.slot_code, "slot_label": ctx.label(ln.slot_code),
                       "status": ln.status, "status_label": reservations.STATUS_LABELS[ln.status],
                       "reason": ln.reason or ""} for ln in lines]}


@api.route("/requests/{request_id}/lines", ("POST",), roles=FAMILY)
def add_lines(req: Req, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.AddBody)
    added = reservations.add_lines(req.principal.account_id, request_id, _selection(body), body.first_day_slots,
                                   req.correlation_id)
    decisions.after_request(req.principal.account_id, request_id, added["period_id"], req.correlation_id)
    return added


@api.route("/requests/{request_id}/cancel", ("POST",), roles=FAMILY)
def cancel(req: Req, request_id: str) -> dict[str, Any]:
    body = req.body(schemas.CancelBody)
    lines = [(ln.date.isoformat(), ln.slot_code) for ln in body.lines] if body.lines is not None else None
    result = reservations.cancel(req.principal.account_id, request_id, lines, body.all, body.from_, body.preview,
                                 req.correlation_id)
    if not body.preview:
        decisions.after_cancellation(req.principal.account_id, request_id, result["period_id"],
                                     [(ln["date"], ln["slot_code"]) for ln in result["lines"]], req.correlation_id)
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
    secret = name.removesuffix(".ics")
    return Response(body=feeds.ics(feeds.family_of(secret)).decode("utf-8"), status_code=200,
                    headers={"Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "no-store"})


