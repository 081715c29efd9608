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
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pynamodb.transactions import TransactWrite

from planning import answers, committee, lifecycle
from planning.deadlines import PARIS
from planning.lifecycle import IllegalTransition, LineStatus, Transition
from planning.line_store import MAX_ITEMS, UnitOfWork
from planning.models import Capacity, OpenOffer, Outbox, ReservationLine, ReservationRequest, Validation
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
from shared import clock, outbox
from shared.ddb import transaction
from shared.errors import Conflict, InvalidInput
from shared.events import planning as ev

Decision = Literal["accepted", "waitlisted", "refused"]
CLOSED = (LineStatus.CANCEL_REQUESTED, LineStatus.CANCELLED)  # the family's cancellation: no decision applies
FULL = "Plus de place disponible à cette date."
TRANSACTION_LINES = 49  # a line and its counter each, and the request's counts: DynamoDB takes 100 items


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


def sibling_enrolled(request: ReservationRequest) -> bool:
    """Another child of the family already holds an accepted place in the structure."""
    others = ReservationRequest.query(request.pk, ReservationRequest.sk.startswith("REQUEST#"))
    return any(o.child_id != request.child_id and o.structure_id == request.structure_id
               and any(ln.was_accepted and ln.status != "cancelled" for ln in request_lines(o)) for o in others)


# --- the answer told ------------------------------------------------------------------------------------

def element_views(ctx: PeriodContext, request: ReservationRequest,
                  lines: list[ReservationLine]) -> list[dict[str, Any]]:
    return answers.elements(lines, request.pattern, ctx.label)


def outcomes_of(ctx: PeriodContext, request: ReservationRequest, lines: list[ReservationLine]) -> list[ev.SlotOutcome]:
    return [ev.SlotOutcome(**{k: v for k, v in row.items() if k not in ("pending", "offered")})
            for row in answers.outcome_rows(element_views(ctx, request, lines))]


def announce(ctx: PeriodContext, request: ReservationRequest, trigger: str, what: str, correlation_id: str,
             also: Callable[[Any], None] | None = None) -> None:
    """Publish ``RequestDecided`` with every element's outcome (``PlaceOffered`` while places are offered
    to the family), and note it in the request's history; ``also`` adds its own writes to that transaction
    (the committee marks its row told, once; an offer is indexed for its expiry)."""
    lines = request_lines(request)
    contact = next((v for v in validations(request.family_id) if v.child_id == request.child_id
                    and v.structure_id == request.structure_id), None)
    steps = announcement(ctx, request, lines, contact, trigger, what, correlation_id)
    if also is not None:
        steps.insert(0, also)
    if steps:
        with transaction() as tx:
            for step in steps:
                step(tx)


def announcement(ctx: PeriodContext, request: ReservationRequest, lines: list[ReservationLine],
                 contact: Validation | None, trigger: str, what: str,
                 correlation_id: str) -> list[Callable[[TransactWrite], None]]:
    """The transaction steps that tell the family its request's answer from ``lines`` (all of them, as
    they are now): the history entry and the event, the open offers' index and the request's earliest
    offer deadline kept in step. Empty when there is nothing to write. Callers that already hold the
    lines and the contact (the committee's publication, a page at a time) pack several families' steps
    in one transaction."""
    answer = answers.answer_of(ln.status for ln in lines)
    steps = [offer_index(request, lines)] if offer_days(ctx) or answer == "offered" else []
    left = [ln.offer_until or "" for ln in lines if ln.status == "offered"]
    until = ReservationRequest.offer_until.set(min(left)) if left else ReservationRequest.offer_until.remove()
    if answer in ("pending", "cancelled"):  # nothing to tell; the other writes still happen
        if (request.offer_until or None) != (min(left) if left else None):
            steps.append(lambda tx: tx.update(request, actions=[until]))
        return steps
    who = {"email": (contact.email or "") if contact else "",
           "first_name": (contact.first_name or "") if contact else "",
           "child_first_name": (contact.child_first_name or "") if contact else ""}
    if answer == "offered":
        offered = [ln for ln in lines if ln.status == "offered"]
        event: ev.PlanningEvent = ev.PlaceOffered(
            request_id=request.request_id, request_number=request.number, family_id=request.family_id,
            structure_name=ctx.structure["name"], period_name=ctx.data["name"], **who,
            offered_slots=slot_names(ctx, offered), offered_count=len(offered),
            until=min(ln.offer_until or "" for ln in offered), correlation_id=correlation_id)
    else:
        event = ev.RequestDecided(
            request_id=request.request_id, request_number=request.number, family_id=request.family_id,
            child_id=request.child_id, structure_id=request.structure_id, structure_name=ctx.structure["name"],
            period_name=ctx.data["name"], activity=request.activity, answer=answer, **who,
            accepted_slots=slot_names(ctx, [ln for ln in lines if ln.status == "accepted"]),
            outcomes=outcomes_of(ctx, request, lines), trigger=trigger, offer_reply_days=offer_days(ctx),
            waitlist_mode=ctx.data.get("waitlist_mode", "auto"),
            correlation_id=correlation_id)
    told = _history(request, what)

    def tell(tx: TransactWrite) -> None:
        tx.update(request, actions=[ReservationRequest.history.set(told), until])
        tx.save(outbox.entry(Outbox, event))
        request.history = told

    steps.append(tell)
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
    by_element = answers.group_by_element(all_lines, request.pattern)
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


