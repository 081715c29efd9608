"""Answers to reservation requests: staff decisions, automatic acceptance, the waiting list and the
confirmation of cancellations — every place taken through a conditional write.

A line is accepted only in a transaction that increments its date's ``Capacity`` item under the slot's
capacity; parallel decisions and bookings can never accept more places than there are. A freed place
(cancellation confirmed) goes to the first waiting line of that date and slot that fits (highest
priority, then oldest request), automatically or, when the period says so, on the manager's decision.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pynamodb.transactions import TransactWrite

from planning import answers, committee, lifecycle
from planning.deadlines import PARIS
from planning.lifecycle import IllegalTransition, LineStatus, Transition
from planning.line_store import MAX_ITEMS, UnitOfWork
from planning.models import (
    Capacity,
    OpenOffer,
    Outbox,
    ReservationLine,
    ReservationRequest,
    Validation,
    recipient,
)
from planning.pattern import Line
from planning.reservations import (
    FamilyRequest,
    Labelled,
    LineLabels,
    PeriodContext,
    _event_recap,
    context,
    recap_view,
    request_lines,
    told,
    validations,
)
from shared import audit, clock, outbox
from shared.ddb import transaction
from shared.errors import Conflict, InvalidInput
from shared.events import planning as ev

Decision = Literal["accepted", "waitlisted", "refused"]
CLOSED = (LineStatus.CANCEL_REQUESTED, LineStatus.CANCELLED)  # the family's cancellation: no decision applies
FULL = "Plus de place disponible à cette date."
TRANSACTION_LINES = (MAX_ITEMS - 1) // 2  # a line and its counter each, and the request's counts


def capacity_of(ctx: PeriodContext, slot_code: str) -> int:
    return int(next((s["capacity"] for s in ctx.data["slots"] if s["code"] == slot_code), 0))


def places_taken(period_id: str, month: str | None = None) -> dict[tuple[str, str], int]:
    """The places taken per (date, slot code) of a period (or of one month of it): one Query."""
    items = Capacity.query(f"CAPACITY#{period_id}", Capacity.sk.startswith(month) if month else None)
    return {(day, slot): int(item.taken) for item in items for day, slot in [item.sk.split("#", 1)]}


def has_place(ctx: PeriodContext, taken: dict[tuple[str, str], int], line: ReservationLine) -> bool:
    return taken.get((line.date, line.slot_code), 0) < capacity_of(ctx, line.slot_code)


def capacity(ctx: PeriodContext) -> Callable[[str], int]:
    return lambda slot_code: capacity_of(ctx, slot_code)


def accept_line(ctx: PeriodContext, line: ReservationLine, offer_until: str | None = None) -> bool:
    """Take a place for ``line``: False when its date is full (or the line changed meanwhile). With
    ``offer_until`` the place is only held for the family, which accepts or declines it by then."""
    return capacity_of(ctx, line.slot_code) > 0 and _accept_together(ctx, [line], offer_until)


def accept_lines(ctx: PeriodContext, lines: list[ReservationLine]) -> list[ReservationLine]:
    """Accept many lines of one request (distinct dates and slots), 49 per transaction. When a
    transaction fails (some date full), the period's counters are read (one Query) and the lines of the
    dates with a place are tried again together; only a race after that goes line by line. Returns the
    lines left without a place."""
    left = [line for line in lines if capacity_of(ctx, line.slot_code) <= 0]  # a slot with no place at all
    lines = [line for line in lines if capacity_of(ctx, line.slot_code) > 0]
    taken: dict[tuple[str, str], int] | None = None
    for start in range(0, len(lines), TRANSACTION_LINES):
        chunk = lines[start:start + TRANSACTION_LINES]
        if _accept_together(ctx, chunk):
            continue
        if taken is None:
            taken = places_taken(ctx.period_id)
        free = [ln for ln in chunk if has_place(ctx, taken, ln)]
        left += [ln for ln in chunk if ln not in free]
        if free and not _accept_together(ctx, free):
            left += [line for line in free if not accept_line(ctx, line)]
    return left


def _accept_together(ctx: PeriodContext, lines: list[ReservationLine], offer_until: str | None = None) -> bool:
    """Accept (or offer until ``offer_until``) all these lines in one transaction, each incrementing its
    date's counter below the slot's capacity; or none (False: a date is full or a line changed)."""
    uow = UnitOfWork(capacity(ctx))
    try:
        for line in lines:
            if offer_until:
                uow.move(line, Transition.OFFER, offer_until=offer_until)
            else:
                uow.move(line, Transition.ACCEPT)
    except IllegalTransition:
        return False
    return uow.try_commit()


Finish = Callable[[UnitOfWork, list[ReservationLine]], None]


def _move_lines(ctx: PeriodContext | None, lines: list[ReservationLine], transition: Transition,
                finish: Finish | None = None, **fields: Any) -> list[ReservationLine]:
    """Move many lines by ``transition``, as many per transaction as fit; when a transaction is refused (a
    line changed meanwhile), its lines go one by one. Lines the transition cannot leave are skipped.
    ``finish`` adds the writes that tell what was done (history, outbox entry) to the last transaction,
    given the lines moved. Returns the lines moved."""
    todo = [ln for ln in lines if lifecycle.allowed(transition, ln.status, ln.was_accepted)]
    done: list[ReservationLine] = []
    places = any(m.places or m.revives  # a revival checks its cell too (decision 106): two items a line
                 for m in (lifecycle.move(transition, ln.status, ln.was_accepted) for ln in todo))
    per = (MAX_ITEMS - 3) // (2 if places else 1)  # the request's item, and two for ``finish``
    cap = capacity(ctx) if ctx else None
    for start in range(0, len(todo), per):
        chunk = todo[start:start + per]
        last = start + per >= len(todo)
        uow = UnitOfWork(cap)
        for line in chunk:
            uow.move(line, transition, **fields)
        if last and finish is not None:
            finish(uow, done + chunk)
        if uow.try_commit():
            done += chunk
            if last:
                return done
            continue
        for line in chunk:
            one = UnitOfWork(cap)
            try:
                one.move(line, transition, **fields)
            except IllegalTransition:
                continue
            if one.try_commit():
                done.append(line)
    if finish is not None and done:
        uow = UnitOfWork(cap)
        finish(uow, done)
        uow.commit()
    return done


def _transition_of(status: str) -> Transition:
    return {"waitlisted": Transition.WAITLIST, "refused": Transition.REFUSE}[status]


def set_lines(lines: list[ReservationLine], status: str, priority: int | None = None, reason: str = "") -> None:
    """Send open lines to the waiting list or refuse them, 98 per transaction (a line changed meanwhile:
    those go one by one; a line no longer open is left as it is). No place changes hands."""
    _move_lines(None, [ln for ln in lines if ln.status in lifecycle.DECIDABLE], _transition_of(status),
                priority=priority, reason=reason)


# --- priority ---------------------------------------------------------------------------------------------

def weights(snap: dict[str, Any] | None = None) -> dict[str, int]:
    """The committee's criteria, kept in the catalogue's partition (decision 107): from ``snap`` when the
    caller read the catalogue, else one GetItem."""
    from planning.models import CatalogueItem

    if snap is not None:
        saved = snap.get("criteria", {}).get("current")
        return dict(saved) if saved else dict(committee.DEFAULT_WEIGHTS)
    try:
        return dict(json.loads(CatalogueItem.get(*CatalogueItem.key("criteria", "current")).data))
    except CatalogueItem.DoesNotExist:
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


def sibling_enrolled(request: ReservationRequest, others: Iterable[ReservationRequest] | None = None) -> bool:
    """Another child of the family already holds an accepted place in the structure. The counts kept on each
    request say it without reading lines; only a request whose accepted lines are all being cancelled (or one
    written before the counts) has its lines read, to know whether they held their place."""
    if others is None:
        others = ReservationRequest.query(request.pk, ReservationRequest.sk.startswith("REQUEST#"))
    for other in others:
        if other.child_id == request.child_id or other.structure_id != request.structure_id:
            continue
        if other.counted and int(other.count_accepted or 0) > 0:
            return True
        if (not other.counted or int(other.count_cancel_requested or 0) > 0) and any(
                ln.was_accepted and ln.status != "cancelled" for ln in request_lines(other)):
            return True
    return False


# --- the answer told ------------------------------------------------------------------------------------

def element_views(ctx: Labelled, request: ReservationRequest,
                  lines: list[ReservationLine]) -> list[dict[str, Any]]:
    return answers.elements(answers.like(lines), request.pattern, ctx.label)


def outcomes_of(ctx: Labelled, request: ReservationRequest, lines: list[ReservationLine]) -> list[ev.SlotOutcome]:
    return [ev.SlotOutcome(**{k: v for k, v in row.items() if k not in ("pending", "offered")})
            for row in answers.outcome_rows(element_views(ctx, request, lines))]


def announce(ctx: PeriodContext, request: ReservationRequest, trigger: str, what: str, correlation_id: str,
             also: Callable[[Any], None] | None = None, contact: Validation | None = None) -> None:
    """Publish ``RequestDecided`` with every element's outcome (``PlaceOffered`` while places are offered
    to the family), and note it in the request's history; ``also`` adds its own writes to that transaction
    (the committee marks its row told, once; an offer is indexed for its expiry)."""
    lines = request_lines(request)
    if contact is None:
        contact = next((v for v in validations(request.family_id) if v.child_id == request.child_id
                        and v.structure_id == request.structure_id), None)
    steps = announcement(ctx, request, lines, contact, trigger, what, correlation_id)
    if also is not None:
        steps.insert(0, also)
    if steps:
        with transaction() as tx:
            for step in steps:
                step(tx)


@dataclass
class Telling:
    """What tells a family its request's answer: actions on the request item (its history, its earliest
    offer deadline) and the other items (the event's outbox entry, the open offers' index)."""

    actions: list[Any] = field(default_factory=list)
    steps: list[Callable[[TransactWrite], None]] = field(default_factory=list)


def telling(ctx: PeriodContext, request: ReservationRequest, lines: list[ReservationLine],
            contact: Validation | None, trigger: str, what: str, correlation_id: str) -> Telling:
    """How to tell the family the answer ``lines`` give (all of the request's lines, as they are or as a
    unit of work will leave them), split so that a unit of work updating the request item already can
    take the request's actions into its own update."""
    answer = answers.answer_of(ln.status for ln in lines)
    result = Telling(steps=[offer_index(request, lines)] if offer_days(ctx) or answer == "offered" else [])
    left = [ln.offer_until or "" for ln in lines if ln.status == "offered"]
    until = ReservationRequest.offer_until.set(min(left)) if left else ReservationRequest.offer_until.remove()
    if answer in ("pending", "cancelled"):  # nothing to tell; the other writes still happen
        if (request.offer_until or None) != (min(left) if left else None):
            result.actions.append(until)
        return result
    who = recipient(contact)
    if answer == "offered":
        offered = [ln for ln in lines if ln.status == "offered"]
        event: ev.PlanningEvent = ev.PlaceOffered.model_validate(dict(
            request_id=request.request_id, request_number=request.number, family_id=request.family_id,
            structure_name=ctx.structure["name"], period_name=ctx.data["name"], **who,
            offered_slots=slot_names(ctx, offered), offered_count=len(offered),
            until=min(ln.offer_until or "" for ln in offered), correlation_id=correlation_id))
    else:
        event = ev.RequestDecided.model_validate(dict(
            request_id=request.request_id, request_number=request.number, family_id=request.family_id,
            child_id=request.child_id, structure_id=request.structure_id, structure_name=ctx.structure["name"],
            period_name=ctx.data["name"], activity=request.activity, answer=answer, **who,
            accepted_slots=slot_names(ctx, [ln for ln in lines if ln.status == "accepted"]),
            outcomes=outcomes_of(ctx, request, lines), trigger=trigger, offer_reply_days=offer_days(ctx),
            waitlist_mode=ctx.data.get("waitlist_mode", "auto"),
            correlation_id=correlation_id))
    result.actions += [told(request, what), until]
    entry = outbox.entry(Outbox, event)
    result.steps.append(lambda tx: tx.save(entry))
    return result


