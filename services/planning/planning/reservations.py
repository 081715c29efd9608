"""Reservation requests of a family: preview, create, add slots, cancel, history, agenda.

The pattern copy and the calendar are plain modules (:mod:`planning.pattern`, :mod:`planning.calendar`);
this module checks access (planning's read model of enrolment's validations), deadlines and overlaps,
and stores the lines: one item per date and slot, partitioned by family and month, written in batches.
Events carry the request's summary (its recap), never its lines.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import combinations
from typing import Any, Protocol

from pynamodb.exceptions import PynamoDBException

from planning import answers, catalogue, gates, lifecycle
from planning.calendar import Calendar, Period
from planning.deadlines import DeadlineRule, can_book, can_cancel
from planning.lifecycle import LineStatus, Transition
from planning.line_store import MAX_ITEMS, StaleWrite, UnitOfWork
from planning.models import (
    Capacity,
    Counter,
    HistoryEntry,
    ReservationLine,
    ReservationRequest,
    Validation,
    recipient,
)
from planning.pattern import Line, PatternElement, Slot, expand, recap
from shared import clock
from shared.ddb import transaction
from shared.errors import ApiError, Conflict, Forbidden, InvalidInput, NotFound
from shared.events import planning as ev


def _time(value: str) -> time:
    return time.fromisoformat(value)


@dataclass(frozen=True)
class PeriodContext:
    """A period with what the rules need: its structure's calendar, slots and deadlines."""

    data: dict[str, Any]
    structure: dict[str, Any]
    calendar: Calendar

    @property
    def period_id(self) -> str:
        return str(self.data["period_id"])

    @property
    def period(self) -> Period:
        return Period(date.fromisoformat(self.data["start"]), date.fromisoformat(self.data["end"]),
                      frozenset(self.data["weekdays"]), self.data["type"], self.data["name"])

    @property
    def slots(self) -> dict[str, Slot]:
        return {s["code"]: Slot(s["code"], _time(s["start"]), _time(s["end"])) for s in self.data["slots"]}

    def label(self, code: str) -> str:
        return next((s["label"] for s in self.data["slots"] if s["code"] == code), code)

    @property
    def structure_name(self) -> str:
        return str(self.structure["name"])

    @property
    def period_name(self) -> str:
        return str(self.data["name"])

    def rule(self, name: str) -> DeadlineRule:
        spec = self.data[name]
        return DeadlineRule(days_before=spec["days_before"], hour=_time(spec["hour"]))


class Labelled(Protocol):
    """What a recap or an e-mail names: slots, the structure and the period (a period context, or the names
    a request's lines carry, which spares reading the catalogue)."""

    def label(self, code: str) -> str: ...

    @property
    def structure_name(self) -> str: ...

    @property
    def period_name(self) -> str: ...


@dataclass(frozen=True)
class LineLabels:
    """The names copied onto a request's lines when they were written (``ReservationLine.labels``)."""

    slots: dict[str, str]
    structure_name: str
    period_name: str

    @staticmethod
    def of(lines: Iterable[ReservationLine]) -> LineLabels | None:
        """The names the lines carry; None when a line has none (written before they carried them)."""
        slots: dict[str, str] = {}
        names: tuple[str, str] | None = None
        for line in lines:
            labels = json.loads(line.labels or "{}")
            if not (labels.get("slot") and labels.get("structure") and labels.get("period")):
                return None
            slots[line.slot_code] = labels["slot"]
            names = names or (labels["structure"], labels["period"])
        return LineLabels(slots, *names) if names else None

    def label(self, code: str) -> str:
        return self.slots.get(code, code)


def context(period_id: str, snap: catalogue.Snapshot | None = None) -> PeriodContext:
    """The period and its structure's calendar, from ``snap`` when the caller already read the catalogue."""
    snap = snap if snap is not None else catalogue.snapshot()
    period = catalogue.periods(snap).get(period_id)
    if period is None:
        raise NotFound("Cette période n'existe pas.", fields={"period_id": "Période inconnue."})
    structure = catalogue.structures(snap)[period["structure_id"]]
    closures = [(date.fromisoformat(c["start"]), date.fromisoformat(c["end"])) for c in structure["closures"]]
    return PeriodContext(period, structure, Calendar(structure["departement"], structure["zone"], closures))


