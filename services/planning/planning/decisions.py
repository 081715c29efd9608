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
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from planning import answers, catalogue, committee
from planning.deadlines import PARIS
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
DECIDABLE = ("pending", "waitlisted", "refused")  # a line that may still take a place
CLOSED = ("cancel_requested", "cancelled")  # the family's cancellation: no decision applies
FULL = "Plus de place disponible à cette date."
TRANSACTION_LINES = 50  # two items per line; DynamoDB takes 100 per transaction


def capacity_of(ctx: PeriodContext, slot_code: str) -> int:
    return int(next((s["capacity"] for s in ctx.data["slots"] if s["code"] == slot_code), 0))


def places_taken(period_id: str, month: str | None = None) -> dict[tuple[str, str], int]:
    """The places taken per (date, slot code) of a period (or of one month of it): one Query."""
    items = Capacity.query(f"CAPACITY#{period_id}", Capacity.sk.startswith(month) if month else None)
    return {(day, slot): int(item.taken) for item in items for day, slot in [item.sk.split("#", 1)]}


def has_place(ctx: PeriodContext, taken: dict[tuple[str, str], int], line: ReservationLine) -> bool:
    return taken.get((line.date, line.slot_code), 0) < capacity_of(ctx, line.slot_code)


def accept_line(ctx: PeriodContext, line: ReservationLine, offer_until: str | None = None) -> bool:
    """Take a place for ``line``: False when its date is full (or the line changed meanwhile). With
    ``offer_until`` the place is only held for the family, which accepts or declines it by then."""
    return capacity_of(ctx, line.slot_code) > 0 and _accept_together(ctx, [line], offer_until)


