"""« Liste du jour »: per structure, day and slot, the children expected — accepted lines, including those
whose cancellation is asked but not yet confirmed (the child still holds the place), less confirmed
cancellations. Planning knows who is expected; the medical and pick-up details stay in enrolment, which
serves them for the same children (``POST /api/enrolment/staff/day-sheet``): the portal joins the two
answers (decision 100), so no medical data is copied into planning's table or into events."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from planning import catalogue, reservations
from planning.calendar import Calendar
from planning.http_app import STAFF, api, day_param, structure_param
from planning.models import ReservationLine
from shared import clock
from shared.http import Req

EXPECTED = frozenset({"accepted", "cancel_requested"})
LOOKAHEAD_DAYS = 120
PARIS = ZoneInfo("Europe/Paris")


def contexts(structure_id: str, snap: catalogue.Snapshot | None = None) -> list[reservations.PeriodContext]:
    """The structure's periods with their calendar, from one read of the catalogue (one Query; none when the
    route already read it: ``snap``)."""
    snap = snap if snap is not None else catalogue.snapshot()
    structure = catalogue.structures(snap)[structure_id]
    closures = [(date.fromisoformat(c["start"]), date.fromisoformat(c["end"])) for c in structure["closures"]]
    calendar = Calendar(structure["departement"], structure["zone"], closures)
    return [reservations.PeriodContext(p, structure, calendar) for p in catalogue.periods(snap).values()
            if p["structure_id"] == structure_id]


def open_periods(structure_id: str, day: date, snap: catalogue.Snapshot | None = None,
                 ) -> list[reservations.PeriodContext]:
    """The structure's periods open on ``day`` (in the period, not closed)."""
    return [ctx for ctx in contexts(structure_id, snap) if reservations.closed_reason(ctx, day) is None]


def next_open_day(structure_id: str, after: date, snap: catalogue.Snapshot | None = None) -> date | None:
    """The first day from ``after`` on which one of the structure's periods opens (none within 4 months:
    None)."""
    periods = [ctx for ctx in contexts(structure_id, snap) if ctx.data["end"] >= after.isoformat()]
    for offset in range(LOOKAHEAD_DAYS):
        day = after + timedelta(days=offset)
        if any(reservations.closed_reason(ctx, day) is None for ctx in periods):
            return day
    return None


def day_list(structure_id: str, day: date) -> dict[str, Any]:
    """Each slot of each period open that day (once per period, named by it) with its expected children:
    one Query on the structure's day."""
    lines = [ln for ln in ReservationLine.by_day.query(f"OCC#{structure_id}#{day.isoformat()}")
             if ln.status in EXPECTED]
    slots = []
    for ctx in open_periods(structure_id, day):
        for slot in ctx.data["slots"]:
            children = sorted(
                ({"family_id": ln.family_id, "child_id": ln.child_id,
                  "child_first_name": json.loads(ln.labels or "{}").get("child") or "",
                  "request_number": ln.request_number or "", "request_id": ln.request_id,
                  "cancel_requested": ln.status == "cancel_requested"}
                 for ln in lines if ln.period_id == ctx.period_id and ln.slot_code == slot["code"]),
                key=lambda c: c["child_first_name"])
            slots.append({"period_id": ctx.period_id, "period_name": ctx.data["name"], "code": slot["code"],
                          "label": slot["label"], "start": slot["start"], "end": slot["end"],
                          "capacity": int(slot["capacity"]), "children": children})
    slots.sort(key=lambda s: (s["start"], s["period_name"]))
    structure = catalogue.structures()[structure_id]
    return {"structure_id": structure_id, "structure_name": structure["name"], "date": day.isoformat(),
            "open": bool(slots), "slots": slots}


HOLDING = ("accepted", "offered", "cancel_requested")  # a line holding its place (as the counters count)


def occupancy(structure_id: str, day: date, snap: catalogue.Snapshot | None = None) -> dict[str, Any]:
    """Each slot of each period open that day, once per period and named by it, with its lines by status
    and the places remaining (capacity less the lines holding a place: accepted, offered, or whose
    cancellation is not yet confirmed — what the capacity board counts)."""
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for line in ReservationLine.by_day.query(f"OCC#{structure_id}#{day.isoformat()}"):
        per = counts.setdefault((line.period_id or "", line.slot_code), {})
        per[line.status] = per.get(line.status, 0) + 1
    slots = []
    for ctx in open_periods(structure_id, day, snap):
        for slot in ctx.data["slots"]:
            per = counts.get((ctx.period_id, slot["code"]), {})
            taken = sum(per.get(s, 0) for s in HOLDING)
            slots.append({"code": slot["code"], "label": slot["label"], "capacity": int(slot["capacity"]),
                          "period_id": ctx.period_id, "period_name": ctx.data["name"],
                          "remaining": max(int(slot["capacity"]) - taken, 0),
                          **{s: per.get(s, 0) for s in ("pending", "accepted", "offered", "waitlisted",
                                                        "cancel_requested")}})
    return {"date": day.isoformat(), "structure_id": structure_id, "open": bool(slots), "slots": slots}


def requested_day(req: Req, structure_id: str, snap: catalogue.Snapshot | None = None) -> date:
    """The ``date`` asked, or the structure's next open day from today (Paris)."""
    if req.query.get("date"):
        return day_param(req.query.get("date"))
    today = clock.now().astimezone(PARIS).date()
    return next_open_day(structure_id, today, snap) or today


@api.route("/staff/daylist", roles=STAFF)
def get_day_list(req: Req) -> dict[str, Any]:
    """The day list of ``date``; without a date, of the structure's next open day from today."""
    structure_id = structure_param(req)
    return day_list(structure_id, requested_day(req, structure_id))