def closed_reason(ctx: PeriodContext, day: date) -> str | None:
    """Why ``day`` is closed in the period (shown on the calendar), or None when it is open."""
    period, cal = ctx.period, ctx.calendar
    in_period = period.start <= day <= period.end
    if not in_period or day.weekday() not in period.weekdays:
        return "Hors période"
    if name := cal.public_holiday_name(day):
        return None if ctx.data["activity"] == "sejour" else f"Jour férié : {name}"  # a séjour runs on them
    if cal.is_structure_closure(day):
        return "Fermeture de la structure"
    if period.type == "school_days" and cal.is_school_holiday(day):
        return "Vacances scolaires"
    if period.type == "holidays" and not cal.is_school_holiday(day):
        return "Période scolaire"
    return None


class Contexts(dict[str, PeriodContext]):
    """Period contexts of one catalogue snapshot (one Query, on first need) for loops over many requests."""

    def __init__(self, seed: dict[str, PeriodContext] | None = None, snap: catalogue.Snapshot | None = None) -> None:
        super().__init__(seed or {})
        self._snap = snap

    def __missing__(self, period_id: str) -> PeriodContext:
        if self._snap is None:
            self._snap = catalogue.snapshot()
        self[period_id] = found = context(period_id, self._snap)
        return found


# --- access ------------------------------------------------------------------------------------------------

def validations(family_id: str) -> list[Validation]:
    return list(Validation.query(f"FAMILY#{family_id}", Validation.sk.startswith("VALIDATION#")))


def family_items(family_id: str) -> tuple[list[Validation], list[ReservationRequest]]:
    """The family's validations and requests in one Query of its partition (submitted requests only)."""
    found_validations, found_requests = [], []
    connection = Validation._get_connection()
    last_key = None
    while True:
        page = connection.query(f"FAMILY#{family_id}", exclusive_start_key=last_key, consistent_read=True)
        for raw in page.get("Items", []):
            sk = raw["sk"]["S"]
            if sk.startswith("VALIDATION#"):
                found_validations.append(Validation.from_raw_data(raw))
            elif sk.startswith("REQUEST#"):
                found_requests.append(ReservationRequest.from_raw_data(raw))
        last_key = page.get("LastEvaluatedKey")
        if not last_key:
            return found_validations, found_requests


def access(family_id: str, child_id: str, ctx: PeriodContext, known: list[Validation] | None = None) -> Validation:
    """The validation that opens this period to this child, or Forbidden with what to do."""
    for item in known if known is not None else validations(family_id):
        if (item.child_id == child_id and item.structure_id == ctx.data["structure_id"]
                and item.activity == ctx.data["activity"]):
            if item.status == "validated":
                return item
            raise Forbidden("Votre dossier doit être à nouveau validé par le responsable de la structure avant de "
                            "réserver : des informations obligatoires manquent.", code="validation_revoked")
    raise Forbidden("Votre compte doit être validé par le responsable de la structure pour accéder au planning de "
                    "réservation.", code="not_validated")


def open_plannings(family_id: str) -> list[dict[str, Any]]:
    periods = catalogue.periods()
    items = []
    for item in validations(family_id):
        matching = [p for p in periods.values() if p["structure_id"] == item.structure_id
                    and p["activity"] == item.activity and not p.get("archived")]
        items.append({"child_id": item.child_id, "child_first_name": item.child_first_name,
                      "structure_id": item.structure_id, "activity": item.activity,
                      "status": "open" if item.status == "validated" else "awaiting_validation",
                      "periods": sorted(matching, key=lambda p: p["start"])})
    return items


# --- building lines ----------------------------------------------------------------------------------------

def lines_for(ctx: PeriodContext, selection: list[PatternElement] | None,
              first_day_slots: list[str] | None) -> list[Line]:
    unknown = ({e.slot_code for e in selection or []} | set(first_day_slots or [])) - set(ctx.slots)
    if unknown:
        raise InvalidInput("Plage d'accueil inconnue pour cette période.",
                           fields={"selection": ", ".join(sorted(unknown))})
    if ctx.data["activity"] == "sejour":
        if not first_day_slots:
            raise InvalidInput("Choisissez la présence du premier jour du séjour.", fields={"first_day_slots": "Vide."})
        # A séjour runs every day of its week(s), public holidays included (the children are away).
        day, end = ctx.period.start, ctx.period.end
        lines: list[Line] = []
        while day <= end:
            if day.weekday() in ctx.period.weekdays and not ctx.calendar.is_structure_closure(day):
                lines.extend(Line(day, code) for code in dict.fromkeys(first_day_slots))
            day += timedelta(days=1)
        return lines
    if not selection:
        raise InvalidInput("Choisissez au moins une présence.", fields={"selection": "Vide."})
    return expand(selection, ctx.calendar, ctx.period)


