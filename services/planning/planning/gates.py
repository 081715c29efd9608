"""Catalogue changes serialised against bookings and acceptances, cell by cell (decision 106).

A period's cell is one date × slot: its ``Capacity`` item, which acceptances already update under the
slot's capacity. Every new reservation line adds one to the cell's ``lines`` on the condition that the
cell is open (no ``closed`` tag), and so does every move that takes a place or brings a refused line back,
in the line's own transaction. A catalogue change that removes cells (a slot, days, the end of a period,
a closure, a deleted period) first tags them closed, each on the condition that ``lines`` is still the
number it knows to be dead (0 unless it read them): from that write on no booking can land there, and a
booking that landed first makes the change fail. A capacity change writes ``cap`` on every cell of the
slot (a lowering on the condition that ``taken`` fits), so an acceptance made on the capacity read before
the change fails. The cells are written before the catalogue item, several transactions when there are
many; the last one carries the catalogue item (conditional on its version) and the staff action's audit
event; a failure undoes the cell writes already made. No item is shared by all the bookings of a period.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from planning.lifecycle import PINS
from planning.models import Capacity, ReservationLine
from shared import ddb
from shared.errors import ApiError, Conflict

Cell = tuple[str, str]  # (ISO date, slot code)
DEAD = ("refused", "cancelled")


def coverage(period: dict[str, Any], slots: Iterable[str] | None = None) -> set[Cell]:
    """The cells a period offers: each date of its range on one of its weekdays, for each of its slots."""
    start, end = date.fromisoformat(str(period["start"])), date.fromisoformat(str(period["end"]))
    weekdays = set(period["weekdays"])
    codes = list(slots) if slots is not None else [s["code"] for s in period["slots"]]
    cells: set[Cell] = set()
    day = start
    while day <= end:
        if day.weekday() in weekdays:
            cells.update((day.isoformat(), code) for code in codes)
        day += timedelta(days=1)
    return cells


def in_range(period: dict[str, Any], start: date, end: date) -> set[Cell]:
    return {c for c in coverage(period) if start.isoformat() <= c[0] <= end.isoformat()}


def token(kind: str) -> str:
    """A closing tag, unique to one change: undoing it never reopens what another change closed."""
    return f"{kind}:{uuid.uuid4().hex[:12]}"


@dataclass
class _Op:
    period_id: str
    structure_id: str
    cell: Cell
    actions: list[Any]
    condition: Condition | None
    undo: list[Any]
    closes: str | None = None  # the tag this op adds (a removal)
    cap: int | None = None  # the capacity this op sets
    lowering: bool = False
    proofs: list[ReservationLine] = field(default_factory=list)  # dead lines that must stay dead

    @property
    def key(self) -> tuple[str, str]:
        return Capacity.key(self.period_id, *self.cell)

    def size(self) -> int:
        return 1 + len(self.proofs)

    def write(self, tx: TransactWrite) -> None:
        tx.update(Capacity(*self.key), actions=self.actions, condition=self.condition)
        for line in self.proofs:
            tx.condition_check(ReservationLine, line.pk, line.sk, condition=ReservationLine.status.is_in(*DEAD))


class Refused(ApiError):
    """The change would orphan booked presences or take places back: 409 with the reason."""


@dataclass
class Change:
    """The cell writes of one catalogue change, applied before its catalogue item (see the module)."""

    ops: list[_Op] = field(default_factory=list)

    def close(self, period_id: str, structure_id: str, cells: Iterable[Cell], tag: str) -> None:
        for cell in sorted(cells):
            self.ops.append(_Op(period_id, structure_id, cell, [Capacity.closed.add({tag})],
                                Capacity.lines.does_not_exist() | (Capacity.lines == 0),
                                [Capacity.closed.delete({tag})], closes=tag))

    def reopen(self, period_id: str, structure_id: str, tags: dict[Cell, set[str]]) -> None:
        for cell, found in sorted(tags.items()):
            if found:
                self.ops.append(_Op(period_id, structure_id, cell, [Capacity.closed.delete(found)], None,
                                    [Capacity.closed.add(found)]))

    def set_capacity(self, period_id: str, structure_id: str, cells: Iterable[Cell], new: int, old: int) -> None:
        """Every cell of a slot takes its new capacity; a lowering only where the places taken fit."""
        lowering = new < old
        for cell in sorted(cells):
            condition = (Capacity.taken.does_not_exist() | (Capacity.taken <= new)) if lowering else None
            self.ops.append(_Op(period_id, structure_id, cell, [Capacity.cap.set(new)], condition,
                                [Capacity.cap.set(old)], cap=new, lowering=lowering))

    def apply(self, final: Callable[[TransactWrite], None], final_items: int,
              orphans: Callable[[list[ReservationLine]], ApiError], raced: Callable[[], ApiError]) -> None:
        """Write the cells, then ``final`` (the catalogue item and its event) with the last of them; on a
        refusal, undo and say why: ``orphans`` of the live lines found, the places taken above a lowered
        capacity, or ``raced`` (the catalogue item changed meanwhile)."""
        if self._try(final, final_items):
            return
        self._diagnose(orphans)  # raises when the cells say why
        if any(op.proofs for op in self.ops) and self._try(final, final_items):
            return  # the lines found on the cells are all refused or cancelled, and stayed so
        raise raced()

    # --- inside -------------------------------------------------------------------------------------------

    def _chunks(self, room: int) -> list[list[_Op]]:
        chunks: list[list[_Op]] = [[]]
        used = 0
        for op in self.ops:
            if chunks[-1] and used + op.size() > room:
                chunks.append([])
                used = 0
            chunks[-1].append(op)
            used += op.size()
        return chunks

    def _try(self, final: Callable[[TransactWrite], None], final_items: int) -> bool:
        # One item is left for the audit event, which rides with the last transaction (the one that
        # changes the catalogue): the cell transactions before it are kept off the ride.
        chunks = self._chunks(ddb.MAX_TRANSACTION_ITEMS - 1 - final_items)
        done: list[_Op] = []
        hidden = ddb.ride(None)
        try:
            for n, chunk in enumerate(chunks):
                last = n == len(chunks) - 1
                if last:
                    ddb.unride(hidden)
                    hidden = None
                with ddb.transaction() as tx:
                    for op in chunk:
                        op.write(tx)
                    if last:
                        final(tx)
                done += chunk
        except PynamoDBException:
            self._undo(done)
            return False
        finally:
            if hidden is not None:
                ddb.unride(hidden)
        return True

    def _undo(self, done: list[_Op]) -> None:
        hidden = ddb.ride(None)
        try:
            for start in range(0, len(done), ddb.MAX_TRANSACTION_ITEMS):
                with ddb.transaction() as tx:
                    for op in done[start:start + ddb.MAX_TRANSACTION_ITEMS]:
                        tx.update(Capacity(*op.key), actions=op.undo)
        finally:
            ddb.unride(hidden)

    def _diagnose(self, orphans: Callable[[list[ReservationLine]], ApiError]) -> None:
        """Read the cells (one Query per period) and the lines on the closing ones that hold any (one
        Query per day): live lines refuse the change; dead ones become the proofs of the next try."""
        cells = read_cells({op.period_id for op in self.ops})
        over = [(op, cells[(op.period_id, *op.cell)]) for op in self.ops
                if op.lowering and op.cap is not None and (op.period_id, *op.cell) in cells
                and int(cells[(op.period_id, *op.cell)].taken or 0) > op.cap]
        if over:
            raise capacity_refused(over[0][0].cell[1], over[0][0].cap or 0,
                                   [(op.cell[0], int(item.taken or 0)) for op, item in over])
        closing = [op for op in self.ops if op.closes and int(getattr(cells.get((op.period_id, *op.cell)),
                                                                        "lines", 0) or 0) > 0]
        found: dict[tuple[str, str, str], list[ReservationLine]] = defaultdict(list)
        for structure_id, day in sorted({(op.structure_id, op.cell[0]) for op in closing}):
            for line in ReservationLine.by_day.query(f"OCC#{structure_id}#{day}"):
                found[(line.period_id or "", line.date, line.slot_code)].append(line)
        live = [ln for op in closing for ln in found[(op.period_id, *op.cell)] if ln.status in PINS]
        if live:
            raise orphans(live)
        for op in closing:
            dead = found[(op.period_id, *op.cell)]
            counted = int(cells[(op.period_id, *op.cell)].lines or 0)
            if len(dead) != counted:  # a line not yet visible on the day's index: nothing proven
                continue
            op.proofs = dead
            op.condition = Capacity.lines == counted


def read_cells(period_ids: Iterable[str]) -> dict[tuple[str, str, str], Capacity]:
    """The periods' cells that exist (one Query per period)."""
    result = {}
    for period_id in sorted(set(period_ids)):
        for item in Capacity.query(f"CAPACITY#{period_id}", consistent_read=True):
            day, slot = item.sk.split("#", 1)
            result[(period_id, day, slot)] = item
    return result


