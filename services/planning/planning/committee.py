"""The placement committee's allocation: plain functions, no AWS (benchmarked at 5,000 and 20,000 children).

Each request is scored with the association's priority criteria (data: weights per criterion), the
request date breaking ties. Requests are then served in that order, pattern element by pattern element
(weekday × slot × parity over the whole period): first whole elements — an element is accepted only if
every one of its dates still has a place, otherwise it waits, and the dates that lacked a place are
kept to tell why. Then, when the period accepts partial answers, the places still free are given date by
date to the waiting elements, again in rank order: an element gets the dates that have a place
(« partiellement acceptée »), the others wait. Without that second pass one full date left a whole
element waiting while its other dates kept free places (7 % of the places in the benchmark).

With ``keep_siblings_together`` the children of one family are served one after the other, at the
family's best score, and an element the siblings share is accepted for all of them or for none — and,
date by date, a date is given to all the siblings who ask it or to none (one place per child who asks).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

ElementKey = tuple[int, str, str]  # weekday, slot code, parity
Cell = tuple[str, str]  # ISO date, slot code


class Outcome(StrEnum):
    """An element's outcome: all its dates, some of them (partial answers only), or none."""

    ACCEPTED = "accepted"
    PARTIAL = "partial"
    WAITLISTED = "waitlisted"


CRITERIA_LABELS = {
    "sibling_enrolled": "Frère ou sœur déjà inscrit(e)",
    "both_parents_working": "Deux parents en activité",
    "resident": "Résident du territoire",
    "staff_flag": "Situation signalée par l'équipe",
}
DEFAULT_WEIGHTS = {"sibling_enrolled": 40, "both_parents_working": 20, "resident": 30, "staff_flag": 50}


@dataclass(frozen=True)
class Candidate:
    request_id: str
    family_id: str
    child_id: str
    requested_at: str  # ISO timestamp: the tie-break
    facts: Mapping[str, bool]
    elements: Mapping[ElementKey, tuple[str, ...]]  # element -> its dates (ISO) still to answer


@dataclass
class Allocation:
    request_id: str
    family_id: str
    child_id: str
    score: int
    parts: dict[str, int]
    rank: int = 0
    outcomes: dict[ElementKey, Outcome] = field(default_factory=dict)
    # For a partial element: the dates given. For a waitlisted or partial one: the dates that had no place.
    accepted_dates: dict[ElementKey, tuple[str, ...]] = field(default_factory=dict)
    full_dates: dict[ElementKey, tuple[str, ...]] = field(default_factory=dict)

    def dates_given(self, element: ElementKey, dates: Iterable[str]) -> tuple[str, ...]:
        """The dates of ``element`` (whose dates are ``dates``) that take a place."""
        outcome = self.outcomes.get(element)
        if outcome is Outcome.ACCEPTED:
            return tuple(dates)
        return self.accepted_dates.get(element, ()) if outcome is Outcome.PARTIAL else ()


def score(facts: Mapping[str, bool], weights: Mapping[str, int]) -> tuple[int, dict[str, int]]:
    """The total and its parts (only the criteria met), so the committee can explain each place."""
    parts = {name: int(weights.get(name, 0)) for name, met in facts.items() if met and weights.get(name)}
    return sum(parts.values()), parts


def _order(candidates: Iterable[Candidate], weights: Mapping[str, int], siblings: bool) -> list[list[Allocation]]:
    """Groups to serve in order: one per child, or one per family when siblings stay together."""
    allocations = {}
    for c in candidates:
        total, parts = score(c.facts, weights)
        allocations[c.request_id] = (c, Allocation(c.request_id, c.family_id, c.child_id, total, parts))
    key = lambda pair: (-pair[1].score, pair[0].requested_at, pair[0].request_id)  # noqa: E731
    ordered = sorted(allocations.values(), key=key)
    if not siblings:
        return [[a] for _, a in ordered]
    families: dict[str, list[tuple[Candidate, Allocation]]] = defaultdict(list)
    for pair in ordered:
        families[pair[0].family_id].append(pair)
    groups = sorted(families.values(), key=lambda members: key(members[0]))
    return [[a for _, a in members] for members in groups]