def _check_overlaps(requests: dict[str, ReservationRequest], child_id: str, ctx: PeriodContext, lines: list[Line],
                    month_lines: list[ReservationLine], snap: catalogue.Snapshot) -> None:
    """A child never holds two slots that overlap in time on one day, whatever the request: the new
    lines are checked against each other and against the child's live lines of the same months."""
    contexts = {ctx.period_id: ctx}
    held: dict[date, list[tuple[str, Slot]]] = defaultdict(list)
    for line in month_lines:
        request = requests.get(line.request_id)
        if line.child_id != child_id or line.status in ("cancelled", "refused") or request is None:
            continue
        if request.period_id not in contexts:
            contexts[request.period_id] = context(request.period_id, snap)
        other = contexts[request.period_id]
        held[date.fromisoformat(line.date)].append((other.label(line.slot_code), other.slots[line.slot_code]))
    new: dict[date, list[tuple[str, Slot]]] = defaultdict(list)
    for planned in lines:
        new[planned.date].append((ctx.label(planned.slot_code), ctx.slots[planned.slot_code]))
    for day in sorted(new):
        mine = new[day]
        pairs = [*combinations(mine, 2), *((a, b) for a in mine for b in held.get(day, []) if a[0] != b[0])]
        clash = next(((a, b) for a, b in pairs if a[1].overlaps(b[1])), None)
        if clash:
            raise InvalidInput(f"Le {day.strftime('%d/%m/%Y')}, {clash[0][0]} et {clash[1][0]} se chevauchent : "
                               "un enfant ne peut pas avoir deux présences en même temps.",
                               fields={"selection": "Présences qui se chevauchent."})


def _bookable(ctx: PeriodContext, lines: list[Line], now: datetime) -> tuple[list[Line], list[dict[str, str]]]:
    opens, closes = date.fromisoformat(ctx.data["booking_opens"]), date.fromisoformat(ctx.data["booking_closes"])
    if not opens <= now.date() <= closes:
        raise ApiError(f"Les réservations pour {ctx.data['name']} sont ouvertes du {opens.strftime('%d/%m/%Y')} au "
                       f"{closes.strftime('%d/%m/%Y')}.", code="booking_closed", fields={"period_id": "Fermée."},
                       status=400)
    keep, skipped = [], []
    rule = ctx.rule("booking_deadline")
    for line in lines:
        decision = can_book(now, line.date, rule, ctx.calendar)
        if decision:
            keep.append(line)
        else:
            skipped.append({"date": line.date.isoformat(), "slot_code": line.slot_code, "kind": "deadline",
                            "reason": decision.reason or "Délai dépassé."})
    if not keep:
        raise ApiError("Plus aucune de ces dates ne peut être réservée : " + skipped[0]["reason"],
                       code="deadline_passed", fields={"selection": "Délai dépassé."}, status=400)
    return keep, skipped


def recap_view(ctx: Labelled, lines: list[Line]) -> dict[str, Any]:
    summary = recap(lines)
    return {"rows": [{"weekday": row.weekday_name.capitalize(), "slot": ctx.label(row.slot_code),
                      "slot_code": row.slot_code, "count": row.count, "first": row.first.isoformat(),
                      "last": row.last.isoformat()}
                     for row in summary.rows],
            "total_lines": summary.total_lines, "total_days": summary.total_days,
            "first": summary.first.isoformat() if summary.first else None,
            "last": summary.last.isoformat() if summary.last else None}


def _event_recap(view: dict[str, Any]) -> list[ev.RecapRow]:
    return [ev.RecapRow(weekday=r["weekday"], slot=r["slot"], count=r["count"], first=date.fromisoformat(r["first"]),
                        last=date.fromisoformat(r["last"])) for r in view["rows"]]


@dataclass
class Plan:
    ctx: PeriodContext
    validation: Validation
    lines: list[Line]
    skipped: list[dict[str, str]]
    month_lines: list[ReservationLine]  # the lines of the child's other requests in periods meeting this one
    requests: dict[str, ReservationRequest]  # the family's requests, read with its validations

    def held(self, child_id: str) -> set[tuple[str, str]]:
        return {(ln.date, ln.slot_code) for ln in self.month_lines
                if ln.child_id == child_id and ln.status not in ("cancelled", "refused")}

    def replaced(self, child_id: str) -> dict[tuple[str, str], ReservationLine]:
        """The child's cancelled or refused lines whose date and slot a new line takes over."""
        return {(ln.date, ln.slot_code): ln for ln in self.month_lines
                if ln.child_id == child_id and ln.status in ("cancelled", "refused")}