def closing_tags(period_id: str, cells: set[Cell], prefix: str) -> dict[Cell, set[str]]:
    """The tags starting with ``prefix`` on these cells of a period (one Query)."""
    found = read_cells([period_id])
    return {cell: {t for t in (found[(period_id, *cell)].closed or set()) if t.startswith(prefix)}
            for cell in cells if (period_id, *cell) in found and found[(period_id, *cell)].closed}


def capacity_refused(slot: str, new: int, taken: list[tuple[str, int]]) -> Refused:
    taken = sorted(taken)
    days = ", ".join(f"{date.fromisoformat(d).strftime('%d/%m/%Y')} ({n})" for d, n in taken[:5])
    more = f" et {len(taken) - 5} autre(s) jour(s)" if len(taken) > 5 else ""
    return Refused(f"La capacité de {slot} ne peut pas descendre à {new} : plus de places sont déjà prises le "
                   f"{days}{more}. Libérez d'abord des places ou gardez une capacité suffisante.",
                   code="capacity_below_taken", fields={"slots": f"{slot} : {len(taken)} jour(s) au-dessus."},
                   status=409)


# --- the booking's side ----------------------------------------------------------------------------------

def closed_among(lines: Iterable[ReservationLine]) -> list[Cell]:
    """The cells of these lines that a catalogue change closed (BatchGetItem, 100 keys a call)."""
    keys = sorted({Capacity.key(ln.period_id or "", ln.date, ln.slot_code) for ln in lines})
    closed: list[Cell] = []
    for item in Capacity.batch_get(keys, consistent_read=True):
        if item.closed:
            day, slot = item.sk.split("#", 1)
            closed.append((day, slot))
    return sorted(closed)


def catalogue_changed(closed: list[Cell]) -> Conflict:
    """The French 409 of a booking that lost to a catalogue change, naming the dates and slots it removed."""
    slots = sorted({slot for _, slot in closed})
    days = sorted({d for d, _ in closed})
    shown = ", ".join(date.fromisoformat(d).strftime("%d/%m/%Y") for d in days[:5])
    more = f" et {len(days) - 5} autre(s) jour(s)" if len(days) > 5 else ""
    return Conflict(f"La structure vient de modifier cette période : {', '.join(slots)} n'est plus proposé le "
                    f"{shown}{more} (plage retirée, jours retirés ou fermeture). Rechargez « Mon planning » et "
                    "refaites votre sélection.", code="catalogue_changed",
                    fields={"selection": f"{len(closed)} présence(s) retirée(s) du catalogue."})
