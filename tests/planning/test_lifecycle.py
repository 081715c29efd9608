"""The reservation line's state machine (planning.lifecycle): plain code, no AWS."""

from __future__ import annotations

import pytest

from planning.lifecycle import (
    CANCELLABLE,
    TRANSITIONS,
    IllegalTransition,
    LineState,
    LineStatus,
    Transition,
    allowed,
    label,
    move,
    status_list,
)

P, A, W, OF, R, CR, C = (LineStatus.PENDING, LineStatus.ACCEPTED, LineStatus.WAITLISTED, LineStatus.OFFERED,
                         LineStatus.REFUSED, LineStatus.CANCEL_REQUESTED, LineStatus.CANCELLED)


def test_every_status_has_one_french_label() -> None:
    assert [(s["code"], s["label"]) for s in status_list()] == [
        ("pending", "En attente"), ("accepted", "Acceptée"), ("waitlisted", "Liste d'attente"),
        ("offered", "Place proposée"), ("refused", "Refusée"), ("cancel_requested", "Annulation demandée"),
        ("cancelled", "Annulée")]
    assert label("offered") == LineStatus.OFFERED.label == "Place proposée"
    with pytest.raises(ValueError):
        label("unknown")


@pytest.mark.parametrize(("transition", "status", "was_accepted", "target", "places"), [
    (Transition.ACCEPT, "pending", False, A, +1),
    (Transition.ACCEPT, "waitlisted", False, A, +1),
    (Transition.ACCEPT, "refused", False, A, +1),
    (Transition.OFFER, "waitlisted", False, OF, +1),
    (Transition.TAKE_OFFER, "offered", False, A, 0),
    (Transition.RELEASE_OFFER, "offered", False, R, -1),
    (Transition.WAITLIST, "pending", False, W, 0),
    (Transition.WAITLIST, "accepted", True, W, -1),  # a revised acceptance frees its place
    (Transition.REFUSE, "accepted", True, R, -1),
    (Transition.REFUSE, "refused", False, R, 0),  # a new motif
    (Transition.REQUEST_CANCEL, "accepted", True, CR, 0),  # the place is kept until confirmed
    (Transition.REQUEST_CANCEL, "pending", False, CR, 0),
    (Transition.CONFIRM_CANCEL, "cancel_requested", True, C, -1),
    (Transition.CONFIRM_CANCEL, "cancel_requested", False, C, 0),
])
def test_the_place_change_is_derived_from_the_move(transition: Transition, status: str, was_accepted: bool,
                                                   target: LineStatus, places: int) -> None:
    m = move(transition, status, was_accepted)
    assert (m.target.status, m.places) == (target, places)
    assert m.counts == ({} if LineStatus(status) == target else {LineStatus(status): -1, target: +1})


@pytest.mark.parametrize(("transition", "status"), [
    (Transition.ACCEPT, "accepted"), (Transition.ACCEPT, "offered"), (Transition.ACCEPT, "cancel_requested"),
    (Transition.ACCEPT, "cancelled"), (Transition.REFUSE, "cancel_requested"), (Transition.REFUSE, "offered"),
    (Transition.WAITLIST, "cancelled"), (Transition.TAKE_OFFER, "waitlisted"), (Transition.RELEASE_OFFER, "accepted"),
    (Transition.REQUEST_CANCEL, "offered"), (Transition.REQUEST_CANCEL, "refused"),
    (Transition.REQUEST_CANCEL, "cancelled"), (Transition.CONFIRM_CANCEL, "accepted"),
])
def test_moves_the_table_does_not_have_are_refused(transition: Transition, status: str) -> None:
    assert not allowed(transition, status, status == "accepted")
    with pytest.raises(IllegalTransition):
        move(transition, status, status == "accepted")


def test_a_line_holds_a_place_exactly_when_accepted_offered_or_cancel_asked_of_an_acceptance() -> None:
    assert LineState.of("accepted", False).holds_place  # older items: the status says it
    assert LineState.of("offered", False).holds_place
    assert LineState.of("cancel_requested", True).holds_place
    assert not LineState.of("cancel_requested", False).holds_place
    assert not any(LineState.of(s, True).holds_place for s in ("pending", "waitlisted", "refused", "cancelled"))


def test_the_guard_accepts_only_sources_with_the_same_place_change() -> None:
    """A line read as pending may be accepted even if it went to the waiting list meanwhile (same +1),
    never once it holds a place; a cancellation confirmed frees a place only from a held state."""
    assert move(Transition.ACCEPT, "pending").guard == {LineState(s, False) for s in (P, W, R)}
    assert move(Transition.REFUSE, "accepted", True).guard == {LineState(A, True)}
    assert move(Transition.REFUSE, "pending").guard == {LineState(s, False) for s in (P, W, R)}
    assert move(Transition.CONFIRM_CANCEL, "cancel_requested", True).guard == {LineState(CR, True)}
    assert move(Transition.CONFIRM_CANCEL, "cancel_requested", False).guard == {LineState(CR, False)}


def test_the_table_keeps_places_consistent_along_any_path() -> None:
    """Walk every path of up to six moves from a new line: the places it holds always equal the sum of
    the counter changes, never below 0 nor above 1, and a cancelled line is final."""
    frontier = [(LineState(P, False), 0)]
    for _ in range(6):
        following = []
        for state, held in frontier:
            assert held == int(state.holds_place) and held in (0, 1)
            for transition, table in TRANSITIONS.items():
                if state in table:
                    m = move(transition, state.status.value, state.holds_place)
                    following.append((m.target, held + m.places))
        frontier = following
    assert all(state.status != C for table in TRANSITIONS.values() for state in table)
    assert {P, A, W} == CANCELLABLE