def _sharing(ctx: PeriodContext, child_id: str, requests: Iterable[ReservationRequest],
             snap: catalogue.Snapshot) -> list[ReservationRequest]:
    """The child's other requests whose period meets this one: their lines may hold the same date and slot
    or an overlapping one. A first request has none, and reads no line."""
    periods = catalogue.periods(snap)
    start, end = ctx.data["start"], ctx.data["end"]
    return [r for r in requests if r.child_id == child_id and (p := periods.get(r.period_id))
            and p["start"] <= end and start <= p["end"]]


def plan(family_id: str, child_id: str, period_id: str, selection: list[PatternElement] | None,
         first_day_slots: list[str] | None, request_id: str | None = None) -> Plan:
    """What a request would hold: two reads for a first request (the catalogue, the family's partition),
    and one more per other request of the child in a period that meets this one."""
    snap = catalogue.snapshot()
    ctx = context(period_id, snap)
    if ctx.data.get("archived"):  # an archived period keeps its presences but takes no new ones
        raise Conflict("Cette période est archivée : elle ne prend plus de nouvelles réservations.",
                       code="period_archived", fields={"period_id": "Période archivée."})
    known, requests = family_items(family_id)
    validation = access(family_id, child_id, ctx, known)
    lines = lines_for(ctx, selection, first_day_slots)
    by_id = {r.request_id: r for r in requests}
    if request_id in by_id:  # ``request_id`` exists already: nothing to plan, the caller answers it
        return Plan(ctx, validation, [], [], [], by_id)
    month_lines = [ln for r in _sharing(ctx, child_id, requests, snap) for ln in request_lines(r)]
    _check_overlaps(by_id, child_id, ctx, lines, month_lines, snap)
    keep, skipped = _bookable(ctx, lines, clock.now())
    keep, already = _not_held(keep, month_lines, child_id)
    return Plan(ctx, validation, keep, skipped + already, month_lines, by_id)


def _not_held(lines: list[Line], month_lines: list[ReservationLine],
              child_id: str) -> tuple[list[Line], list[dict[str, str]]]:
    """The lines the child does not hold yet, and those it holds (named with their request's number): the
    preview, the new request and the lines added agree on what is left out and say why."""
    held = {(ln.date, ln.slot_code): ln.request_number for ln in month_lines
            if ln.child_id == child_id and ln.status not in ("cancelled", "refused")}
    fresh = [ln for ln in lines if (ln.date.isoformat(), ln.slot_code) not in held]
    already = [{"date": ln.date.isoformat(), "slot_code": ln.slot_code, "kind": "already_requested",
                "reason": f"déjà demandée (demande N° {held[(ln.date.isoformat(), ln.slot_code)]})"}
               for ln in lines if (ln.date.isoformat(), ln.slot_code) in held]
    if not fresh:
        raise InvalidInput("Ces présences sont déjà demandées.", fields={"selection": "Déjà demandées."})
    return fresh, already


# --- writing -----------------------------------------------------------------------------------------------

def _line_item(family_id: str, request: ReservationRequest, line: Line, ctx: PeriodContext,
               child_first_name: str | None) -> ReservationLine:
    day = line.date.isoformat()
    labels = {"slot": ctx.label(line.slot_code), "structure": ctx.structure["name"], "period": ctx.data["name"],
              "child": child_first_name}
    return ReservationLine(
        *ReservationLine.key(family_id, day, request.child_id, line.slot_code), family_id=family_id,
        request_id=request.request_id, child_id=request.child_id, date=day, slot_code=line.slot_code,
        status="pending", requested_at=request.created_at.isoformat(), request_number=request.number,
        period_id=request.period_id, structure_id=request.structure_id, activity=request.activity,
        labels=json.dumps(labels), gsi1pk=f"OCC#{request.structure_id}#{day}",
        gsi1sk=f"{line.slot_code}#{family_id}#{request.child_id}", gsi2pk=f"REQUEST#{request.request_id}",
        gsi2sk=f"{day}#{line.slot_code}")


