"""The catalogue's back office: the use cases behind the admin's and the managers' « Catalogue » screens.

A change that would leave booked presences without their period, slot or day (orphans) is refused with
the reason and the number of presences concerned; the staff member then archives instead (archived
periods stay readable for the lines they hold, but families can no longer book them). Every change is a
conditional write on the version it was read at, so two staff members editing at once do not silently
overwrite each other (the loser gets a French 409)."""

from __future__ import annotations

import json
import uuid
from collections import Counter as Tally
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError

from planning import catalogue, decisions, reservations, schemas
from planning.models import CatalogueItem, Outbox, ReservationLine, ReservationRequest
from shared import clock, outbox
from shared.ddb import transaction
from shared.errors import ApiError, Conflict, NotFound
from shared.events import planning as ev

# Lines that still hold a child's presence (or wait for one): these must keep their period, slot and day.
LIVE = frozenset({"pending", "accepted", "offered", "waitlisted", "cancel_requested"})
MAX_CLOSURE_DAYS = 366


class Orphans(ApiError):
    """A change that would leave booked presences without a period, a slot or an open day."""

    def __init__(self, message: str, count: int, field: str) -> None:
        super().__init__(message, code="would_orphan", fields={field: f"{count} présence(s) concernée(s)."},
                         status=409)


@dataclass(frozen=True)
class Versioned:
    """A catalogue entry and the version it was read at (its ``changed_at``)."""

    data: dict[str, Any]
    changed_at: datetime | None


def read(kind: str, entry_id: str) -> Versioned | None:
    try:
        item = CatalogueItem.get(*CatalogueItem.key(kind, entry_id))
    except CatalogueItem.DoesNotExist:
        return None
    return Versioned(json.loads(item.data), item.changed_at)


def _item(kind: str, entry_id: str, data: dict[str, Any]) -> CatalogueItem:
    return CatalogueItem(*CatalogueItem.key(kind, entry_id), kind=kind, data=json.dumps(data),
                         changed_at=clock.now())


def _unchanged(read_at: Versioned | None) -> Any:
    """The condition that the entry is still as it was read (absent when it was absent)."""
    if read_at is None or read_at.changed_at is None:
        return CatalogueItem.pk.does_not_exist()
    return CatalogueItem.changed_at == read_at.changed_at


def _raced() -> Conflict:
    return Conflict("Ce catalogue vient d'être modifié par quelqu'un d'autre : rechargez la page et recommencez.",
                    fields={"catalogue": "Modifié entre-temps."})


def _save(kind: str, entry_id: str, data: dict[str, Any], read_at: Versioned | None,
          event: ev.PlanningEvent | None = None) -> None:
    """Write the entry on the condition that it was not changed since read; with its event when given."""
    try:
        with transaction() as tx:
            tx.save(_item(kind, entry_id, data), condition=_unchanged(read_at))
            if event is not None:
                tx.save(outbox.entry(Outbox, event))
    except (TransactWriteError, PutError):
        raise _raced() from None


def _event(event: ev.PlanningEvent, correlation_id: str) -> Any:
    return event.model_copy(update={"event_id": str(uuid.uuid4()), "correlation_id": correlation_id,
                                    "occurred_at": clock.now()})


# --- structures --------------------------------------------------------------------------------------------

def save_structure(structure_id: str, body: dict[str, Any], correlation_id: str) -> dict[str, Any]:
    """Create or change a structure; it is published so that enrolment's read model follows."""
    before = read("structure", structure_id)
    archived = bool(before and before.data.get("archived"))
    event = _event(ev.StructurePublished(structure_id=structure_id, archived=archived, **body), correlation_id)
    data = json.loads(event.model_dump_json(exclude={"event_id", "occurred_at", "schema_version", "correlation_id"}))
    _save("structure", structure_id, data, before, event)
    return catalogue.structures()[structure_id]


def archive_structure(structure_id: str, archived: bool, correlation_id: str) -> dict[str, Any]:
    before = read("structure", structure_id)
    if before is None:
        raise NotFound("Cette structure n'existe pas.", fields={"structure_id": "Structure inconnue."})
    if archived:
        live = [p["name"] for p in catalogue.periods().values()
                if p["structure_id"] == structure_id and not p.get("archived")]
        if live:
            raise Conflict(f"Archivez d'abord les périodes de cette structure : {', '.join(sorted(live))}.",
                           fields={"structure_id": f"{len(live)} période(s) en cours."})
    data = {**before.data, "archived": archived}
    event = _event(ev.StructurePublished(**data), correlation_id)
    _save("structure", structure_id, data, before, event)
    return catalogue.structures()[structure_id]


# --- periods -----------------------------------------------------------------------------------------------

