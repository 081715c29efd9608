"""Answers to reservation requests: staff decisions, automatic acceptance, the waiting list and the
confirmation of cancellations — every place taken through a conditional write.

A line is accepted only in a transaction that increments its date's ``Capacity`` item under the slot's
capacity; parallel decisions and bookings can never accept more places than there are. A freed place
(cancellation confirmed) goes to the first waiting line of that date and slot that fits (highest
priority, then oldest request), automatically or, when the period says so, on the manager's decision.
"""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

from pynamodb.exceptions import TransactWriteError, UpdateError

from planning import committee
from planning.models import Capacity, Outbox, ReservationLine, ReservationRequest, Validation
from planning.pattern import Line
from planning.reservations import (
    PeriodContext,
    _event_recap,
    _history,
    context,
    recap_view,
    request_lines,
    validations,
)
from shared import outbox
from shared.ddb import transaction
from shared.errors import Conflict, InvalidInput
from shared.events import planning as ev

Decision = Literal["accepted", "waitlisted", "refused"]
OPEN = ("pending", "waitlisted")
WEEKDAYS = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")


def capacity_of(ctx: PeriodContext, slot_code: str) -> int:
    return int(next((s["capacity"] for s in ctx.data["slots"] if s["code"] == slot_code), 0))


def accept_line(ctx: PeriodContext, line: ReservationLine) -> bool:
    """Take a place for ``line``: False when its date is full (or the line changed meanwhile)."""
    cap = capacity_of(ctx, line.slot_code)
    if cap <= 0:
        return False
    counter = Capacity(*Capacity.key(ctx.data["period_id"], line.date, line.slot_code))
    try:
        with transaction() as tx:
            tx.update(counter, actions=[Capacity.taken.add(1)],
                      condition=Capacity.taken.does_not_exist() | (Capacity.taken < cap))
            tx.update(line, actions=[ReservationLine.status.set("accepted"), ReservationLine.was_accepted.set(True),
                                     ReservationLine.reason.remove()],
                      condition=ReservationLine.status.is_in(*OPEN))
    except TransactWriteError:
        return False
    line.status, line.was_accepted = "accepted", True
    return True


def free_place(ctx: PeriodContext, day: str, slot_code: str) -> None:
    counter = Capacity(*Capacity.key(ctx.data["period_id"], day, slot_code))
    with contextlib.suppress(UpdateError):  # nothing counted: a place never taken
        counter.update(actions=[Capacity.taken.add(-1)], condition=Capacity.taken > 0)


def _set(line: ReservationLine, status: str, priority: int | None = None, reason: str = "") -> None:
    actions = [ReservationLine.status.set(status)]
    if priority is not None:
        actions.append(ReservationLine.priority.set(priority))
    actions.append(ReservationLine.reason.set(reason) if reason else ReservationLine.reason.remove())
    try:
        line.update(actions=actions, condition=ReservationLine.status.is_in(*OPEN))
    except UpdateError:
        return
    line.status = status


# --- priority ---------------------------------------------------------------------------------------------

def weights() -> dict[str, int]:
    from planning.models import Config

    try:
        return dict(json.loads(Config.get(*Config.key("CRITERIA")).data))
    except Config.DoesNotExist:
        return dict(committee.DEFAULT_WEIGHTS)


def facts(request: ReservationRequest, known: list[Validation] | None = None,
          siblings_enrolled: bool | None = None) -> dict[str, bool]:
    rows = known if known is not None else validations(request.family_id)
    mine = next((v for v in rows if v.child_id == request.child_id and v.structure_id == request.structure_id), None)
    if siblings_enrolled is None:
        siblings_enrolled = sibling_enrolled(request)
    return {"sibling_enrolled": siblings_enrolled,
            "both_parents_working": bool(mine and mine.both_parents_working),
            "resident": bool(mine and mine.resident), "staff_flag": bool(mine and mine.priority_flag)}


def sibling_enrolled(request: ReservationRequest) -> bool:
    """Another child of the family already holds an accepted place in the structure."""
    others = ReservationRequest.query(request.pk, ReservationRequest.sk.startswith("REQUEST#"))
    return any(o.child_id != request.child_id and o.structure_id == request.structure_id
               and any(ln.was_accepted and ln.status != "cancelled" for ln in request_lines(o)) for o in others)


# --- elements ---------------------------------------------------------------------------------------------