def next_number() -> str:
    counter = Counter(*Counter.key("REQUEST_NUMBER"))
    counter.update(actions=[Counter.value.add(1)])
    return f"{int(counter.value):06d}"


def told(request: ReservationRequest, what: str) -> Any:
    """The update action appending ``what`` to the request's history (list_append: no read, so two writers
    at the same instant both keep their entry); the request read is updated too, for the answer's view.
    Nothing to undo on a failed write: the action that failed answers an error, not this request."""
    at = clock.now().isoformat()
    request.log = [*(request.log or []), HistoryEntry(at=at, what=what)]
    return ReservationRequest.append_history(what, at)


def _submitted_event(request: ReservationRequest, p: Plan, recap_data: dict[str, Any], correlation_id: str,
                     added: bool) -> ev.ReservationRequestSubmitted:
    return ev.ReservationRequestSubmitted(
        request_id=request.request_id, request_number=request.number, family_id=request.family_id,
        email=p.validation.email or "", first_name=p.validation.first_name or "",
        child_first_name=p.validation.child_first_name or "", structure_id=request.structure_id,
        structure_name=p.ctx.structure["name"], period_name=p.ctx.data["name"], line_count=len(p.lines),
        recap=_event_recap(recap_data), added=added, correlation_id=correlation_id)


@dataclass
class Created:
    """A request (or lines added to it) as written: the items, for the period's answer policy, and the view."""

    request: ReservationRequest
    lines: list[ReservationLine]
    view: dict[str, Any]
    ctx: PeriodContext


def request_id_for(family_id: str, idempotency_key: str | None) -> str:
    """A repeat of the same creating POST (same ``Idempotency-Key``) names the same request, so that a
    retry after a crash completes the lines it had written rather than colliding with them."""
    if idempotency_key:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"planning:{family_id}:{idempotency_key}"))
    return str(uuid.uuid4())


def _write_new_lines(items: list[ReservationLine], replaced: dict[tuple[str, str], ReservationLine],
                     last: Callable[[UnitOfWork], None], count: bool, resumes: bool = False) -> None:
    """Write new lines, each conditional on its key being free (or on the cancelled or refused line it
    replaces being unchanged), 90-odd a transaction; ``last`` adds the request's own writes and its
    outbox entry to the final transaction, so the event exists only once every line does. On a
    collision the lines already written are deleted and the caller gets a French 409."""
    written: list[ReservationLine] = []
    uow = UnitOfWork()
    pending = list(items)
    try:
        while pending:
            line = pending.pop(0)
            uow.add_line(line, replaced.get((line.date, line.slot_code)), count=count, resumes=resumes)
            if pending and uow.size() >= MAX_ITEMS - 4:  # room for the request, its event and a replaced one
                uow.commit()
                written += items[len(written):len(items) - len(pending)]
                uow = UnitOfWork()
        last(uow)
        uow.commit()
    except StaleWrite:
        _undo(written, counted=count)
        closed = gates.closed_among(items)  # lost to a catalogue change (decision 106): say what it removed
        if closed:
            raise gates.catalogue_changed(closed) from None
        raise Conflict("Certaines de ces présences viennent d'être demandées par ailleurs (un autre onglet ?) : "
                       "rechargez « Mon planning » pour voir votre demande.",
                       fields={"selection": "Déjà demandées."}) from None
    except PynamoDBException:
        _undo(written, counted=count)
        raise ApiError("Le service est momentanément surchargé : votre demande n'a pas été enregistrée, "
                       "réessayez dans quelques instants.", code="unavailable",
                       fields={"selection": "Non enregistrée."}, status=503) from None


def _undo(lines: list[ReservationLine], counted: bool = False) -> None:
    """Delete the lines of a failed write that are still as written (nothing else changed them); each key
    leaves its cell's count of lines (decision 106); ``counted``: their request's counts had taken them
    (lines added to an existing request), and give them back."""
    per = (MAX_ITEMS - 1) // 2  # a line and its cell
    for start in range(0, len(lines), per):
        chunk = lines[start:start + per]
        with transaction() as tx:
            for line in chunk:
                tx.delete(line, condition=(ReservationLine.request_id == line.request_id)
                          & (ReservationLine.status == LineStatus.PENDING.value))
                tx.update(Capacity(*Capacity.key(line.period_id or "", line.date, line.slot_code)),
                          actions=[Capacity.lines.add(-1)])
            if counted:
                tx.update(ReservationRequest(*ReservationRequest.key(chunk[0].family_id, chunk[0].request_id)),
                          actions=[ReservationRequest.count_pending.add(-len(chunk)),
                                   ReservationRequest.line_count.add(-len(chunk))],
                          condition=ReservationRequest.pk.exists())