def announcement(ctx: PeriodContext, request: ReservationRequest, lines: list[ReservationLine],
                 contact: Validation | None, trigger: str, what: str,
                 correlation_id: str) -> list[Callable[[TransactWrite], None]]:
    """The transaction steps that tell the family its request's answer from ``lines`` (all of them, as
    they are now): the history entry and the event, the open offers' index and the request's earliest
    offer deadline kept in step. Empty when there is nothing to write. Callers that already hold the
    lines and the contact (the committee's publication, a page at a time) pack several families' steps
    in one transaction."""
    told_parts = telling(ctx, request, lines, contact, trigger, what, correlation_id)
    steps = list(told_parts.steps)
    if told_parts.actions:
        actions = told_parts.actions
        steps.append(lambda tx: tx.update(request, actions=actions))
    return steps


def offer_index(request: ReservationRequest, lines: list[ReservationLine]) -> Callable[[TransactWrite], None]:
    """The transaction step that keeps the request's entry in the open offers' index in step with its
    lines offered now (their earliest deadline), or removes it when none is left."""
    left = [ln.offer_until or "" for ln in lines if ln.status == "offered"]
    index = OpenOffer(*OpenOffer.key(request.request_id), family_id=request.family_id,
                      request_id=request.request_id, until=min(left) if left else "")
    return lambda tx: tx.save(index) if left else tx.delete(index)


