"""The committee's allocation as plain functions (no AWS): priority order, whole elements, siblings."""

from __future__ import annotations

from planning.committee import Candidate, allocate

MONDAY_MIDI = (0, "MIDI", "all")
WEIGHTS = {"resident": 30, "staff_flag": 50}


def candidate(request_id: str, family_id: str, dates: tuple[str, ...], at: str, **facts: bool) -> Candidate:
    return Candidate(request_id, family_id, f"child-{request_id}", at, facts, {MONDAY_MIDI: dates})


def test_siblings_together_need_one_place_per_child_only_on_the_dates_each_asks() -> None:
    # Léa asks two Mondays, her brother only the second; one place is left on the first, two on the second.
    lea = candidate("r-lea", "f-1", ("2026-09-07", "2026-09-14"), "2026-06-01T08:00:00")
    tom = candidate("r-tom", "f-1", ("2026-09-14",), "2026-06-01T08:01:00")
    remaining = {("2026-09-07", "MIDI"): 1, ("2026-09-14", "MIDI"): 2}
    served = allocate([lea, tom], remaining, WEIGHTS, keep_siblings_together=True)
    assert [a.outcomes[MONDAY_MIDI] for a in served] == ["accepted", "accepted"]
    assert remaining == {("2026-09-07", "MIDI"): 0, ("2026-09-14", "MIDI"): 0}


def test_siblings_together_wait_together_when_one_date_lacks_a_place_for_both() -> None:
    lea = candidate("r-lea", "f-1", ("2026-09-07",), "2026-06-01T08:00:00")
    tom = candidate("r-tom", "f-1", ("2026-09-07",), "2026-06-01T08:01:00")
    other = candidate("r-zoe", "f-2", ("2026-09-07",), "2026-06-02T08:00:00")
    remaining = {("2026-09-07", "MIDI"): 1}
    served = allocate([lea, tom, other], remaining, WEIGHTS, keep_siblings_together=True)
    assert [(a.request_id, a.outcomes[MONDAY_MIDI]) for a in served] == [
        ("r-lea", "waitlisted"), ("r-tom", "waitlisted"), ("r-zoe", "accepted")]
    assert remaining == {("2026-09-07", "MIDI"): 0}


def test_priority_then_request_date_orders_the_children() -> None:
    early = candidate("r-early", "f-1", ("2026-09-07",), "2026-06-01T08:00:00")
    flagged = candidate("r-flag", "f-2", ("2026-09-07",), "2026-06-03T08:00:00", staff_flag=True)
    late = candidate("r-late", "f-3", ("2026-09-07",), "2026-06-02T08:00:00")
    served = allocate([late, early, flagged], {("2026-09-07", "MIDI"): 2}, WEIGHTS)
    assert [(a.rank, a.request_id, a.score, a.outcomes[MONDAY_MIDI]) for a in served] == [
        (1, "r-flag", 50, "accepted"), (2, "r-early", 0, "accepted"), (3, "r-late", 0, "waitlisted")]
    assert served[0].parts == {"staff_flag": 50}
