"""The committee's allocation as plain functions (no AWS): priority order, whole elements, siblings."""

from __future__ import annotations

from planning.committee import Candidate, allocate, answer, free_where_waiting, full_reason

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


def test_a_full_date_says_which_date_and_waitlists_the_whole_element_without_partial_answers() -> None:
    lea = candidate("r-lea", "f-1", ("2026-09-07", "2026-09-14", "2026-09-21"), "2026-06-01T08:00:00")
    remaining = {("2026-09-07", "MIDI"): 1, ("2026-09-14", "MIDI"): 0, ("2026-09-21", "MIDI"): 1}
    [served] = allocate([lea], remaining, WEIGHTS)
    assert served.outcomes[MONDAY_MIDI] == "waitlisted"
    assert served.full_dates[MONDAY_MIDI] == ("2026-09-14",)
    assert served.dates_given(MONDAY_MIDI, lea.elements[MONDAY_MIDI]) == ()
    assert remaining == {("2026-09-07", "MIDI"): 1, ("2026-09-14", "MIDI"): 0, ("2026-09-21", "MIDI"): 1}
    assert answer(served.outcomes.values()) == "waitlisted"
    assert full_reason(served.full_dates[MONDAY_MIDI]) == "Plus de place le 14/09/2026."


def test_partial_answers_give_the_dates_left_in_rank_order_after_whole_elements() -> None:
    # Léa (30 points) asks three Mondays, the second is full: her element waits in the first pass, where
    # Zoé and Tom (0 points) get their whole elements. Then Léa gets the date still free (the third).
    days = ("2026-09-07", "2026-09-14", "2026-09-21")
    lea = candidate("r-lea", "f-1", days, "2026-06-01T08:00:00", resident=True)
    zoe = candidate("r-zoe", "f-2", ("2026-09-07",), "2026-06-01T09:00:00")
    tom = candidate("r-tom", "f-3", ("2026-09-07", "2026-09-21"), "2026-06-01T10:00:00")
    ana = candidate("r-ana", "f-4", ("2026-09-07", "2026-09-21"), "2026-06-01T11:00:00")
    remaining = {("2026-09-07", "MIDI"): 2, ("2026-09-14", "MIDI"): 0, ("2026-09-21", "MIDI"): 2}
    served = allocate([ana, tom, zoe, lea], remaining, WEIGHTS, partial=True)
    assert [(a.request_id, a.outcomes[MONDAY_MIDI]) for a in served] == [
        ("r-lea", "partial"), ("r-zoe", "accepted"), ("r-tom", "accepted"), ("r-ana", "waitlisted")]
    first = served[0]
    assert first.accepted_dates[MONDAY_MIDI] == ("2026-09-21",)
    assert first.dates_given(MONDAY_MIDI, days) == ("2026-09-21",)
    assert first.full_dates[MONDAY_MIDI] == ("2026-09-07", "2026-09-14")
    assert served[3].full_dates[MONDAY_MIDI] == ("2026-09-07", "2026-09-21")
    assert answer(first.outcomes.values()) == "partially_accepted"
    assert remaining == {("2026-09-07", "MIDI"): 0, ("2026-09-14", "MIDI"): 0, ("2026-09-21", "MIDI"): 0}
    assert free_where_waiting(remaining, served, [lea, zoe, tom, ana]) == 0


def test_without_partial_answers_places_stay_free_where_lines_wait() -> None:
    days = ("2026-09-07", "2026-09-14")
    lea = candidate("r-lea", "f-1", days, "2026-06-01T08:00:00")
    remaining = {("2026-09-07", "MIDI"): 1, ("2026-09-14", "MIDI"): 0}
    served = allocate([lea], remaining, WEIGHTS)
    assert free_where_waiting(remaining, served, [lea]) == 1


def test_siblings_get_a_date_together_or_not_at_all_in_the_date_by_date_pass() -> None:
    # Two siblings ask the same two Mondays; the first Monday has one place (not enough for both), the
    # second two: they share the second Monday, the first goes to the next family's child (whose third
    # Monday is full, so her element waited in the first pass).
    lea = candidate("r-lea", "f-1", ("2026-09-07", "2026-09-14"), "2026-06-01T08:00:00", resident=True)
    tom = candidate("r-tom", "f-1", ("2026-09-07", "2026-09-14"), "2026-06-01T08:01:00", resident=True)
    zoe = candidate("r-zoe", "f-2", ("2026-09-07", "2026-09-21"), "2026-06-02T08:00:00")
    remaining = {("2026-09-07", "MIDI"): 1, ("2026-09-14", "MIDI"): 2, ("2026-09-21", "MIDI"): 0}
    served = allocate([zoe, tom, lea], remaining, WEIGHTS, keep_siblings_together=True, partial=True)
    assert [(a.request_id, a.outcomes[MONDAY_MIDI], a.accepted_dates.get(MONDAY_MIDI)) for a in served] == [
        ("r-lea", "partial", ("2026-09-14",)), ("r-tom", "partial", ("2026-09-14",)),
        ("r-zoe", "partial", ("2026-09-07",))]
    assert remaining == {("2026-09-07", "MIDI"): 0, ("2026-09-14", "MIDI"): 0, ("2026-09-21", "MIDI"): 0}


def test_a_sibling_asking_fewer_dates_needs_no_place_on_the_others_in_the_date_by_date_pass() -> None:
    lea = candidate("r-lea", "f-1", ("2026-09-07", "2026-09-14"), "2026-06-01T08:00:00")
    tom = candidate("r-tom", "f-1", ("2026-09-14",), "2026-06-01T08:01:00")
    remaining = {("2026-09-07", "MIDI"): 1, ("2026-09-14", "MIDI"): 1}
    served = allocate([lea, tom], remaining, WEIGHTS, keep_siblings_together=True, partial=True)
    assert [(a.outcomes[MONDAY_MIDI], a.accepted_dates.get(MONDAY_MIDI), a.full_dates.get(MONDAY_MIDI))
            for a in served] == [("partial", ("2026-09-07",), ("2026-09-14",)), ("waitlisted", None, ("2026-09-14",))]
    assert remaining == {("2026-09-07", "MIDI"): 0, ("2026-09-14", "MIDI"): 1}


def test_the_reason_names_three_dates_then_counts_the_others() -> None:
    assert full_reason(["2026-09-21", "2026-09-07", "2026-09-14", "2026-09-28", "2026-10-05"]) == \
        "Plus de place le 07/09/2026, 14/09/2026, 21/09/2026 et 2 autres dates."
    assert full_reason(["2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28"]) == \
        "Plus de place le 07/09/2026, 14/09/2026, 21/09/2026 et 1 autre date."