def slot_names(ctx: PeriodContext, lines: Iterable[ReservationLine]) -> list[str]:
    """``Lundi PERISCOLAIRE MIDI``: each weekday and slot of these lines, once, in the week's order (Monday
    first) then the period's order of slots, as a contract reads."""
    order = [s["code"] for s in ctx.data["slots"]]
    keys = {(date.fromisoformat(ln.date).weekday(), order.index(ln.slot_code) if ln.slot_code in order else len(order),
             ln.slot_code) for ln in lines}
    return [f"{answers.WEEKDAYS[day]} {ctx.label(code)}" for day, _, code in sorted(keys)]


# --- staff decisions ------------------------------------------------------------------------------------

def _wanted(request: ReservationRequest, all_lines: list[ReservationLine], elements: list[dict[str, Any]],
            lines: list[dict[str, Any]]) -> list[tuple[ReservationLine, str, str]]:
    """The (line, decision, reason) asked: per element for all its dates, then per line."""
    by_element = answers.group_by_element(answers.like(all_lines), request.pattern)
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
    return wanted


@dataclass
class Decided:
    """What a decision did, and what the answer's view needs without reading again."""

    result: dict[str, Any]
    lines: list[ReservationLine]  # every line of the request, as it now is
    weights: dict[str, int]
    ctx: PeriodContext
    fresh: bool  # False when a race made some writes go one by one: read the request again for the view