def decide(request: ReservationRequest, elements: list[dict[str, Any]], lines: list[dict[str, Any]],
           correlation_id: str, trigger: str = "decision") -> dict[str, Any]:
    """Apply decisions per pattern element (whole period) and per line. Accepted lines take a place each
    (a date with no place left puts its line on the waiting list instead); an accepted line the manager
    now refuses or sends back to the waiting list frees its place, which the waiting list gets."""
    ctx = context(request.period_id)
    all_lines = request_lines(request)
    wanted = _wanted(request, all_lines, elements, lines)
    priority, _ = committee.score(facts(request), weights())
    freed, to_accept = [], []
    groups: dict[tuple[Transition, str], list[ReservationLine]] = {}
    # A line decided on its own overrides its element's decision (the per-line list comes last).
    final = {(line.date, line.slot_code): (line, decision, reason) for line, decision, reason in wanted}
    for line, decision, reason in final.values():
        if (line.status == decision and line.status != "refused") or line.status in (*CLOSED, "offered"):
            continue  # nothing to change (a refusal may still change its motif); an offer waits for the family
        if decision == "accepted":
            to_accept.append(line)
        else:
            groups.setdefault((_transition_of(decision), reason), []).append(line)
    for (transition, reason), group in groups.items():
        held = {id(ln) for ln in group if ln.status == LineStatus.ACCEPTED}  # a revised acceptance frees its place
        moved = _move_lines(ctx, group, transition, reason=reason,
                            priority=priority if transition == Transition.WAITLIST else None)
        freed += [(ln.date, ln.slot_code) for ln in moved if id(ln) in held]
    full = accept_lines(ctx, to_accept)
    set_lines(full, "waitlisted", priority, FULL)
    announce(ctx, request, trigger, "Réponse de la structure", correlation_id)
    promoted = promote_all(ctx, freed, correlation_id, skip=request.request_id) if freed and auto_waitlist(ctx) \
        else []
    return {"full_dates": len(full), "freed": len(freed), "promoted_requests": promoted}


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
                          correlation_id: str, ctx: PeriodContext | None = None) -> dict[str, Any]:
    ctx = ctx or context(request.period_id)
    asked = [ln for ln in request_lines(request) if ln.status == "cancel_requested"
             and (only is None or (ln.date, ln.slot_code) in only)]
    if not asked:
        raise Conflict("Aucune annulation à confirmer sur cette demande.", fields={"lines": "Vide."})
    held = {id(ln) for ln in asked if lifecycle.LineState.of(ln.status, ln.was_accepted).holds_place}
    contact = next((v for v in validations(request.family_id) if v.child_id == request.child_id), None)

    before = request.history

    def tell(uow: UnitOfWork, confirmed: list[ReservationLine]) -> None:
        recap_data = recap_view(ctx, [Line(date.fromisoformat(ln.date), ln.slot_code) for ln in confirmed])
        request.history = before
        request.history = _history(request, f"Annulation confirmée de {len(confirmed)} présence(s)")
        uow.request(request, [ReservationRequest.history.set(request.history)])
        uow.publish(ev.CancellationConfirmed(
            request_id=request.request_id, request_number=request.number, family_id=request.family_id,
            email=(contact.email or "") if contact else "", first_name=(contact.first_name or "") if contact else "",
            child_first_name=(contact.child_first_name or "") if contact else "",
            structure_name=ctx.structure["name"], period_name=ctx.data["name"], line_count=len(confirmed),
            recap=_event_recap(recap_data), correlation_id=correlation_id))

    confirmed = _move_lines(ctx, asked, Transition.CONFIRM_CANCEL, finish=tell)
    if not confirmed:
        raise Conflict("Ces annulations viennent d'être traitées par ailleurs : rechargez la demande.",
                       fields={"lines": "Déjà traitées."})
    asked = confirmed
    freed = [(ln.date, ln.slot_code) for ln in confirmed if id(ln) in held]
    promoted = promote_all(ctx, freed, correlation_id) if auto_waitlist(ctx) else []
    return {"confirmed": len(asked), "freed": len(freed), "promoted_requests": promoted}
