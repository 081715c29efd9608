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

from pynamodb.exceptions import PutError, TransactWriteError

from planning import catalogue, decisions, gates, reservations, schemas
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

    data: Any  # a dict; the closures item is a JSON list
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


def _describe(lines: list[ReservationLine]) -> str:
    by_slot = Tally(ln.slot_code for ln in lines)
    first, last = min(ln.date for ln in lines), max(ln.date for ln in lines)
    slots = ", ".join(f"{code} ({n})" for code, n in sorted(by_slot.items()))
    return (f"{len(lines)} présence(s) réservée(s) du {_fr(first)} au {_fr(last)} ne seraient plus dans la "
            f"période ({slots}). Laissez ces jours et plages, ou archivez la période et créez-en une nouvelle.")


def _fr(day: str) -> str:
    return date.fromisoformat(day).strftime("%d/%m/%Y")


def _orphans(lines: list[ReservationLine]) -> ApiError:
    return Orphans(_describe(lines), len(lines), "slots")


def _versioned(snap: catalogue.Snapshot | None, kind: str, entry_id: str) -> Versioned | None:
    """The entry as ``snap`` read it (with its version), or read now when no snapshot is given."""
    if snap is None:
        return read(kind, entry_id)
    data = snap.get(kind, {}).get(entry_id)
    return None if data is None else Versioned(data, snap.versions.get((kind, entry_id)))