def element_of(line: ReservationLine, pattern: list[dict[str, Any]]) -> tuple[int, str, str]:
    day = date.fromisoformat(line.date)
    for e in pattern:
        if e["weekday"] == day.weekday() and e["slot_code"] == line.slot_code:
            parity = e.get("parity", "all")
            if parity == "all" or (day.isocalendar().week % 2 == 0) == (parity == "even"):
                return (e["weekday"], e["slot_code"], parity)
    return (day.weekday(), line.slot_code, "all")


def outcomes_of(ctx: PeriodContext, request: ReservationRequest, lines: list[ReservationLine]) -> list[ev.SlotOutcome]:
    pattern = json.loads(request.pattern or "[]")
    counts: dict[tuple[int, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    reasons: dict[tuple[int, str, str], str] = {}
    for line in lines:
        key = element_of(line, pattern)
        status = "accepted" if line.status in ("accepted",) else line.status
        counts[key][status] += 1
        if line.reason:
            reasons[key] = line.reason
    return [ev.SlotOutcome(weekday=WEEKDAYS[k[0]], slot=ctx.label(k[1]), parity=k[2],  # type: ignore[arg-type]
                           accepted=c.get("accepted", 0), waitlisted=c.get("waitlisted", 0),
                           refused=c.get("refused", 0), reason=reasons.get(k, ""))
            for k, c in sorted(counts.items())]


def request_answer(lines: Iterable[ReservationLine]) -> str | None:
    statuses = {ln.status for ln in lines if ln.status not in ("cancelled", "cancel_requested")}
    if not statuses or "pending" in statuses:
        return None  # not answered yet
    if statuses == {"accepted"}:
        return "accepted"
    if "accepted" in statuses:
        return "partially_accepted"
    if "waitlisted" in statuses:
        return "waitlisted"
    return "refused"


def announce(ctx: PeriodContext, request: ReservationRequest, trigger: str, what: str, correlation_id: str) -> None:
    """Publish ``RequestDecided`` with every element's outcome, and note it in the request's history."""
    lines = request_lines(request)
    answer = request_answer(lines)
    if answer is None:
        return
    contact = next((v for v in validations(request.family_id) if v.child_id == request.child_id
                    and v.structure_id == request.structure_id), None)
    accepted = sorted({f"{WEEKDAYS[date.fromisoformat(ln.date).weekday()]} {ctx.label(ln.slot_code)}"
                       for ln in lines if ln.status == "accepted"})
    with transaction() as tx:
        tx.update(request, actions=[ReservationRequest.history.set(_history(request, what))])
        tx.save(outbox.entry(Outbox, ev.RequestDecided(
            request_id=request.request_id, request_number=request.number, family_id=request.family_id,
            child_id=request.child_id, structure_id=request.structure_id, structure_name=ctx.structure["name"],
            period_name=ctx.data["name"], activity=request.activity, answer=answer, accepted_slots=accepted,
            email=(contact.email or "") if contact else "", first_name=(contact.first_name or "") if contact else "",
            child_first_name=(contact.child_first_name or "") if contact else "",
            outcomes=outcomes_of(ctx, request, lines), trigger=trigger, correlation_id=correlation_id)))


# --- staff decisions ------------------------------------------------------------------------------------

def decide(request: ReservationRequest, elements: list[dict[str, Any]], lines: list[dict[str, Any]],
           correlation_id: str, trigger: str = "decision") -> dict[str, Any]:
    """Apply decisions per pattern element (whole period) and per line; accepted lines take a place each,
    and a date with no place left puts its line on the waiting list instead."""
    ctx = context(request.period_id)
    all_lines = request_lines(request)
    pattern = json.loads(request.pattern or "[]")
    by_element: dict[tuple[int, str, str], list[ReservationLine]] = defaultdict(list)
    for line in all_lines:
        by_element[element_of(line, pattern)].append(line)
    wanted: list[tuple[ReservationLine, str, str]] = []
    for decision in elements:
        key = (decision["weekday"], decision["slot_code"], decision.get("parity", "all"))
        if key not in by_element:
            raise InvalidInput("Cet élément ne fait pas partie de la demande.", fields={"elements": str(key)})
        wanted += [(ln, decision["decision"], decision.get("reason", "")) for ln in by_element[key]]
    index = {(ln.date, ln.slot_code): ln for ln in all_lines}
    for decision in lines:
        line = index.get((decision["date"], decision["slot_code"]))
        if line is None:
            raise InvalidInput("Cette présence ne fait pas partie de la demande.", fields={"lines": decision["date"]})
        wanted.append((line, decision["decision"], decision.get("reason", "")))
    if not wanted:
        raise InvalidInput("Indiquez au moins une décision.", fields={"elements": "Vide."})
    priority, _ = committee.score(facts(request), weights())
    full = 0
    for line, decision, reason in wanted:
        if line.status not in OPEN:
            continue
        if decision == "accepted":
            if not accept_line(ctx, line):
                full += 1
                _set(line, "waitlisted", priority, "Plus de place disponible à cette date.")
        elif decision == "waitlisted":
            _set(line, "waitlisted", priority, reason)
        else:
            _set(line, "refused", None, reason)
    announce(ctx, request, trigger, "Réponse de la structure", correlation_id)
    return {"full_dates": full}


def auto_accept(request: ReservationRequest, correlation_id: str) -> None:
    """A period set to accept automatically takes places while they remain, the rest waits."""
    ctx = context(request.period_id)
    priority, _ = committee.score(facts(request), weights())
    for line in request_lines(request):
        if line.status == "pending" and not accept_line(ctx, line):
            _set(line, "waitlisted", priority, "Plus de place disponible à cette date.")
    announce(ctx, request, "automatic", "Réponse automatique", correlation_id)


# --- waiting list and cancellations ----------------------------------------------------------------------

def promote(ctx: PeriodContext, day: str, slot_code: str, correlation_id: str) -> ReservationLine | None:
    """Give a freed place to the first waiting line of that date and slot (priority, then age)."""
    waiting = [ln for ln in ReservationLine.by_day.query(f"OCC#{ctx.data['structure_id']}#{day}")
               if ln.slot_code == slot_code and ln.status == "waitlisted"]
    waiting.sort(key=lambda ln: (-int(ln.priority or 0), ln.requested_at or "", ln.request_id))
    if waiting and accept_line(ctx, waiting[0]):
        return waiting[0]
    return None  # nobody waits, or the place was taken meanwhile


def promote_all(ctx: PeriodContext, freed: Iterable[tuple[str, str]], correlation_id: str) -> list[str]:
    """Promote for each freed (date, slot), then tell each promoted request's family once."""
    touched: dict[str, ReservationLine] = {}
    for day, slot_code in freed:
        line = promote(ctx, day, slot_code, correlation_id)
        if line is not None:
            touched[line.request_id] = line
    for line in touched.values():
        request = ReservationRequest.get(*ReservationRequest.key(line.family_id, line.request_id))
        announce(ctx, request, "waitlist", "Place attribuée depuis la liste d'attente", correlation_id)
    return list(touched)


def confirm_cancellations(request: ReservationRequest, only: set[tuple[str, str]] | None,
                          correlation_id: str) -> dict[str, Any]:
    ctx = context(request.period_id)
    asked = [ln for ln in request_lines(request) if ln.status == "cancel_requested"
             and (only is None or (ln.date, ln.slot_code) in only)]
    if not asked:
        raise Conflict("Aucune annulation à confirmer sur cette demande.", fields={"lines": "Vide."})
    freed = []
    for line in asked:
        try:
            line.update(actions=[ReservationLine.status.set("cancelled")],
                        condition=ReservationLine.status == "cancel_requested")
        except UpdateError:
            continue
        if line.was_accepted:
            free_place(ctx, line.date, line.slot_code)
            freed.append((line.date, line.slot_code))
    contact = next((v for v in validations(request.family_id) if v.child_id == request.child_id), None)
    recap_data = recap_view(ctx, [Line(date.fromisoformat(ln.date), ln.slot_code) for ln in asked])
    with transaction() as tx:
        tx.update(request, actions=[ReservationRequest.history.set(
            _history(request, f"Annulation confirmée de {len(asked)} présence(s)"))])
        tx.save(outbox.entry(Outbox, ev.CancellationConfirmed(
            request_id=request.request_id, request_number=request.number, family_id=request.family_id,
            email=(contact.email or "") if contact else "", first_name=(contact.first_name or "") if contact else "",
            child_first_name=(contact.child_first_name or "") if contact else "",
            structure_name=ctx.structure["name"], period_name=ctx.data["name"], line_count=len(asked),
            recap=_event_recap(recap_data), correlation_id=correlation_id)))
    promoted = promote_all(ctx, freed, correlation_id) if ctx.data.get("waitlist_mode", "auto") == "auto" else []
    return {"confirmed": len(asked), "freed": len(freed), "promoted_requests": promoted}
