"""The only writer of reservation lines: a unit of work turns the moves of :mod:`planning.lifecycle`
into one DynamoDB transaction.

Each move is a conditional update on the state the line leaves (any source of the transition with the
same place change), the capacity counters change by the sum of the moves' place changes under the
slot's capacity, the requests' status counts change by the moves' counts, and the caller's other writes
(history, offers' index, committee row) and outbox entries go in the same transaction: everything or
nothing. A loser of a race gets :class:`StaleWrite` (the caller answers a French 409 or tries the next
line); nothing is half applied.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from planning.lifecycle import PINS, LineState, LineStatus, Move, Transition, move
from planning.models import Capacity, Outbox, ReservationLine, ReservationRequest
from shared import outbox
from shared.ddb import MAX_TRANSACTION_ITEMS, transaction
from shared.events.base import Event

# DynamoDB takes 100 items a transaction; one stays free so that a staff action's audit event rides with
# its first transaction (shared.ddb.ride, decision 101), whichever unit of work that is.
MAX_ITEMS = MAX_TRANSACTION_ITEMS - 1


class Keep:
    """A field the move leaves as it is."""


KEEP = Keep()


CONFLICT_RETRIES = 4  # a transaction cancelled only by concurrent transactions is tried again, this often
CONFLICT_BACKOFF = 0.05  # seconds: the first retry waits up to this, then twice as long each time


def _only_conflicts(exc: TransactWriteError) -> bool:
    """Cancelled because another transaction held an item, not because a condition failed."""
    codes = {reason.code for reason in exc.cancellation_reasons if reason is not None}
    return codes == {"TransactionConflict"}


class StaleWrite(Exception):
    """The transaction was refused: a line left the state it was read in, or a date is full."""


def _state_condition(state: LineState) -> Condition:
    condition = ReservationLine.status == state.status.value
    if state.status == LineStatus.CANCEL_REQUESTED:  # the one status where the place held is not implied
        condition &= (ReservationLine.was_accepted == True) if state.holds_place else (  # noqa: E712
            ReservationLine.was_accepted.does_not_exist() | (ReservationLine.was_accepted == False))  # noqa: E712
    return condition


def guard_condition(m: Move, gated: bool = True) -> Condition:
    """The line is in one of the states this move may leave with the same place change. A move whose cell
    is not gated (no place taken, not a revival) may not bring a line back from ``refused``: that would
    pin a date and slot a catalogue change may have removed meanwhile (decision 106)."""
    guard = m.guard if gated or m.target.status not in PINS else {s for s in m.guard if s.status in PINS}
    states = sorted(guard, key=lambda s: (s.status.value, s.holds_place))
    simple = [s.status.value for s in states if s.status != LineStatus.CANCEL_REQUESTED]
    parts = [_state_condition(s) for s in states if s.status == LineStatus.CANCEL_REQUESTED]
    if simple:
        parts.insert(0, ReservationLine.status.is_in(*simple))
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


@dataclass
class _LineMove:
    line: ReservationLine
    move: Move
    reason: str | Keep | None
    priority: int | None
    offer_until: str | Keep | None

    @property
    def gated(self) -> bool:
        """The move's cell is checked open (a place taken, or a line revived)."""
        return self.move.places > 0 or self.move.revives

    def actions(self) -> list[Any]:
        target = self.move.target
        actions: list[Any] = [ReservationLine.status.set(target.status.value)]
        if target.status == LineStatus.ACCEPTED:
            actions.append(ReservationLine.was_accepted.set(True))
        elif not target.holds_place:
            actions.append(ReservationLine.was_accepted.set(False))
        if not isinstance(self.reason, Keep):
            actions.append(ReservationLine.reason.set(self.reason) if self.reason else ReservationLine.reason.remove())
        if self.priority is not None:
            actions.append(ReservationLine.priority.set(self.priority))
        if not isinstance(self.offer_until, Keep):
            actions.append(ReservationLine.offer_until.set(self.offer_until) if self.offer_until
                           else ReservationLine.offer_until.remove())
        return actions

    def apply(self) -> None:
        target = self.move.target
        self.line.status = target.status.value
        if target.status == LineStatus.ACCEPTED:
            self.line.was_accepted = True
        elif not target.holds_place:
            self.line.was_accepted = False
        if not isinstance(self.reason, Keep):
            self.line.reason = self.reason or None
        if self.priority is not None:
            self.line.priority = self.priority
        if not isinstance(self.offer_until, Keep):
            self.line.offer_until = self.offer_until