def create(family_id: str, child_id: str, period_id: str, selection: list[PatternElement] | None,
           first_day_slots: list[str] | None, correlation_id: str, idempotency_key: str | None = None) -> Created:
    request_id = request_id_for(family_id, idempotency_key)
    p = plan(family_id, child_id, period_id, selection, first_day_slots, request_id)
    if request_id in p.requests:  # this key's request, written by an attempt whose answer was lost
        done = p.requests[request_id]
        lines = request_lines(done)
        recap_data = recap_view(p.ctx, [Line(date.fromisoformat(ln.date), ln.slot_code) for ln in lines])
        return Created(done, lines, {**summary(done, p.ctx), "recap": recap_data, "skipped": []}, p.ctx)
    held = p.held(child_id)
    p.lines = [ln for ln in p.lines if (ln.date.isoformat(), ln.slot_code) not in held]
    if not p.lines:
        raise InvalidInput("Ces présences sont déjà demandées.", fields={"selection": "Déjà demandées."})
    now = clock.now()
    days = sorted(ln.date.isoformat() for ln in p.lines)
    request = ReservationRequest(
        *ReservationRequest.key(family_id, request_id), family_id=family_id, request_id=request_id,
        number=next_number(), created_at=now, child_id=child_id, child_first_name=p.validation.child_first_name,
        child_last_name=p.validation.child_last_name, family_name=p.validation.family_name,
        structure_id=p.ctx.data["structure_id"],
        period_id=period_id, activity=p.ctx.data["activity"], line_count=len(p.lines), history="[]",
        log=[HistoryEntry(at=now.isoformat(), what=f"Demande créée : {len(p.lines)} présence(s)")],
        counted=True, count_pending=len(p.lines), first_date=days[0], last_date=days[-1],
        pattern=json.dumps([{"weekday": e.weekday, "slot_code": e.slot_code, "parity": e.parity}
                            for e in selection or []]),
        gsi1pk=f"STRUCTURE#{p.ctx.data['structure_id']}", gsi1sk=f"{now.isoformat()}#{request_id}")
    recap_data = recap_view(p.ctx, p.lines)
    items = [_line_item(family_id, request, line, p.ctx, p.validation.child_first_name) for line in p.lines]
    event = _submitted_event(request, p, recap_data, correlation_id, added=False)

    def last(uow: UnitOfWork) -> None:
        uow.step(lambda tx: tx.save(request, condition=ReservationRequest.pk.does_not_exist()))
        uow.publish(event)

    # A retry with the key of an attempt that died between its transactions finds that attempt's lines
    # (same request id) and writes them again; the request and its event come with the last transaction.
    _write_new_lines(items, p.replaced(child_id), last, count=False, resumes=idempotency_key is not None)
    return Created(request, items, {**summary(request, p.ctx), "recap": recap_data, "skipped": p.skipped}, p.ctx)


def get_request(family_id: str, request_id: str) -> ReservationRequest:
    try:
        return ReservationRequest.get(*ReservationRequest.key(family_id, request_id), consistent_read=True)
    except ReservationRequest.DoesNotExist:
        raise NotFound("Cette demande de réservation n'existe pas.", fields={"request_id": "Inconnue."}) from None


@dataclass
class FamilyRequest:
    """A request read with its family's partition (one Query): its child's contact and validations, and the
    family's other requests (siblings' places), for the actions that need them beside the request."""

    request: ReservationRequest
    validations: list[Validation]
    requests: list[ReservationRequest]

    @property
    def contact(self) -> Validation | None:
        """The validation row of the request's child and structure, whatever its status (contact details)."""
        return next((v for v in self.validations if v.child_id == self.request.child_id
                     and v.structure_id == self.request.structure_id), None)


def family_request(family_id: str, request_id: str) -> FamilyRequest:
    """The request with its family's partition, in one Query (instead of a GetItem and a Query)."""
    known, requests = family_items(family_id)
    request = next((r for r in requests if r.request_id == request_id), None)
    if request is None:
        raise NotFound("Cette demande de réservation n'existe pas.", fields={"request_id": "Inconnue."})
    return FamilyRequest(request, known, requests)


def request_lines(request: ReservationRequest) -> list[ReservationLine]:
    return list(ReservationLine.by_request.query(f"REQUEST#{request.request_id}"))