def period_requests(period: dict[str, Any]) -> list[ReservationRequest]:
    return [r for r in ReservationRequest.by_structure.query(f"STRUCTURE#{period['structure_id']}")
            if r.period_id == period["period_id"]]


def orphaned_by(old: dict[str, Any], new: dict[str, Any]) -> list[ReservationLine]:
    """The live lines of ``old``'s requests that ``new`` would leave without their day or slot."""
    codes = {s["code"] for s in new["slots"]}
    weekdays = set(new["weekdays"])
    start, end = str(new["start"]), str(new["end"])
    lost = []
    for request in period_requests(old):
        for line in reservations.request_lines(request):
            if line.status not in LIVE:
                continue
            if (line.slot_code not in codes or not start <= line.date <= end
                    or date.fromisoformat(line.date).weekday() not in weekdays):
                lost.append(line)
    return lost


def _describe(lines: list[ReservationLine]) -> str:
    by_slot = Tally(ln.slot_code for ln in lines)
    first, last = min(ln.date for ln in lines), max(ln.date for ln in lines)
    slots = ", ".join(f"{code} ({n})" for code, n in sorted(by_slot.items()))
    return (f"{len(lines)} présence(s) réservée(s) du {_fr(first)} au {_fr(last)} ne seraient plus dans la "
            f"période ({slots}). Laissez ces jours et plages, ou archivez la période et créez-en une nouvelle.")


def _fr(day: str) -> str:
    return date.fromisoformat(day).strftime("%d/%m/%Y")


def save_period(period_id: str, body: dict[str, Any], correlation_id: str) -> dict[str, Any]:
    """Create or change a period; refused when booked presences would lose their day or slot, or when
    its structure or activity changes once families have booked it."""
    before = read("period", period_id)
    period = {"period_id": period_id, **body}
    if before is not None:
        old = before.data
        if old.get("archived"):
            period["archived"] = True
        if old.get("sejour_id") and not period.get("sejour_id"):
            period["sejour_id"] = old["sejour_id"]
        moved = old["structure_id"] != period["structure_id"] or old["activity"] != period["activity"]
        if moved and period_requests(old):
            raise Conflict("Des familles ont déjà réservé cette période : sa structure et son type d'accueil ne "
                           "peuvent plus changer. Archivez-la et créez-en une nouvelle.",
                           fields={"structure_id": "Période déjà réservée."})
        lost = orphaned_by(old, period)
        if lost:
            raise Orphans(_describe(lost), len(lost), "slots")
    promoted = _save_period_version(period, before, correlation_id)
    return {**period, "promoted_requests": promoted}


def _save_period_version(period: dict[str, Any], before: Versioned | None, correlation_id: str) -> list[str]:
    """Save under the version condition, then let decisions give raised capacities to the waiting list."""
    old = before.data if before else {}
    _save("period", period["period_id"], period, before)
    raised = [s["code"] for s in period["slots"]
              if int(s["capacity"]) > {o["code"]: int(o["capacity"]) for o in old.get("slots", [])}.get(
                  s["code"], int(s["capacity"]))]
    if not raised:
        return []
    ctx = reservations.context(period["period_id"])
    return decisions.promote_waiting(ctx, correlation_id, raised) \
        if decisions.auto_waitlist(ctx) else []


def archive_period(period_id: str, archived: bool) -> dict[str, Any]:
    before = read("period", period_id)
    if before is None:
        raise NotFound("Cette période n'existe pas.", fields={"period_id": "Période inconnue."})
    # The key is present only when true: a period read back can be sent again as a PeriodBody.
    data = {**{k: v for k, v in before.data.items() if k != "archived"}, **({"archived": True} if archived else {})}
    _save("period", period_id, data, before)
    return data


def delete_period(period_id: str) -> dict[str, Any]:
    """Delete a period no family has booked; one with requests is refused (archive it instead)."""
    before = read("period", period_id)
    if before is None:
        raise NotFound("Cette période n'existe pas.", fields={"period_id": "Période inconnue."})
    requests = period_requests(before.data)
    if requests:
        raise Conflict(f"{len(requests)} demande(s) de réservation portent sur cette période : elle ne peut pas "
                       "être supprimée. Archivez-la : les réservations restent, les familles ne peuvent plus en "
                       "faire de nouvelles.", code="has_requests", fields={"period_id": "Période réservée."})
    try:
        CatalogueItem(*CatalogueItem.key("period", period_id)).delete(condition=_unchanged(before))
    except DeleteError:
        raise _raced() from None
    return before.data


# --- séjours ----------------------------------------------------------------------------------------------

