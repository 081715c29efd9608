"""The guide's example: Monday midi and soir, Tuesday midi, Thursday midi, copied over the school year."""

from __future__ import annotations

from datetime import date, time, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vacances_scolaires_france import SchoolHolidayDates

from planning.calendar import (
    MONDAY,
    PERIOD_TYPES,
    THURSDAY,
    TUESDAY,
    WEDNESDAY,
    Calendar,
    Period,
)
from planning.pattern import (
    PARITIES,
    Line,
    PatternElement,
    Slot,
    expand,
    expand_sejour,
    overlapping_lines,
    overlaps,
    recap,
    selection_of,
)

MIDI, SOIR = "PERISCOLAIRE MIDI", "PERISCOLAIRE SOIR"
ASCENSION_BRIDGE_2025 = date(2025, 5, 30)  # official 2024-2025 calendar; missing from the offline data


def guide_selection() -> list[PatternElement]:
    """What the family picks on Monday 2, Tuesday 3 and Thursday 5 September 2024."""
    return [*selection_of(date(2024, 9, 2), [MIDI, SOIR]), *selection_of(date(2024, 9, 3), [MIDI]),
            *selection_of(date(2024, 9, 5), [MIDI])]


def expected_school_days(period: Period) -> list[date]:
    """Derived straight from the libraries' own lists, not through the Calendar under test."""
    public = holidays.France(subdiv="6AE", years=range(period.start.year, period.end.year + 1))
    school = SchoolHolidayDates()
    zone_b = {d for year in range(period.start.year, period.end.year + 1)
              for d in school.holidays_for_year_and_zone(year, "B")}
    every = (period.start + timedelta(n) for n in range((period.end - period.start).days + 1))
    return [d for d in every if d.weekday() in period.weekdays and d not in public and d not in zone_b
            and d != ASCENSION_BRIDGE_2025]


def test_guide_example_expands_to_exactly_the_school_days(schweighouse: Calendar, periscolaire: Period) -> None:
    school_days = expected_school_days(periscolaire)
    assert schweighouse.period_days(periscolaire) == school_days
    wanted = {MONDAY: [MIDI, SOIR], TUESDAY: [MIDI], THURSDAY: [MIDI]}
    expected = sorted(Line(d, code) for d in school_days for code in wanted.get(d.weekday(), []))
    lines = expand(guide_selection(), schweighouse, periscolaire)
    assert lines == expected
    assert lines[:4] == [Line(date(2024, 9, 2), MIDI), Line(date(2024, 9, 2), SOIR),
                         Line(date(2024, 9, 3), MIDI), Line(date(2024, 9, 5), MIDI)]


def test_guide_example_explicit_facts(schweighouse: Calendar, periscolaire: Period) -> None:
    every_day = [*guide_selection(), *selection_of(date(2024, 9, 6), [MIDI])]  # Friday too
    booked = {line.date for line in expand(every_day, schweighouse, periscolaire)}
    assert date(2024, 11, 11) not in booked  # Monday, Armistice
    assert date(2024, 11, 4) in booked  # Monday after Toussaint: back to school
    assert ASCENSION_BRIDGE_2025 not in booked and date(2025, 5, 29) not in booked
    assert date(2025, 4, 18) not in booked  # Good Friday (and spring holidays)
    assert date(2025, 6, 9) not in booked  # Pentecost Monday
    assert date(2025, 7, 4) in booked  # last Friday of the period, last day of school
    zone_b_2024_2025 = [(date(2024, 10, 19), date(2024, 11, 3)), (date(2024, 12, 21), date(2025, 1, 5)),
                        (date(2025, 2, 8), date(2025, 2, 23)), (date(2025, 4, 5), date(2025, 4, 21))]
    for first, last in zone_b_2024_2025:
        assert not [d for d in booked if first <= d <= last]
    assert not [d for d in booked if d.weekday() == WEDNESDAY or d.weekday() >= 5]


def test_recap_after_suivant(schweighouse: Calendar, periscolaire: Period) -> None:
    result = recap(expand(guide_selection(), schweighouse, periscolaire))
    rows = [(r.weekday_name, r.slot_code, r.count, r.first, r.last) for r in result.rows]
    assert rows == [
        ("lundi", MIDI, 33, date(2024, 9, 2), date(2025, 6, 30)),
        ("lundi", SOIR, 33, date(2024, 9, 2), date(2025, 6, 30)),
        ("mardi", MIDI, 36, date(2024, 9, 3), date(2025, 7, 1)),
        ("jeudi", MIDI, 33, date(2024, 9, 5), date(2025, 7, 3)),
    ]
    assert (result.total_lines, result.total_days) == (135, 102)
    assert (result.first, result.last) == (date(2024, 9, 2), date(2025, 7, 3))
    # The same numbers, counted from the independently derived school days.
    school_days = expected_school_days(periscolaire)
    assert [r.count for r in result.rows] == [sum(d.weekday() == w for d in school_days)
                                              for w in (MONDAY, MONDAY, TUESDAY, THURSDAY)]


def test_recap_of_nothing() -> None:
    empty = recap([])
    assert (empty.rows, empty.total_lines, empty.total_days, empty.first, empty.last) == ((), 0, 0, None, None)