def decide(found: FamilyRequest, elements: list[dict[str, Any]], lines: list[dict[str, Any]],
           correlation_id: str, trigger: str = "decision") -> Decided:
    """Apply decisions per pattern element (whole period) and per line. Accepted lines take a place each
    (a date with no place left puts its line on the waiting list instead); an accepted line the manager
    now refuses or sends back to the waiting list frees its place, which the waiting list gets.

    The moves go ~48 a transaction and the answer (history, event) rides with the last one, so a year of
    170 lines is 4 transactions and the family is told exactly once, with what was written. When one is
    refused (a date full, a line changed meanwhile), what is left goes the careful way: the period's
    counters read, the lines of full dates sent to the waiting list, then the answer on its own."""
    request = found.request
    ctx = context(request.period_id)
    all_lines = request_lines(request)
    wanted = _wanted(request, all_lines, elements, lines)
    criteria = weights()
    priority, _ = committee.score(facts(request, found.validations, sibling_enrolled(request, found.requests)),
                                  criteria)
    moves: list[tuple[ReservationLine, Transition, dict[str, Any]]] = []
    accepting: list[tuple[ReservationLine, Transition, dict[str, Any]]] = []
    # A line decided on its own overrides its element's decision (the per-line list comes last).
    final = {(line.date, line.slot_code): (line, decision, reason) for line, decision, reason in wanted}
    for line, decision, reason in final.values():
        if (line.status == decision and line.status != "refused") or line.status in (*CLOSED, "offered"):
            continue  # nothing to change (a refusal may still change its motif); an offer waits for the family
        if decision == "accepted":
            accepting.append((line, Transition.ACCEPT, {}))
        else:
            transition = _transition_of(decision)
            moves.append((line, transition, {"reason": reason, "priority": priority
                                             if transition == Transition.WAITLIST else None}))
    moves = [m for m in moves + accepting if lifecycle.allowed(m[1], m[0].status, m[0].was_accepted)]
    freed = [(ln.date, ln.slot_code) for ln, t, _ in moves if ln.status == LineStatus.ACCEPTED]
    what = "Réponse de la structure"
    left = _decide_together(ctx, found, all_lines, moves, trigger, what, correlation_id)
    fresh = not left
    if left:
        held = {id(ln) for ln, _, _ in left if ln.status == LineStatus.ACCEPTED}
        freed = [cell for cell in freed if cell not in {(ln.date, ln.slot_code) for ln, _, _ in left}]
        groups: dict[tuple[Transition, str], list[ReservationLine]] = {}
        for line, transition, fields in left:
            if transition != Transition.ACCEPT:
                groups.setdefault((transition, fields["reason"]), []).append(line)
        for (transition, reason), group in groups.items():
            moved = _move_lines(ctx, group, transition, reason=reason,
                                priority=priority if transition == Transition.WAITLIST else None)
            freed += [(ln.date, ln.slot_code) for ln in moved if id(ln) in held]
        full = accept_lines(ctx, [ln for ln, t, _ in left if t == Transition.ACCEPT])
        set_lines(full, "waitlisted", priority, FULL)
        announce(ctx, request, trigger, what, correlation_id, contact=found.contact)
        full_dates = len(full)
    else:
        full_dates = 0
    promoted = promote_all(ctx, freed, correlation_id, skip=request.request_id) if freed and auto_waitlist(ctx) \
        else []
    return Decided({"full_dates": full_dates, "freed": len(freed), "promoted_requests": promoted}, all_lines,
                   criteria, ctx, fresh)