@dataclass
class _RequestWrite:
    key: tuple[str, str]
    request: ReservationRequest | None = None
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    line_count: int = 0
    actions: list[Any] = field(default_factory=list)
    cells: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))  # (set, add|delete)
    rank: tuple[int, str, str] | None = None  # a line waits: (priority, structure, requested at)
    condition: Condition | None = None  # what the caller's actions need the request to still be

    def cell_actions(self) -> list[Any]:
        actions = []
        for (name, op), cells in self.cells.items():
            if cells and not self.cells.get((name, "delete" if op == "add" else "add")):
                attr = getattr(ReservationRequest, name)
                actions.append(attr.add(cells) if op == "add" else attr.delete(cells))
            elif cells and op == "add":  # both ways in one unit of work: DynamoDB takes one action per path
                raise ValueError(f"{name}: cells added and removed in the same unit of work")
        return actions


def rank_key(priority: int, requested_at: str, request_id: str) -> str:
    """The waiting list's order as an index key: highest priority first, then the oldest request."""
    return f"{999_999 - max(0, min(int(priority), 999_999)):06d}#{requested_at}#{request_id}"


def rank_actions(write: _RequestWrite) -> list[Any]:
    """A request with a line sent to the waiting list enters the structure's ranked index (``gsi2``)."""
    if write.rank is None:
        return []
    priority, structure_id, requested_at = write.rank
    return [ReservationRequest.priority.set(priority), ReservationRequest.gsi2pk.set(f"WAITLIST#{structure_id}"),
            ReservationRequest.gsi2sk.set(rank_key(priority, requested_at, write.key[1].removeprefix("REQUEST#")))]