def accept_lines(ctx: PeriodContext, lines: list[ReservationLine]) -> list[ReservationLine]:
    """Accept many lines of one request (distinct dates and slots), 50 per transaction. When a
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
    held = [ReservationLine.status.set("offered"), ReservationLine.offer_until.set(offer_until)] if offer_until \
        else [ReservationLine.status.set("accepted"), ReservationLine.was_accepted.set(True)]
    try:
        with transaction() as tx:
            for line in lines:
                counter = Capacity(*Capacity.key(ctx.period_id, line.date, line.slot_code))
                tx.update(counter, actions=[Capacity.taken.add(1)],
                          condition=Capacity.taken.does_not_exist()
                          | (Capacity.taken < capacity_of(ctx, line.slot_code)))
                tx.update(line, actions=[*held, ReservationLine.reason.remove()],
                          condition=ReservationLine.status.is_in(*DECIDABLE))
    except TransactWriteError:
        return False
    for line in lines:
        if offer_until:
            line.status, line.offer_until = "offered", offer_until
        else:
            line.status, line.was_accepted = "accepted", True
    return True


def free_place(ctx: PeriodContext, day: str, slot_code: str) -> None:
    counter = Capacity(*Capacity.key(ctx.data["period_id"], day, slot_code))
    with contextlib.suppress(UpdateError):  # nothing counted: a place never taken
        counter.update(actions=[Capacity.taken.add(-1)], condition=Capacity.taken > 0)


def _cancel_together(ctx: PeriodContext, lines: list[ReservationLine]) -> bool:
    """Cancel these lines and give back the places they held, in one transaction (False: none done)."""
    try:
        with transaction() as tx:
            for line in lines:
                tx.update(line, actions=[ReservationLine.status.set("cancelled")],
                          condition=ReservationLine.status == "cancel_requested")
                if line.was_accepted:
                    tx.update(Capacity(*Capacity.key(ctx.period_id, line.date, line.slot_code)),
                              actions=[Capacity.taken.add(-1)], condition=Capacity.taken > 0)
    except TransactWriteError:
        return False
    return True


def _cancel_one(ctx: PeriodContext, line: ReservationLine) -> bool:
    try:
        line.update(actions=[ReservationLine.status.set("cancelled")],
                    condition=ReservationLine.status == "cancel_requested")
    except UpdateError:
        return False
    if line.was_accepted:
        free_place(ctx, line.date, line.slot_code)
    return True


def _actions(status: str, priority: int | None, reason: str) -> list[Any]:
    actions = [ReservationLine.status.set(status)]
    if priority is not None:
        actions.append(ReservationLine.priority.set(priority))
    actions.append(ReservationLine.reason.set(reason) if reason else ReservationLine.reason.remove())
    return actions


def _set(line: ReservationLine, status: str, priority: int | None = None, reason: str = "") -> None:
    try:
        line.update(actions=_actions(status, priority, reason), condition=ReservationLine.status.is_in(*DECIDABLE))
    except UpdateError:
        return
    line.status = status


def set_lines(lines: list[ReservationLine], status: str, priority: int | None = None, reason: str = "") -> None:
    """``_set`` for many lines, 100 per transaction (a line changed meanwhile: those go one by one)."""
    for start in range(0, len(lines), 2 * TRANSACTION_LINES):
        chunk = lines[start:start + 2 * TRANSACTION_LINES]
        try:
            with transaction() as tx:
                for line in chunk:
                    tx.update(line, actions=_actions(status, priority, reason),
                              condition=ReservationLine.status.is_in(*DECIDABLE))
        except TransactWriteError:
            for line in chunk:
                _set(line, status, priority, reason)
            continue
        for line in chunk:
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
    answer = answers.answer_of(ln.status for ln in lines)
    steps = [step for step in (also, offer_index(request, lines) if offer_days(ctx) or answer == "offered" else None)
             if step is not None]
    if answer in ("pending", "cancelled"):  # nothing to tell; the other writes still happen
        if steps:
            with transaction() as tx:
                for step in steps:
                    step(tx)
        return
    contact = next((v for v in validations(request.family_id) if v.child_id == request.child_id
                    and v.structure_id == request.structure_id), None)
    who = {"email": (contact.email or "") if contact else "",
           "first_name": (contact.first_name or "") if contact else "",
           "child_first_name": (contact.child_first_name or "") if contact else ""}
    with transaction() as tx:
        for step in steps:
            step(tx)
        tx.update(request, actions=[ReservationRequest.history.set(_history(request, what))])
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
        tx.save(outbox.entry(Outbox, event))


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
    # A line decided on its own overrides its element's decision (the per-line list comes last).
    final = {(line.date, line.slot_code): (line, decision, reason) for line, decision, reason in wanted}
    for line, decision, reason in final.values():
        if (line.status == decision and line.status != "refused") or line.status in (*CLOSED, "offered"):
            continue  # nothing to change (a refusal may still change its motif); an offer waits for the family
        if line.status == "accepted":
            if release_line(ctx, line, decision, priority, reason):
                freed.append((line.date, line.slot_code))
        elif decision == "accepted":
            to_accept.append(line)
        elif decision == "waitlisted":
            _set(line, "waitlisted", priority, reason)
        else:
            _set(line, "refused", None, reason)
    full = accept_lines(ctx, to_accept)
    set_lines(full, "waitlisted", priority, FULL)
    announce(ctx, request, trigger, "Réponse de la structure", correlation_id)
    promoted = promote_all(ctx, freed, correlation_id, skip=request.request_id) if freed and auto_waitlist(ctx) \
        else []
    return {"full_dates": len(full), "freed": len(freed), "promoted_requests": promoted}


def release_line(ctx: PeriodContext, line: ReservationLine, status: str, priority: int, reason: str,
                 held: str = "accepted") -> bool:
    """Take back the place a line holds (``accepted``, or ``offered`` to the family) in one transaction:
    the line is refused or goes back to the waiting list."""
    counter = Capacity(*Capacity.key(ctx.data["period_id"], line.date, line.slot_code))
    actions = [ReservationLine.status.set(status), ReservationLine.was_accepted.set(False),
               ReservationLine.offer_until.remove(),
               ReservationLine.reason.set(reason) if reason else ReservationLine.reason.remove()]
    if status == "waitlisted":
        actions.append(ReservationLine.priority.set(priority))
    try:
        with transaction() as tx:
            tx.update(line, actions=actions, condition=ReservationLine.status == held)
            tx.update(counter, actions=[Capacity.taken.add(-1)], condition=Capacity.taken > 0)
    except TransactWriteError:
        return False
    line.status, line.was_accepted = status, False
    return True


def auto_accept(request: ReservationRequest, correlation_id: str) -> None:
    """A period set to accept automatically takes places while they remain, the rest waits."""
    ctx = context(request.period_id)
    priority, _ = committee.score(facts(request), weights())
    set_lines(accept_lines(ctx, [ln for ln in request_lines(request) if ln.status == "pending"]), "waitlisted",
             priority, FULL)
    announce(ctx, request, "automatic", "Réponse automatique", correlation_id)


def after_request(family_id: str, request_id: str, period_id: str, correlation_id: str) -> None:
    """The period's answer policy once a family's request (or its added lines) is written."""
    if catalogue.periods().get(period_id, {}).get("decision_mode") == "auto_accept":
        auto_accept(ReservationRequest.get(*ReservationRequest.key(family_id, request_id)), correlation_id)


def after_cancellation(family_id: str, request_id: str, period_id: str, lines: list[tuple[str, str]],
                       correlation_id: str) -> None:
    """A period that confirms cancellations itself frees the places at once (the deadline was checked)."""
    if catalogue.periods().get(period_id, {}).get("auto_confirm_cancellations"):
        confirm_cancellations(ReservationRequest.get(*ReservationRequest.key(family_id, request_id)), set(lines),
                              correlation_id)


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


def save_period(period: dict[str, Any], correlation_id: str) -> list[str]:
    """Save a period's new version; a raised capacity gives its new places to the waiting list (when the
    period promotes automatically). A lowered one takes no place back: it only stops new acceptances."""
    old = catalogue.periods().get(period["period_id"])
    catalogue.save_period(period)
    before = {s["code"]: int(s["capacity"]) for s in (old or {}).get("slots", [])}
    raised = [s["code"] for s in period["slots"] if int(s["capacity"]) > before.get(s["code"], int(s["capacity"]))]
    ctx = context(period["period_id"])
    return promote_waiting(ctx, correlation_id, raised) if raised and auto_waitlist(ctx) else []


def confirm_cancellations(request: ReservationRequest, only: set[tuple[str, str]] | None,
                          correlation_id: str) -> dict[str, Any]:
    ctx = context(request.period_id)
    asked = [ln for ln in request_lines(request) if ln.status == "cancel_requested"
             and (only is None or (ln.date, ln.slot_code) in only)]
    if not asked:
        raise Conflict("Aucune annulation à confirmer sur cette demande.", fields={"lines": "Vide."})
    freed = []
    for start in range(0, len(asked), TRANSACTION_LINES):
        chunk = asked[start:start + TRANSACTION_LINES]
        if not _cancel_together(ctx, chunk):  # a line changed meanwhile, or a counter was off: one by one
            chunk = [line for line in chunk if _cancel_one(ctx, line)]
        freed += [(line.date, line.slot_code) for line in chunk if line.was_accepted]
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
    promoted = promote_all(ctx, freed, correlation_id) if auto_waitlist(ctx) else []
    return {"confirmed": len(asked), "freed": len(freed), "promoted_requests": promoted}