TELLING_ITEMS = 2  # the answer's outbox entry and the open offers' index (its history goes on the request)


def _decide_together(ctx: PeriodContext, found: FamilyRequest, all_lines: list[ReservationLine],
                     moves: list[tuple[ReservationLine, Transition, dict[str, Any]]], trigger: str, what: str,
                     correlation_id: str) -> list[tuple[ReservationLine, Transition, dict[str, Any]]]:
    """Write the moves as few transactions as they fill, the answer with the last one; returns the moves
    left unwritten when a transaction was refused (none when everything, the answer included, is written)."""
    request = found.request
    chunks: list[list[tuple[ReservationLine, Transition, dict[str, Any]]]] = [[]]
    items = 1 + TELLING_ITEMS  # the request's item (counts, history), and what tells the family
    for planned in moves:
        planned_move = lifecycle.move(planned[1], planned[0].status, planned[0].was_accepted)
        cost = 2 if planned_move.places or planned_move.revives else 1  # with its cell (decision 106)
        if items + cost > MAX_ITEMS:
            chunks.append([])
            items = 1 + TELLING_ITEMS
        chunks[-1].append(planned)
        items += cost
    before = request.log
    for number, chunk in enumerate(chunks):
        uow = UnitOfWork(capacity(ctx))
        for line, transition, fields in chunk:
            uow.move(line, transition, **fields)
        if number == len(chunks) - 1:
            told_parts = telling(ctx, request, uow.projected(all_lines), found.contact, trigger, what,
                                 correlation_id)
            uow.request(request, told_parts.actions)
            for step in told_parts.steps:
                uow.step(step)
        if uow.empty:
            audit.unchanged()  # nothing to move and nothing to tell (every line cancelled or offered)
        elif not uow.try_commit():
            request.log = before
            return [m for rest in chunks[number:] for m in rest]
    return []