class UnitOfWork:
    """Line moves, new lines, their counters and requests' counts, other writes and outbox entries,
    committed as one transaction (at most 100 items; :meth:`room` says how many moves still fit)."""

    def __init__(self, capacity: Callable[[str], int] | None = None) -> None:
        self._capacity = capacity  # slot code -> the slot's capacity (needed to take places)
        self._moves: list[_LineMove] = []
        self._new: list[tuple[ReservationLine, Condition]] = []
        self._counters: dict[tuple[str, str, str], int] = defaultdict(int)
        self._cells: dict[tuple[str, str, str], int] = defaultdict(int)  # new line items per cell
        self._gates: set[tuple[str, str, str]] = set()  # cells that must still be open (decision 106)
        self._requests: dict[tuple[str, str], _RequestWrite] = {}
        self._steps: list[Callable[[TransactWrite], None]] = []
        self._items = 0

    # --- what goes in ---------------------------------------------------------------------------------

    def move(self, line: ReservationLine, transition: Transition, *, reason: str | Keep | None = KEEP,
             priority: int | None = None, offer_until: str | Keep | None = KEEP) -> Move:
        """Plan ``transition`` of ``line`` from the state it was read in (IllegalTransition otherwise)."""
        m = move(transition, line.status, line.was_accepted)
        if transition in (Transition.ACCEPT, Transition.OFFER) and isinstance(reason, Keep):
            reason = None  # a place taken drops the motif of an earlier refusal or wait
        planned = _LineMove(line, m, reason, priority, offer_until)
        self._moves.append(planned)
        key = self._key(line)
        if m.places:
            self._counters[key] += m.places
        if planned.gated:
            self._gates.add(key)
        request = self._request(line.family_id, line.request_id)
        for status, delta in m.counts.items():
            request.counts[status.value] += delta
        cell = f"{line.date}#{line.slot_code}"
        for status, name in ((LineStatus.CANCEL_REQUESTED, "cancel_cells"), (LineStatus.WAITLISTED, "wait_cells")):
            if m.counts.get(status) == 1:
                request.cells[(name, "add")].add(cell)
            elif m.counts.get(status) == -1:
                request.cells[(name, "delete")].add(cell)
        if m.target.status == LineStatus.WAITLISTED and priority is not None:
            request.rank = (priority, line.structure_id or "", line.requested_at or "")
        return m

    def add_line(self, line: ReservationLine, replaces: ReservationLine | None = None, count: bool = True,
                 resumes: bool = False) -> None:
        """A new pending line; where ``replaces`` (a cancelled or refused line of another request at the
        same date, child and slot) still is what was read, it takes its key, and its request loses it.
        ``count=False`` when the request item is created with its counts in the same unit of work.
        ``resumes``: a request being created may find its own pending line there, written by an attempt that
        died before its last transaction (same key, so same request id): it writes it again (its cell then
        counts it twice: on the safe side, a removal reads the day's lines rather than trust the count)."""
        cell = (line.period_id or "", line.date, line.slot_code)
        self._gates.add(cell)  # a new line only on an open cell; a new key counts on it
        if replaces is None:
            condition = ReservationLine.pk.does_not_exist()
            self._cells[cell] += 1
            if resumes:
                condition |= ((ReservationLine.request_id == line.request_id)
                              & (ReservationLine.status == LineStatus.PENDING.value))
        else:
            condition = ((ReservationLine.status == replaces.status)
                         & (ReservationLine.request_id == replaces.request_id))
            old = self._request(replaces.family_id, replaces.request_id)
            old.counts[replaces.status] -= 1
            old.line_count -= 1
        self._new.append((line, condition))
        if count:
            request = self._request(line.family_id, line.request_id)
            request.counts[LineStatus.PENDING.value] += 1
            request.line_count += 1

    def request(self, request: ReservationRequest, actions: Iterable[Any] = (),
                condition: Condition | None = None) -> None:
        """Extra actions on a request's item (its history, its rank...), in the same update as its counts;
        ``condition``: what the request must still be for them (a copy rewritten, such as its pattern)."""
        write = self._request(request.family_id, request.request_id)
        write.request = request
        write.actions.extend(actions)
        if condition is not None:
            write.condition = condition if write.condition is None else write.condition & condition

    def step(self, write: Callable[[TransactWrite], None]) -> None:
        """Any other write of the same transaction (one item each)."""
        self._steps.append(write)
        self._items += 1

    def publish(self, event: Event) -> None:
        """The event's outbox entry, written with the rest."""
        entry = outbox.entry(Outbox, event)
        self.step(lambda tx: tx.save(entry))

    def size(self) -> int:
        return len(self._moves) + len(self._new) + self._items + len(self._touched()) + len(self._requests)

    def _touched(self) -> set[tuple[str, str, str]]:
        """The cells this unit writes or checks: one item each."""
        return ({c for c, d in self._counters.items() if d} | {c for c, n in self._cells.items() if n}
                | self._gates)

    def room(self, places: bool = True) -> int:
        """How many more line moves fit (each may bring its counter when ``places``; one request more)."""
        return (MAX_ITEMS - self.size() - 1) // (2 if places else 1)

    @property
    def empty(self) -> bool:
        return not (self._moves or self._new or self._steps or any(w.actions for w in self._requests.values()))

    def projected(self, lines: Iterable[ReservationLine]) -> list[ReservationLine]:
        """``lines`` as they will be once this unit of work commits: copies for the lines it moves (what the
        answer written with them tells), the others as read."""
        planned = {id(m.line): m for m in self._moves}
        result = []
        for line in lines:
            m = planned.get(id(line))
            if m is None:
                result.append(line)
                continue
            copy = ReservationLine.from_raw_data(line.serialize())
            _LineMove(copy, m.move, m.reason, m.priority, m.offer_until).apply()
            result.append(copy)
        return result

    def _request(self, family_id: str, request_id: str) -> _RequestWrite:
        key = ReservationRequest.key(family_id, request_id)
        if key not in self._requests:
            self._requests[key] = _RequestWrite(key)
        return self._requests[key]

    # --- commit ---------------------------------------------------------------------------------------

    def commit(self) -> None:
        """Write everything in one transaction, or raise :class:`StaleWrite` and write nothing."""
        if self.empty:
            return
        if self.size() > MAX_ITEMS:
            raise ValueError(f"a unit of work holds at most {MAX_ITEMS} items, not {self.size()}")
        cells = []
        for cell in sorted(self._touched()):
            delta, new = self._counters.get(cell, 0), self._cells.get(cell, 0)
            actions: list[Any] = []
            condition: Condition | None = None
            if delta > 0:
                cap = self._capacity(cell[2]) if self._capacity else 0
                if cap - delta < 0:
                    raise StaleWrite(f"no place on {cell[1]} {cell[2]}")
                # Below the capacity read, and that capacity still the cell's (a change writes ``cap``).
                condition = ((Capacity.taken.does_not_exist() | (Capacity.taken <= cap - delta))
                             & (Capacity.cap.does_not_exist() | (Capacity.cap == cap)))
            elif delta < 0:
                condition = Capacity.taken >= -delta
            if delta:
                actions.append(Capacity.taken.add(delta))
            if new:
                actions.append(Capacity.lines.add(new))
            if cell in self._gates:
                condition = Capacity.closed.does_not_exist() if condition is None else (
                    condition & Capacity.closed.does_not_exist())
            cells.append((cell, actions, condition))

        def fill(tx: TransactWrite) -> None:
            for m in self._moves:
                tx.update(m.line, actions=m.actions(),
                          condition=guard_condition(m.move, m.gated or self._key(m.line) in self._gates))
            for line, condition in self._new:
                tx.save(line, condition=condition)
            for (period_id, day, slot), actions, cell_condition in cells:
                key = Capacity.key(period_id, day, slot)
                if actions:
                    tx.update(Capacity(*key), actions=actions, condition=cell_condition)
                else:
                    tx.condition_check(Capacity, *key, condition=cell_condition)
            for write in self._requests.values():
                counts = [getattr(ReservationRequest, f"count_{s}").add(n) for s, n in write.counts.items() if n]
                actions = [*write.actions, *counts, *write.cell_actions(), *rank_actions(write)]
                if write.line_count:
                    actions.append(ReservationRequest.line_count.add(write.line_count))
                if actions:
                    exists = ReservationRequest.pk.exists()
                    tx.update(ReservationRequest(*write.key), actions=actions,
                              condition=exists if write.condition is None else exists & write.condition)
            for step in self._steps:
                step(tx)

        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                with transaction() as tx:
                    fill(tx)
                break
            except TransactWriteError as exc:
                if exc.cause_response_code != "TransactionCanceledException":
                    raise  # throttled, unavailable: not a race, the caller says so
                if attempt < CONFLICT_RETRIES and _only_conflicts(exc):
                    # Another transaction held one of these items (two bookings of the same cells in the
                    # same instant, decision 106): nothing was refused, so the same writes are tried again.
                    time.sleep(random.uniform(0, CONFLICT_BACKOFF * 2 ** attempt))  # noqa: S311 (jitter)
                    continue
                raise StaleWrite(str(exc)) from None
        for m in self._moves:
            m.apply()
        for write in self._requests.values():
            if write.request is not None:
                for status, n in write.counts.items():
                    name = f"count_{status}"
                    setattr(write.request, name, int(getattr(write.request, name) or 0) + n)
                write.request.line_count = int(write.request.line_count or 0) + write.line_count

    @staticmethod
    def _key(line: ReservationLine) -> tuple[str, str, str]:
        return line.period_id or "", line.date, line.slot_code

    def try_commit(self) -> bool:
        try:
            self.commit()
        except StaleWrite:
            return False
        return True
