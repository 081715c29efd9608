"""The life of a reservation line, as one typed state machine (plain code, no AWS).

A line's state is its status and whether it holds a place on its date (counted by the date's
``Capacity`` item). Every change of status is a :class:`Transition` from a known state; the table
below is the only place that says which moves exist, and the change of the capacity counter is
derived from it (``+1`` when the line starts holding a place, ``-1`` when it stops). The store
(:mod:`planning.line_store`) turns a planned move into a conditional write on the state it leaves,
in the same transaction as the counter and the request's status counts.

Only ``cancel_requested`` is ambiguous: a line whose cancellation is asked keeps the place it had
(an accepted line) or had none (a pending or waiting one); ``was_accepted`` on the item tells which.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class LineStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    REFUSED = "refused"
    CANCEL_REQUESTED = "cancel_requested"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The French word families and staff read (one table for the API, the e-mails and the portal)."""
        return LABELS[self]


LABELS: Mapping[LineStatus, str] = {
    LineStatus.PENDING: "En attente", LineStatus.ACCEPTED: "Acceptée", LineStatus.OFFERED: "Place proposée",
    LineStatus.WAITLISTED: "Liste d'attente", LineStatus.REFUSED: "Refusée",
    LineStatus.CANCEL_REQUESTED: "Annulation demandée", LineStatus.CANCELLED: "Annulée",
}


def status_list() -> list[dict[str, str]]:
    """Every status and its label, in the order the portal's legends show them."""
    return [{"code": s.value, "label": s.label} for s in LineStatus]


def label(status: str) -> str:
    return LineStatus(status).label


@dataclass(frozen=True)
class LineState:
    status: LineStatus
    holds_place: bool

    @staticmethod
    def of(status: str, was_accepted: bool | None) -> LineState:
        """The state of a stored line: its status, and (for a cancellation asked) the place it kept."""
        s = LineStatus(status)
        holds = s in (LineStatus.ACCEPTED, LineStatus.OFFERED) or (
            s == LineStatus.CANCEL_REQUESTED and bool(was_accepted))
        return LineState(s, holds)


P, A, W, OF, R, CR, C = (LineStatus.PENDING, LineStatus.ACCEPTED, LineStatus.WAITLISTED, LineStatus.OFFERED,
                         LineStatus.REFUSED, LineStatus.CANCEL_REQUESTED, LineStatus.CANCELLED)
FREE = {s: LineState(s, False) for s in LineStatus}
HELD = {s: LineState(s, True) for s in (A, OF, CR)}
OPEN = (FREE[P], FREE[W], FREE[R])  # a line staff may still decide and that holds no place


class Transition(StrEnum):
    ACCEPT = "accept"  # staff, automatic acceptance, the committee, the waiting list
    OFFER = "offer"  # a freed place held for a waiting family until a deadline
    TAKE_OFFER = "take_offer"  # the family accepts the place offered
    RELEASE_OFFER = "release_offer"  # declined by the family, or past its deadline
    WAITLIST = "waitlist"  # staff (also revising an acceptance), or no place left
    REFUSE = "refuse"  # staff (also revising an acceptance)
    REQUEST_CANCEL = "request_cancel"  # the family
    CONFIRM_CANCEL = "confirm_cancel"  # staff, or the period's automatic confirmation


TRANSITIONS: Mapping[Transition, Mapping[LineState, LineState]] = {
    Transition.ACCEPT: {s: HELD[A] for s in OPEN},
    Transition.OFFER: {s: HELD[OF] for s in OPEN},
    Transition.TAKE_OFFER: {HELD[OF]: HELD[A]},
    Transition.RELEASE_OFFER: {HELD[OF]: FREE[R]},
    Transition.WAITLIST: {**{s: FREE[W] for s in OPEN}, HELD[A]: FREE[W]},
    Transition.REFUSE: {**{s: FREE[R] for s in OPEN}, HELD[A]: FREE[R]},
    Transition.REQUEST_CANCEL: {FREE[P]: FREE[CR], FREE[W]: FREE[CR], HELD[A]: HELD[CR]},
    Transition.CONFIRM_CANCEL: {HELD[CR]: FREE[C], FREE[CR]: FREE[C]},
}

CANCELLABLE = frozenset(s.status for s in TRANSITIONS[Transition.REQUEST_CANCEL])
# A line in these statuses keeps its date and slot in the catalogue (decision 106): a catalogue change may
# not remove them. A refused line may be decided again, so leaving ``refused`` for one of these (a revival)
# is gated like a new line; a cancelled line only ever gives its key to a new line.
PINS = frozenset({P, A, W, OF, CR})
DECIDABLE = frozenset(s.status for s in OPEN)


class IllegalTransition(ValueError):
    """The line is not in a state this transition leaves (someone changed it, or the move does not exist)."""


@dataclass(frozen=True)
class Move:
    """A planned change of one line: from its known state to the next one, and what it costs in places.

    ``guard`` is every source state of the transition with the same place change: the store's condition
    accepts any of them (a line waiting or refused meanwhile may still be accepted), and nothing else."""

    transition: Transition
    source: LineState
    target: LineState

    @property
    def places(self) -> int:
        """The change of the date's places taken: +1, -1 or 0."""
        return int(self.target.holds_place) - int(self.source.holds_place)

    @property
    def guard(self) -> frozenset[LineState]:
        return frozenset(s for s, t in TRANSITIONS[self.transition].items()
                         if int(t.holds_place) - int(s.holds_place) == self.places and t == self.target)

    @property
    def revives(self) -> bool:
        """The line comes back from ``refused`` to a status that pins its date and slot."""
        return self.source.status not in PINS and self.target.status in PINS

    @property
    def counts(self) -> dict[LineStatus, int]:
        """The change of the request's status counts (the line leaves one status for another)."""
        if self.source.status == self.target.status:
            return {}
        return {self.source.status: -1, self.target.status: +1}


def move(transition: Transition, status: str, was_accepted: bool | None = False) -> Move:
    """The move ``transition`` makes from a line read as (``status``, ``was_accepted``), or
    :class:`IllegalTransition` when the table has no such move."""
    source = LineState.of(status, was_accepted)
    target = TRANSITIONS[transition].get(source)
    if target is None:
        raise IllegalTransition(f"{transition.value} is not allowed from {source.status.value}")
    return Move(transition, source, target)


def allowed(transition: Transition, status: str, was_accepted: bool | None = False) -> bool:
    return LineState.of(status, was_accepted) in TRANSITIONS[transition]


def count_statuses(statuses: Iterable[str]) -> dict[LineStatus, int]:
    """The request's status counts from its lines (to build or check the counts kept on the request)."""
    counts: dict[LineStatus, int] = {}
    for status in statuses:
        s = LineStatus(status)
        counts[s] = counts.get(s, 0) + 1
    return counts