def test_even_and_odd_iso_weeks(schweighouse: Calendar, periscolaire: Period) -> None:
    every = expand([PatternElement(MONDAY, MIDI)], schweighouse, periscolaire)
    even = expand([PatternElement(MONDAY, MIDI, "even")], schweighouse, periscolaire)
    odd = expand([PatternElement(MONDAY, MIDI, "odd")], schweighouse, periscolaire)
    assert all(line.date.isocalendar().week % 2 == 0 for line in even)
    assert all(line.date.isocalendar().week % 2 == 1 for line in odd)
    assert sorted(even + odd) == every and not set(even) & set(odd)
    assert even[0].date == date(2024, 9, 2)  # ISO week 36
    assert odd[0].date == date(2024, 9, 9)  # ISO week 37
    # Alternating weeks, with a Monday every 14 days unless the day is closed.
    assert date(2024, 9, 16) in {line.date for line in even}


def test_parity_follows_iso_weeks_across_a_53_week_year(schweighouse: Calendar) -> None:
    winter = Period(date(2026, 12, 21), date(2027, 1, 15), frozenset({MONDAY}), "all_days")
    odd = [line.date for line in expand([PatternElement(MONDAY, MIDI, "odd")], schweighouse, winter)]
    assert odd == [date(2026, 12, 28), date(2027, 1, 4)]  # weeks 53 and 1: two odd weeks in a row


def test_a_weekday_the_period_does_not_open_books_nothing(schweighouse: Calendar, periscolaire: Period) -> None:
    assert expand(selection_of(date(2024, 9, 4), [MIDI]), schweighouse, periscolaire) == []


def test_pattern_element_is_checked() -> None:
    with pytest.raises(ValueError):
        PatternElement(7, MIDI)
    with pytest.raises(ValueError):
        PatternElement(MONDAY, "")
    with pytest.raises(ValueError):
        PatternElement(MONDAY, MIDI, "weekly")  # type: ignore[arg-type]


def test_sejour_copies_the_first_day_over_its_weeks(schweighouse: Calendar) -> None:
    vosges = expand_sejour(["JOURNEE"], date(2027, 7, 12), date(2027, 7, 16), schweighouse)
    assert [line.date for line in vosges] == [date(2027, 7, 12), date(2027, 7, 13), date(2027, 7, 15),
                                              date(2027, 7, 16)]  # Wednesday 14 July is a public holiday
    assert expand_sejour(["JOURNEE"], date(2027, 7, 12), date(2027, 7, 16), Calendar("67", "B"),
                         weekdays=range(7), period_type="holidays")[0] == Line(date(2027, 7, 12), "JOURNEE")
    # Two weeks in July 2025: Monday 14 July is a public holiday, weekends are not in the séjour's days.
    two_weeks = expand_sejour(["MATIN", "APRES-MIDI", "MATIN"], date(2025, 7, 7), date(2025, 7, 18), schweighouse)
    booked = sorted({line.date for line in two_weeks})
    assert len(booked) == 9 and date(2025, 7, 14) not in booked
    assert len(two_weeks) == 18
    assert all(d.weekday() < 5 for d in booked)


slot_midi = Slot(MIDI, time(11, 30), time(13, 30))
slot_soir = Slot(SOIR, time(16, 0), time(18, 30))
slot_repas = Slot("REPAS", time(12, 0), time(13, 0))
slot_apres = Slot("APRES-MIDI", time(13, 30), time(16, 30))


def test_overlapping_slots_are_detected() -> None:
    assert overlaps([slot_midi, slot_soir]) == []
    assert overlaps([slot_soir, slot_repas, slot_midi]) == [(slot_midi, slot_repas)]
    assert overlaps([slot_midi, slot_apres]) == []  # 13:30 end and 13:30 start only touch
    assert overlaps([slot_midi, slot_apres, slot_soir]) == [(slot_apres, slot_soir)]
    with pytest.raises(ValueError):
        Slot("X", time(10), time(10))


def test_overlapping_lines_names_the_day() -> None:
    slots = {s.code: s for s in (slot_midi, slot_soir, slot_repas)}
    lines = [Line(date(2024, 9, 2), MIDI), Line(date(2024, 9, 2), SOIR), Line(date(2024, 9, 3), MIDI),
             Line(date(2024, 9, 3), "REPAS")]
    assert overlapping_lines(lines, slots) == [(date(2024, 9, 3), slot_midi, slot_repas)]


CALENDARS = {(dep, zone): Calendar(dep, zone, [date(2025, 3, 14), (date(2026, 5, 4), date(2026, 5, 8))])
             for dep, zone in (("67", "B"), ("57", "B"), ("75", "C"), ("69", "A"))}


@settings(max_examples=60, deadline=None)
@given(
    key=st.sampled_from(sorted(CALENDARS)),
    start=st.dates(date(2024, 1, 1), date(2028, 4, 30)),
    length=st.integers(0, 120),
    weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    period_type=st.sampled_from(PERIOD_TYPES),
    selection=st.lists(st.builds(PatternElement, st.integers(0, 6), st.sampled_from([MIDI, SOIR]),
                                 st.sampled_from(PARITIES)), max_size=6),
)
def test_expanded_lines_are_never_on_a_closed_day(key: tuple[str, str], start: date, length: int,
                                                  weekdays: frozenset[int], period_type: str,
                                                  selection: list[PatternElement]) -> None:
    calendar = CALENDARS[key]
    period = Period(start, start + timedelta(length), weekdays, period_type)  # type: ignore[arg-type]
    lines = expand(selection, calendar, period)
    assert lines == sorted(set(lines))
    for line in lines:
        assert period.start <= line.date <= period.end
        assert line.date.weekday() in weekdays
        assert not calendar.is_closed(line.date, period.type)
        assert not calendar.is_public_holiday(line.date) and not calendar.is_structure_closure(line.date)
        assert any(e.weekday == line.date.weekday() and e.slot_code == line.slot_code and e.matches_week(line.date)
                   for e in selection)
