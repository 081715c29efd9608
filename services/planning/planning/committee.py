"""The placement committee's allocation: plain functions, no AWS (benchmarked at 5,000 children).

Each request is scored with the association's priority criteria (data: weights per criterion), the
request date breaking ties. Requests are then served in that order, pattern element by pattern element
(weekday × slot × parity over the whole period): an element is accepted only if every one of its dates
still has a place; otherwise the whole element goes to the waiting list, in the same order. With
``keep_siblings_together`` the children of one family are served one after the other, at the family's
best score, and an element the siblings share is accepted for all of them or for none.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

ElementKey = tuple[int, str, str]  # weekday, slot code, parity
Outcome = Literal["accepted", "waitlisted"]

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
    elements: Mapping[ElementKey, tuple[str, ...]]  # element -> its dates (ISO)


@dataclass
class Allocation:
    request_id: str
    family_id: str
    child_id: str
    score: int
    parts: dict[str, int]
    rank: int = 0
    outcomes: dict[ElementKey, Outcome] = field(default_factory=dict)


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


def allocate(candidates: list[Candidate], remaining: dict[tuple[str, str], int], weights: Mapping[str, int],
             keep_siblings_together: bool = False) -> list[Allocation]:
    """Serve the candidates in priority order against ``remaining`` places per (date, slot code).

    ``remaining`` is updated in place (what is left after the committee). Returns every allocation in
    the order served, with its rank and the outcome of each of its elements.
    """
    by_id = {c.request_id: c for c in candidates}
    served: list[Allocation] = []
    for group in _order(candidates, weights, keep_siblings_together):
        shared: dict[ElementKey, list[Allocation]] = defaultdict(list)
        for allocation in group:
            for element in by_id[allocation.request_id].elements:
                shared[element].append(allocation)
        for element, holders in shared.items():
            # Siblings asking the same element are served together (the group is one child otherwise);
            # each date needs one place per sibling who asks it.
            need = Counter(d for a in holders for d in by_id[a.request_id].elements[element])
            slot = element[1]
            fits = all(remaining.get((d, slot), 0) >= n for d, n in need.items())
            if fits:
                for d, n in need.items():
                    remaining[(d, slot)] -= n
            for allocation in holders:
                allocation.outcomes[element] = "accepted" if fits else "waitlisted"
        served.extend(group)
    for rank, allocation in enumerate(served, start=1):
        allocation.rank = rank
    return served


def answer(outcomes: Iterable[Outcome]) -> str:
    values = set(outcomes)
    if values == {"accepted"}:
        return "accepted"
    if "accepted" in values:
        return "partially_accepted"
    return "waitlisted" if values else "refused"