def release_line(ctx: PeriodContext, line: ReservationLine, status: str, priority: int, reason: str,
                 held: str = "accepted") -> bool:
    """Take back the place a line holds (``accepted``, or ``offered`` to the family) in one transaction:
    the line is refused or goes back to the waiting list. False when the line is no longer ``held``."""
    if line.status != held:
        return False
    transition = Transition.RELEASE_OFFER if held == LineStatus.OFFERED else _transition_of(status)
    uow = UnitOfWork(capacity(ctx))
    uow.move(line, transition, reason=reason, priority=priority if status == "waitlisted" else None,
             offer_until=None)
    return uow.try_commit()


def auto_accept(request: ReservationRequest, correlation_id: str, lines: list[ReservationLine] | None = None,
                ctx: PeriodContext | None = None) -> None:
    """A period set to accept automatically takes places while they remain, the rest waits."""
    ctx = ctx or context(request.period_id)
    priority, _ = committee.score(facts(request), weights())
    pending = [ln for ln in (lines if lines is not None else request_lines(request)) if ln.status == "pending"]
    set_lines(accept_lines(ctx, pending), "waitlisted", priority, FULL)
    announce(ctx, request, "automatic", "Réponse automatique", correlation_id)


def after_request(request: ReservationRequest, lines: list[ReservationLine], correlation_id: str,
                  ctx: PeriodContext) -> None:
    """The period's answer policy once a family's request (or its added lines) is written."""
    if ctx.data.get("decision_mode") == "auto_accept":
        auto_accept(request, correlation_id, lines, ctx)


def after_cancellation(request: ReservationRequest, ctx: PeriodContext, lines: list[tuple[str, str]],
                       correlation_id: str) -> None:
    """A period that confirms cancellations itself frees the places at once (the deadline was checked)."""
    if ctx.data.get("auto_confirm_cancellations"):
        confirm_cancellations(request, set(lines), correlation_id, ctx)


# --- waiting list and cancellations ----------------------------------------------------------------------

def auto_waitlist(ctx: PeriodContext) -> bool:
    """Freed places go to the waiting list at once, unless the period leaves it to the manager."""
    return ctx.data.get("waitlist_mode", "auto") == "auto"


def offer_days(ctx: PeriodContext) -> int:
    """How long a family has to answer a place offered from the waiting list (0: the place is given)."""
    return int(ctx.data.get("offer_reply_days") or 0)


def offer_deadline(ctx: PeriodContext) -> str | None:
    """The end (23:59:59, Paris time) of the offer's last day, in UTC; None when places are given."""
    days = offer_days(ctx)
    if not days:
        return None
    last = (clock.now().astimezone(PARIS) + timedelta(days=days)).date()
    return datetime.combine(last, time(23, 59, 59), PARIS).astimezone(UTC).isoformat()


def promote_day(ctx: PeriodContext, day: str, slot_codes: Iterable[str], skip: str = "",
                offer_until: str | None = None) -> list[ReservationLine]:
    """Give a date's freed places to its waiting lines, slot by slot, in order (priority, then age), or
    offer them until ``offer_until``: one Query for the day, then one transaction per place, until a
    slot is full again. Returns the lines promoted."""
    waiting = sorted((ln for ln in ReservationLine.by_day.query(f"OCC#{ctx.data['structure_id']}#{day}")
                      if ln.status == "waitlisted" and ln.period_id in (None, ctx.period_id)
                      and ln.request_id != skip),
                     key=lambda ln: (-int(ln.priority or 0), ln.requested_at or "", ln.request_id))
    promoted = []
    for slot_code in set(slot_codes):
        for line in (ln for ln in waiting if ln.slot_code == slot_code):
            if not accept_line(ctx, line, offer_until):
                break  # no place left (or the line changed meanwhile)
            promoted.append(line)
    return promoted