def save_sejour(sejour_id: str, body: dict[str, Any], correlation_id: str) -> dict[str, Any]:
    """A séjour is a published offer (enrolment lists it for pre-enrolment) and a period of its
    structure with one all-day slot whose capacity is its places (the planning books it)."""
    before_period = read("period", sejour_id)
    start, end = body["start"], body["end"]
    deadline = {"days_before": body["deadline_days"], "hour": "12:00"}
    period = {
        "structure_id": body["structure_id"], "name": body["name"].upper(), "activity": "sejour",
        "start": start.isoformat(), "end": end.isoformat(), "weekdays": sorted({(start + timedelta(days=i)).weekday()
                                                                               for i in range((end - start).days + 1)}),
        "type": "all_days", "booking_opens": body["booking_opens"].isoformat(),
        "booking_closes": start.isoformat(), "booking_deadline": deadline, "cancellation_deadline": deadline,
        "sejour_id": sejour_id,
        "slots": [{"code": "SEJOUR", "label": "SEJOUR", "start": "08:00", "end": "18:00",
                   "capacity": body["places"]}],
    }
    if before_period is not None:
        period.update({k: before_period.data[k] for k in schemas.PERIOD_SETTINGS if k in before_period.data})
    result = save_period(sejour_id, period, correlation_id)
    before = read("sejour", sejour_id)
    archived = bool(before and before.data.get("archived"))
    event = _event(ev.SejourPublished(sejour_id=sejour_id, structure_id=body["structure_id"], name=body["name"],
                                      start=start, end=end, places=body["places"], age_min=body["age_min"],
                                      age_max=body["age_max"], archived=archived), correlation_id)
    data = json.loads(event.model_dump_json(exclude={"event_id", "occurred_at", "schema_version", "correlation_id"}))
    _save("sejour", sejour_id, data, before, event)
    return {**data, "period": result}


def archive_sejour(sejour_id: str, archived: bool, correlation_id: str) -> dict[str, Any]:
    """An archived séjour leaves the families' list (enrolment follows its event) and its period closes
    to new bookings; the presences already booked stay."""
    before = read("sejour", sejour_id)
    if before is None:
        raise NotFound("Ce séjour n'existe pas.", fields={"sejour_id": "Séjour inconnu."})
    if read("period", sejour_id) is not None:
        archive_period(sejour_id, archived)
    data = {**before.data, "archived": archived}
    _save("sejour", sejour_id, data, before, _event(ev.SejourPublished(**data), correlation_id))
    return data


# --- closures ---------------------------------------------------------------------------------------------

def booked_on(structure_id: str, start: date, end: date) -> list[ReservationLine]:
    """The live lines of a structure between two dates (one Query per day on the occupancy index)."""
    lines = []
    day = start
    while day <= end:
        lines += [ln for ln in ReservationLine.by_day.query(f"OCC#{structure_id}#{day.isoformat()}")
                  if ln.status in LIVE]
        day += timedelta(days=1)
    return lines


def add_closure(structure_id: str, closure: dict[str, Any]) -> list[dict[str, str]]:
    """Add a closure, refused when presences are booked on its days (they must be cancelled first)."""
    start, end = closure["start"], closure["end"]
    if (end - start).days >= MAX_CLOSURE_DAYS:
        raise ApiError("Une fermeture dure au plus un an.", code="invalid_input",
                       fields={"end": "Au plus 366 jours."})
    booked = booked_on(structure_id, start, end)
    if booked:
        children = len({(ln.family_id, ln.child_id) for ln in booked})
        raise Orphans(f"{len(booked)} présence(s) de {children} enfant(s) sont réservées pendant cette fermeture : "
                      "annulez-les d'abord (les familles en sont prévenues), puis ajoutez la fermeture.",
                      len(booked), "start")
    before = read("closures", structure_id)
    closures = [*(before.data if before else []), {"start": start.isoformat(), "end": end.isoformat(),
                                                   "label": closure["label"]}]
    _save_closures(structure_id, sorted(closures, key=lambda c: c["start"]), before)
    return sorted(closures, key=lambda c: c["start"])


def remove_closure(structure_id: str, start: str) -> list[dict[str, str]]:
    before = read("closures", structure_id)
    closures = before.data if before else []
    kept = [c for c in closures if c["start"] != start]
    if len(kept) == len(closures):
        raise NotFound("Cette fermeture n'existe pas.", fields={"start": "Aucune fermeture ne commence ce jour."})
    _save_closures(structure_id, kept, before)
    return kept


def _save_closures(structure_id: str, closures: list[dict[str, str]], before: Versioned | None) -> None:
    # The closures item is saved as a JSON list (catalogue.snapshot reads it as such).
    try:
        CatalogueItem(*CatalogueItem.key("closures", structure_id), kind="closures", data=json.dumps(closures),
                      changed_at=clock.now()).save(condition=_unchanged(before))
    except PutError:
        raise _raced() from None