def allocate(candidates: list[Candidate], remaining: dict[Cell, int], weights: Mapping[str, int],
             keep_siblings_together: bool = False, partial: bool = False) -> list[Allocation]:
    """Serve the candidates in priority order against ``remaining`` places per (date, slot code): whole
    elements first, then (``partial``) the places left date by date to the waiting elements.

    ``remaining`` is updated in place (what is left after the committee). Returns every allocation in
    the order served, with its rank, the outcome of each of its elements, the dates given to a partial
    element and the dates that lacked a place.
    """
    by_id = {c.request_id: c for c in candidates}
    groups = _order(candidates, weights, keep_siblings_together)
    waiting: list[tuple[ElementKey, list[Allocation], Counter[str]]] = []  # in rank order, for the 2nd pass
    for group in groups:
        shared: dict[ElementKey, list[Allocation]] = defaultdict(list)
        for allocation in group:
            for element in by_id[allocation.request_id].elements:
                shared[element].append(allocation)
        for element, holders in shared.items():
            # Siblings asking the same element are served together (the group is one child otherwise);
            # each date needs one place per sibling who asks it.
            need = Counter(d for a in holders for d in by_id[a.request_id].elements[element])
            slot = element[1]
            full = sorted(d for d, n in need.items() if remaining.get((d, slot), 0) < n)
            if not full:
                for d, n in need.items():
                    remaining[(d, slot)] -= n
            for allocation in holders:
                allocation.outcomes[element] = Outcome.WAITLISTED if full else Outcome.ACCEPTED
                if full:
                    mine = set(by_id[allocation.request_id].elements[element])
                    allocation.full_dates[element] = tuple(d for d in full if d in mine)
            if full:
                waiting.append((element, holders, need))
    if partial:
        _fill_dates(waiting, remaining, by_id)
    served = [a for group in groups for a in group]
    for rank, allocation in enumerate(served, start=1):
        allocation.rank = rank
    return served


def _fill_dates(waiting: list[tuple[ElementKey, list[Allocation], Counter[str]]], remaining: dict[Cell, int],
                by_id: Mapping[str, Candidate]) -> None:
    """The second pass: each waiting element, in rank order, takes the dates that still have a place for
    every sibling who asks them; it becomes partial (some dates) or stays waiting (none)."""
    for element, holders, need in waiting:
        slot = element[1]
        given = {d for d, n in sorted(need.items()) if remaining.get((d, slot), 0) >= n}
        for d in given:
            remaining[(d, slot)] -= need[d]
        for allocation in holders:
            mine = by_id[allocation.request_id].elements[element]
            took = tuple(d for d in mine if d in given)
            allocation.full_dates[element] = tuple(d for d in mine if d not in given)
            if took:
                allocation.outcomes[element] = Outcome.PARTIAL
                allocation.accepted_dates[element] = took


def answer(outcomes: Iterable[Outcome | str]) -> str:
    """The request's answer from its elements' outcomes (the guide's words)."""
    values = {str(o) for o in outcomes}
    if values == {Outcome.ACCEPTED}:
        return "accepted"
    if values & {Outcome.ACCEPTED, Outcome.PARTIAL}:
        return "partially_accepted"
    return "waitlisted" if values else "refused"


def free_where_waiting(remaining: Mapping[Cell, int], allocations: Iterable[Allocation],
                       candidates: Iterable[Candidate]) -> int:
    """Places left on the (date, slot) cells where a line still waits: the committee's waste."""
    by_id = {c.request_id: c for c in candidates}
    waiting_cells: set[Cell] = set()
    for a in allocations:
        for element, outcome in a.outcomes.items():
            if outcome is not Outcome.ACCEPTED:
                given = set(a.accepted_dates.get(element, ()))
                waiting_cells.update((d, element[1]) for d in by_id[a.request_id].elements[element]
                                     if d not in given)
    return sum(remaining.get(cell, 0) for cell in waiting_cells)


def full_reason(dates: Iterable[str], limit: int = 3) -> str:
    """Why an element (or some of its dates) waits, in French: the dates that had no place."""
    days = sorted(set(dates))
    if not days:
        return ""
    shown = ", ".join(f"{d[8:10]}/{d[5:7]}/{d[:4]}" for d in days[:limit])
    more = len(days) - limit
    tail = f" et {more} autre{'s' if more > 1 else ''} date{'s' if more > 1 else ''}" if more > 0 else ""
    return f"Plus de place le {shown}{tail}."