def add_lines(family_id: str, request_id: str, selection: list[PatternElement] | None,
              first_day_slots: list[str] | None, correlation_id: str) -> Created:
    request = get_request(family_id, request_id)
    p = plan(family_id, request.child_id, request.period_id, selection, first_day_slots)
    held = p.held(request.child_id)
    p.lines = [ln for ln in p.lines if (ln.date.isoformat(), ln.slot_code) not in held]
    if not p.lines:
        raise InvalidInput("Ces présences sont déjà dans votre demande.", fields={"selection": "Déjà demandées."})
    recap_data = recap_view(p.ctx, p.lines)
    items = [_line_item(family_id, request, line, p.ctx, p.validation.child_first_name) for line in p.lines]
    pattern = json.loads(request.pattern or "[]")
    pattern += [e for e in ({"weekday": x.weekday, "slot_code": x.slot_code, "parity": x.parity}
                            for x in selection or []) if e not in pattern]
    days = sorted(ln.date.isoformat() for ln in p.lines)
    event = _submitted_event(request, p, recap_data, correlation_id, added=True)

    # The pattern and the dates asked are rewritten from the copy read: conditional on it (another tab adding
    # slots at the same instant makes this one a 409 and its lines are taken back, never a pattern lost).
    unchanged = ReservationRequest.pattern == request.pattern
    for name in ("first_date", "last_date"):
        attr, value = getattr(ReservationRequest, name), getattr(request, name)
        unchanged &= attr.does_not_exist() if value is None else attr == value

    def last(uow: UnitOfWork) -> None:
        uow.request(request, [ReservationRequest.pattern.set(json.dumps(pattern)),
                              ReservationRequest.first_date.set(min(days[0], request.first_date or days[0])),
                              ReservationRequest.last_date.set(max(days[-1], request.last_date or days[-1])),
                              told(request, f"Ajout de {len(p.lines)} présence(s)")], condition=unchanged)
        uow.publish(event)

    _write_new_lines(items, p.replaced(request.child_id), last, count=True)
    return Created(request, items, {**summary(request, p.ctx), "recap": recap_data, "skipped": p.skipped}, p.ctx)


def lines_at(request: ReservationRequest, cells: Iterable[tuple[str, str]]) -> list[ReservationLine]:
    """The request's lines at these (date, slot code): one BatchGetItem per 100, never the whole request."""
    keys = [ReservationLine.key(request.family_id, day, request.child_id, slot) for day, slot in cells]
    return [ln for ln in ReservationLine.batch_get(keys, consistent_read=True)
            if ln.request_id == request.request_id]


CHANGED = ("Ces présences viennent de changer (une réponse de la structure ?) : rechargez la demande avant d'en "
           "demander l'annulation.")