def promote_all(ctx: PeriodContext, cells: Iterable[tuple[str, str]], correlation_id: str,
                skip: str = "") -> list[str]:
    """Fill each (date, slot) from its waiting list while places remain (or offer them, when the period
    gives families time to answer), then tell each promoted request's family once. Returns the promoted
    requests' ids."""
    until = offer_deadline(ctx)
    by_day: dict[str, set[str]] = {}
    for day, slot_code in cells:
        by_day.setdefault(day, set()).add(slot_code)
    touched: dict[str, ReservationLine] = {}
    for day in sorted(by_day):
        for line in promote_day(ctx, day, by_day[day], skip, until):
            touched.setdefault(line.request_id, line)
    what = "Place attribuée depuis la liste d'attente" if until is None else "Place proposée depuis la liste d'attente"
    for line in touched.values():
        request = ReservationRequest.get(*ReservationRequest.key(line.family_id, line.request_id))
        announce(ctx, request, "waitlist", what, correlation_id)  # indexes the offer for its expiry
    return list(touched)


def waiting_lines(ctx: PeriodContext, slot_codes: Iterable[str] | None = None) -> list[ReservationLine]:
    """The period's waiting lines (optionally of some slots only)."""
    wanted = set(slot_codes) if slot_codes is not None else None
    result = []
    for request in ReservationRequest.by_structure.query(f"STRUCTURE#{ctx.data['structure_id']}"):
        if request.period_id != ctx.period_id:
            continue
        result += [ln for ln in request_lines(request)
                   if ln.status == "waitlisted" and (wanted is None or ln.slot_code in wanted)]
    return result


def promote_waiting(ctx: PeriodContext, correlation_id: str, slot_codes: Iterable[str] | None = None) -> list[str]:
    """Give every free place of the period to its waiting list (the manager's button, a capacity raise)."""
    return promote_all(ctx, {(ln.date, ln.slot_code) for ln in waiting_lines(ctx, slot_codes)}, correlation_id)


def confirm_cancellations(request: ReservationRequest, only: set[tuple[str, str]] | None,
                          correlation_id: str, ctx: PeriodContext | None = None,
                          contact: Validation | None = None, known_contact: bool = False) -> dict[str, Any]:
    """Confirm the cancellations asked (``only`` these dates and slots): the lines and the request's counts and
    history, the places freed and the family's e-mail in one transaction (a few for a long list). The names
    come from the lines; the catalogue is read only when a place is freed (its waiting list)."""
    asked = [ln for ln in request_lines(request) if ln.status == "cancel_requested"
             and (only is None or (ln.date, ln.slot_code) in only)]
    if not asked:
        raise Conflict("Aucune annulation à confirmer sur cette demande.", fields={"lines": "Vide."})
    held = {id(ln) for ln in asked if lifecycle.LineState.of(ln.status, ln.was_accepted).holds_place}
    names = ctx or LineLabels.of(asked) or context(request.period_id)
    if not known_contact:
        contact = next((v for v in validations(request.family_id) if v.child_id == request.child_id), None)

    before = request.log

    def tell(uow: UnitOfWork, confirmed: list[ReservationLine]) -> None:
        recap_data = recap_view(names, [Line(date.fromisoformat(ln.date), ln.slot_code) for ln in confirmed])
        request.log = before  # ``tell`` runs again when the first try of the moves was refused
        uow.request(request, [told(request, f"Annulation confirmée de {len(confirmed)} présence(s)")])
        uow.publish(ev.CancellationConfirmed(
            request_id=request.request_id, request_number=request.number, family_id=request.family_id,
            **recipient(contact),
            structure_name=names.structure_name, period_name=names.period_name, line_count=len(confirmed),
            recap=_event_recap(recap_data), correlation_id=correlation_id))

    confirmed = _move_lines(ctx, asked, Transition.CONFIRM_CANCEL, finish=tell)
    if not confirmed:
        raise Conflict("Ces annulations viennent d'être traitées par ailleurs : rechargez la demande.",
                       fields={"lines": "Déjà traitées."})
    freed = [(ln.date, ln.slot_code) for ln in confirmed if id(ln) in held]
    promoted: list[str] = []
    if freed:
        ctx = ctx or context(request.period_id)
        promoted = promote_all(ctx, freed, correlation_id) if auto_waitlist(ctx) else []
    return {"confirmed": len(confirmed), "freed": len(freed), "promoted_requests": promoted}