def plan_period(change: gates.Change, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    """The cell writes of a period's new version (decision 106): cells it no longer offers are closed
    (refused while a line pins them), cells it offers again reopened, changed capacities set on every cell
    of their slot (a lowering refused where more places are taken)."""
    period_id, structure_id = new["period_id"], new["structure_id"]
    before = gates.coverage(old) if old else set()
    after = gates.coverage(new)
    removed, added = before - after, after - before
    if removed:
        change.close(period_id, structure_id, removed, gates.token("periode"))
    if added:
        change.reopen(period_id, structure_id, gates.closing_tags(period_id, added, "periode:"))
    old_caps = {s["code"]: int(s["capacity"]) for s in (old or {}).get("slots", [])}
    for slot in new["slots"]:
        code, capacity = slot["code"], int(slot["capacity"])
        if code in old_caps and old_caps[code] != capacity:
            change.set_capacity(period_id, structure_id, gates.coverage(new, [code]), capacity, old_caps[code])


def save_period(period_id: str, body: dict[str, Any], correlation_id: str, snap: catalogue.Snapshot | None = None,
                also: list[Any] | None = None) -> dict[str, Any]:
    """Create or change a period; refused when booked presences would lose their day or slot (checked by
    the cells, serialised against bookings: decision 106), when a capacity would fall below the places
    taken, or when its structure or activity changes once families have booked it. ``also``: catalogue
    items and events written in the same transaction as the period (a séjour's offer)."""
    before = _versioned(snap, "period", period_id)
    period = {"period_id": period_id, **body}
    old = before.data if before else None
    if old is not None:
        if old.get("archived"):
            period["archived"] = True
        if old.get("sejour_id") and not period.get("sejour_id"):
            period["sejour_id"] = old["sejour_id"]
        moved = old["structure_id"] != period["structure_id"] or old["activity"] != period["activity"]
        if moved and period_requests(old):
            raise Conflict("Des familles ont déjà réservé cette période : sa structure et son type d'accueil ne "
                           "peuvent plus changer. Archivez-la et créez-en une nouvelle.",
                           fields={"structure_id": "Période déjà réservée."})
    change = gates.Change()
    plan_period(change, old, period)
    writes = [(_item("period", period_id, period), _unchanged(before)), *(also or [])]
    change.apply(_writer(writes), len(writes), _orphans, _raced)
    raised = [s["code"] for s in period["slots"]
              if int(s["capacity"]) > {o["code"]: int(o["capacity"]) for o in (old or {}).get("slots", [])}.get(
                  s["code"], int(s["capacity"]))]
    promoted: list[str] = []
    if raised:
        ctx = reservations.context(period_id)
        promoted = decisions.promote_waiting(ctx, correlation_id, raised) if decisions.auto_waitlist(ctx) else []
    return {**period, "promoted_requests": promoted}


def _writer(writes: list[Any]) -> Any:
    """The final transaction's writes: ``(catalogue item, condition)`` pairs and outbox events."""
    def write(tx: Any) -> None:
        for entry in writes:
            if isinstance(entry, tuple):
                tx.save(entry[0], condition=entry[1])
            else:
                tx.save(outbox.entry(Outbox, entry))
    return write


def archive_period(period_id: str, archived: bool, snap: catalogue.Snapshot | None = None,
                   also: list[Any] | None = None) -> dict[str, Any]:
    before = _versioned(snap, "period", period_id)
    if before is None:
        raise NotFound("Cette période n'existe pas.", fields={"period_id": "Période inconnue."})
    # The key is present only when true: a period read back can be sent again as a PeriodBody.
    data = {**{k: v for k, v in before.data.items() if k != "archived"}, **({"archived": True} if archived else {})}
    _commit([(_item("period", period_id, data), _unchanged(before)), *(also or [])])
    return data


def _commit(writes: list[Any]) -> None:
    try:
        with transaction() as tx:
            _writer(writes)(tx)
    except (TransactWriteError, PutError):
        raise _raced() from None


def delete_period(period_id: str, snap: catalogue.Snapshot | None = None) -> dict[str, Any]:
    """Delete a period no family has booked; one with requests is refused (archive it instead). Its cells
    are closed first, so that a booking made meanwhile either lands before (and the deletion is refused)
    or is refused itself."""
    before = _versioned(snap, "period", period_id)
    if before is None:
        raise NotFound("Cette période n'existe pas.", fields={"period_id": "Période inconnue."})
    requests = period_requests(before.data)
    if requests:
        raise _has_requests(len(requests))
    change = gates.Change()
    change.close(period_id, before.data["structure_id"], gates.coverage(before.data), gates.token("periode"))

    def final(tx: Any) -> None:
        tx.delete(CatalogueItem(*CatalogueItem.key("period", period_id)), condition=_unchanged(before))

    change.apply(final, 1, lambda lines: _has_requests(len({ln.request_id for ln in lines})), _raced)
    return before.data


def _has_requests(count: int) -> ApiError:
    return Conflict(f"{count} demande(s) de réservation portent sur cette période : elle ne peut pas "
                    "être supprimée. Archivez-la : les réservations restent, les familles ne peuvent plus en "
                    "faire de nouvelles.", code="has_requests", fields={"period_id": "Période réservée."})


# --- séjours ----------------------------------------------------------------------------------------------

def save_sejour(sejour_id: str, body: dict[str, Any], correlation_id: str,
                snap: catalogue.Snapshot | None = None) -> dict[str, Any]:
    """A séjour is a published offer (enrolment lists it for pre-enrolment) and a period of its
    structure with one all-day slot whose capacity is its places (the planning books it); both are
    written in one transaction."""
    snap = snap if snap is not None else catalogue.snapshot()
    before_period = _versioned(snap, "period", sejour_id)
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
    before = _versioned(snap, "sejour", sejour_id)
    archived = bool(before and before.data.get("archived"))
    event = _event(ev.SejourPublished(sejour_id=sejour_id, structure_id=body["structure_id"], name=body["name"],
                                      start=start, end=end, places=body["places"], age_min=body["age_min"],
                                      age_max=body["age_max"], archived=archived), correlation_id)
    data = json.loads(event.model_dump_json(exclude={"event_id", "occurred_at", "schema_version", "correlation_id"}))
    result = save_period(sejour_id, period, correlation_id, snap,
                         also=[(_item("sejour", sejour_id, data), _unchanged(before)), event])
    return {**data, "period": result}


def archive_sejour(sejour_id: str, archived: bool, correlation_id: str,
                   snap: catalogue.Snapshot | None = None) -> dict[str, Any]:
    """An archived séjour leaves the families' list (enrolment follows its event) and its period closes
    to new bookings; the presences already booked stay. Both change in one transaction."""
    snap = snap if snap is not None else catalogue.snapshot()
    before = _versioned(snap, "sejour", sejour_id)
    if before is None:
        raise NotFound("Ce séjour n'existe pas.", fields={"sejour_id": "Séjour inconnu."})
    data = {**before.data, "archived": archived}
    writes = [(_item("sejour", sejour_id, data), _unchanged(before)),
              _event(ev.SejourPublished(**data), correlation_id)]
    if _versioned(snap, "period", sejour_id) is not None:
        archive_period(sejour_id, archived, snap, also=writes)
    else:
        _commit(writes)
    return data


# --- closures ---------------------------------------------------------------------------------------------

def _closing(snap: catalogue.Snapshot, structure_id: str, start: date, end: date) -> list[tuple[str, set[gates.Cell]]]:
    """The cells of the structure's periods on a closure's days."""
    found = []
    for period_id, period in catalogue.periods(snap).items():
        if period["structure_id"] == structure_id:
            cells = gates.in_range(period, start, end)
            if cells:
                found.append((period_id, cells))
    return found


def add_closure(structure_id: str, closure: dict[str, Any],
                snap: catalogue.Snapshot | None = None) -> list[dict[str, str]]:
    """Add a closure, refused when presences are booked on its days (they must be cancelled first). Its
    cells are closed in the same move, so a booking made meanwhile is either counted or refused."""
    start, end = closure["start"], closure["end"]
    if (end - start).days >= MAX_CLOSURE_DAYS:
        raise ApiError("Une fermeture dure au plus un an.", code="invalid_input",
                       fields={"end": "Au plus 366 jours."})
    snap = snap if snap is not None else catalogue.snapshot()
    before = _versioned(snap, "closures", structure_id)
    tag = gates.token(f"fermeture:{start.isoformat()}")
    change = gates.Change()
    for period_id, cells in _closing(snap, structure_id, start, end):
        change.close(period_id, structure_id, cells, tag)
    closures = sorted([*(before.data if before else []), {"start": start.isoformat(), "end": end.isoformat(),
                                                          "label": closure["label"], "gate": tag}],
                      key=lambda c: c["start"])

    def booked(lines: list[ReservationLine]) -> ApiError:
        children = len({(ln.family_id, ln.child_id) for ln in lines})
        return Orphans(f"{len(lines)} présence(s) de {children} enfant(s) sont réservées pendant cette fermeture : "
                       "annulez-les d'abord (les familles en sont prévenues), puis ajoutez la fermeture.",
                       len(lines), "start")

    change.apply(_writer([(_closures_item(structure_id, closures), _unchanged(before))]), 1, booked, _raced)
    return closures


def remove_closure(structure_id: str, start: str, snap: catalogue.Snapshot | None = None) -> list[dict[str, str]]:
    """Take a closure back: its days reopen (the cells it closed lose its tag)."""
    snap = snap if snap is not None else catalogue.snapshot()
    before = _versioned(snap, "closures", structure_id)
    closures = before.data if before else []
    kept = [c for c in closures if c["start"] != start]
    if len(kept) == len(closures):
        raise NotFound("Cette fermeture n'existe pas.", fields={"start": "Aucune fermeture ne commence ce jour."})
    change = gates.Change()
    for gone in (c for c in closures if c["start"] == start and c.get("gate")):
        for period_id, cells in _closing(snap, structure_id, date.fromisoformat(gone["start"]),
                                         date.fromisoformat(gone["end"])):
            change.reopen(period_id, structure_id, {cell: {gone["gate"]} for cell in cells})
    change.apply(_writer([(_closures_item(structure_id, kept), _unchanged(before))]), 1, _orphans, _raced)
    return kept


def _closures_item(structure_id: str, closures: list[dict[str, str]]) -> CatalogueItem:
    # The closures item is saved as a JSON list (catalogue.snapshot reads it as such).
    return CatalogueItem(*CatalogueItem.key("closures", structure_id), kind="closures", data=json.dumps(closures),
                         changed_at=clock.now())