def cancel(family_id: str, request_id: str, lines: list[tuple[str, str]] | None, everything: bool,
           from_day: date | None, preview: bool, correlation_id: str,
           ) -> tuple[dict[str, Any], ReservationRequest, PeriodContext]:
    """Ask the cancellation of some lines (each a conditional move from the state read; chosen lines are
    read by key, never the whole request). Returns the view, the request and its period."""
    found_request = family_request(family_id, request_id)
    request = found_request.request
    ctx = context(request.period_id)
    if lines is not None:
        wanted = set(lines)
        found = lines_at(request, wanted)
        if len(found) != len(wanted):
            raise InvalidInput("Certaines présences ne font pas partie de cette demande.",
                               fields={"lines": "Présence inconnue."})
        chosen = [ln for ln in found if ln.status in lifecycle.CANCELLABLE]
        if len(chosen) != len(found):
            raise Conflict(CHANGED, fields={"lines": "Présence déjà annulée, refusée ou modifiée."})
    elif everything or from_day is not None:
        current = [ln for ln in request_lines(request) if ln.status in lifecycle.CANCELLABLE]
        chosen = current if everything else [ln for ln in current if from_day and ln.date >= from_day.isoformat()]
    else:
        raise InvalidInput("Indiquez les présences à annuler.", fields={"lines": "Vide."})
    now, rule = clock.now(), ctx.rule("cancellation_deadline")
    refused = [(ln, d) for ln in chosen if not (d := can_cancel(now, date.fromisoformat(ln.date), rule, ctx.calendar))]
    if refused and (lines is not None or len(refused) == len(chosen)):
        raise InvalidInput(refused[0][1].reason or "Délai dépassé.", code="deadline_passed",
                           fields={"lines": "Délai dépassé."})
    chosen = [ln for ln in chosen if ln not in {r[0] for r in refused}]
    if not chosen:
        raise InvalidInput("Aucune présence à annuler.", fields={"lines": "Vide."})
    recap_data = recap_view(ctx, [Line(date.fromisoformat(ln.date), ln.slot_code) for ln in chosen])
    if preview:
        return {"recap": recap_data, "line_count": len(chosen)}, request, ctx
    validation = found_request.contact
    before = request.log

    def tell(uow: UnitOfWork, asked: list[ReservationLine]) -> None:
        recap_told = recap_view(ctx, [Line(date.fromisoformat(ln.date), ln.slot_code) for ln in asked])
        request.log = before  # ``tell`` runs again when the first try of the moves was refused
        uow.request(request, [told(request, f"Annulation demandée de {len(asked)} présence(s)")])
        uow.publish(ev.CancellationRequested(
            request_id=request.request_id, request_number=request.number, family_id=family_id,
            **recipient(validation),
            structure_id=request.structure_id, structure_name=ctx.structure["name"], period_name=ctx.data["name"],
            line_count=len(asked), recap=_event_recap(recap_told), correlation_id=correlation_id))

    from planning.decisions import _move_lines

    done = _move_lines(None, chosen, Transition.REQUEST_CANCEL, finish=tell)
    if not done:
        raise Conflict(CHANGED, fields={"lines": "Présence modifiée."})
    if len(done) != len(chosen):
        recap_data = recap_view(ctx, [Line(date.fromisoformat(ln.date), ln.slot_code) for ln in done])
    return {"recap": recap_data, "line_count": len(done), "period_id": request.period_id,
            "lines": [{"date": ln.date, "slot_code": ln.slot_code} for ln in done]}, request, ctx


# --- reading -----------------------------------------------------------------------------------------------

def summary(request: ReservationRequest, ctx: Labelled | None = None) -> dict[str, Any]:
    ctx = ctx or context(request.period_id)
    return {"request_id": request.request_id, "number": request.number, "created_at": request.created_at.isoformat(),
            "child_id": request.child_id, "structure_id": request.structure_id,
            "structure_name": ctx.structure_name, "period_id": request.period_id, "period_name": ctx.period_name,
            "activity": request.activity, "line_count": int(request.line_count),
            "history": request.history_entries()}


def requests_of(family_id: str) -> list[ReservationRequest]:
    return sorted(family_items(family_id)[1], key=lambda r: r.created_at, reverse=True)


def counts_of(request: ReservationRequest) -> dict[str, int]:
    """The lines' status counts: kept on the request; read from its lines for a request written before."""
    if request.counted:
        return request.counts()
    return {k.value: n for k, n in lifecycle.count_statuses(ln.status for ln in request_lines(request)).items()}


def history(family_id: str) -> list[dict[str, Any]]:
    """The family's requests, newest first: one Query of its partition (validations and requests) and the
    catalogue's; the answer comes from the counts kept on each request, not from its lines."""
    known, requests = family_items(family_id)
    names = {v.child_id: v.child_first_name for v in known}
    contexts = Contexts()
    result = []
    for request in sorted(requests, key=lambda r: r.created_at, reverse=True):
        counts = counts_of(request)
        result.append({**summary(request, contexts[request.period_id]),
                       "child_first_name": names.get(request.child_id), "counts": counts,
                       "answer": (code := answers.answer_of(counts)), "status": answers.LABELS[code]})
    return result


def agenda(family_id: str, month: str) -> list[dict[str, Any]]:
    """The family's month: one Query on its month partition (lines carry what the agenda shows)."""
    result = []
    for line in ReservationLine.query(f"FAMILY#{family_id}#MONTH#{month}"):
        labels = json.loads(line.labels or "{}")
        result.append({"date": line.date, "slot_code": line.slot_code, "slot_label": labels.get("slot"),
                       "child_id": line.child_id, "child_first_name": labels.get("child"),
                       "status": line.status, "status_label": lifecycle.label(line.status), "reason": line.reason,
                       "request_id": line.request_id, "request_number": line.request_number,
                       "request_date": (line.requested_at or "")[:10], "structure_id": line.structure_id,
                       "structure_name": labels.get("structure"), "activity": line.activity,
                       "period_id": line.period_id, "period_name": labels.get("period")})
    return result
