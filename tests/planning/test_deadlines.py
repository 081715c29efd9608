"""Booking and cancellation deadlines: J-2 before 10:00, counted in working days, Paris time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from planning.calendar import Calendar
from planning.deadlines import (
    PARIS,
    DeadlineRule,
    PeriodDeadlines,
    can_book,
    can_cancel,
    deadline_for,
    format_day_fr,
    is_working_day,
)

TEN = time(10, 0)
J2 = DeadlineRule(2, TEN)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def test_for_a_monday_the_deadline_is_the_previous_thursday(schweighouse: Calendar) -> None:
    assert deadline_for(date(2024, 9, 2), 2, TEN, schweighouse) == paris(2024, 8, 29, 10)


@pytest.mark.parametrize(("day", "deadline"), [
    (date(2024, 11, 13), paris(2024, 11, 8, 10)),  # Wednesday: Tuesday, (Armistice Monday), Friday
    (date(2024, 11, 12), paris(2024, 11, 7, 10)),  # Tuesday: (Armistice Monday), Friday, Thursday
    (date(2024, 11, 14), paris(2024, 11, 12, 10)),  # Thursday: no holiday in between
])
def test_a_public_holiday_moves_the_deadline_one_more_day(schweighouse: Calendar, day: date,
                                                          deadline: datetime) -> None:
    assert deadline_for(day, 2, TEN, schweighouse) == deadline


def test_alsace_local_holidays_are_not_working_days() -> None:
    monday = date(2025, 12, 29)  # Friday 26 December is a holiday in Bas-Rhin only
    assert deadline_for(monday, 2, TEN, Calendar("67", "B")) == paris(2025, 12, 23, 10)
    assert deadline_for(monday, 2, TEN, Calendar("75", "C")) == paris(2025, 12, 24, 10)
    assert not is_working_day(date(2025, 12, 26), Calendar("67", "B"))
    assert is_working_day(date(2025, 12, 26), Calendar("75", "C"))


def test_j0_and_calendar_days(schweighouse: Calendar) -> None:
    saturday = date(2025, 7, 12)
    assert deadline_for(saturday, 0, TEN, schweighouse) == paris(2025, 7, 12, 10)
    assert deadline_for(date(2024, 9, 2), 2, TEN, schweighouse, working_days=False) == paris(2024, 8, 31, 10)
    with pytest.raises(ValueError):
        deadline_for(saturday, -1, TEN, schweighouse)
    with pytest.raises(ValueError):
        DeadlineRule(-1, TEN)


def test_can_book_until_just_before_the_deadline(schweighouse: Calendar) -> None:
    monday = date(2024, 9, 2)
    # 29 August 2024 is summer time: 10:00 in Paris is 08:00 UTC.
    before = can_book(datetime(2024, 8, 29, 7, 59, tzinfo=UTC), monday, J2, schweighouse)
    assert before and before.reason is None and before.deadline == paris(2024, 8, 29, 10)
    at = can_book(datetime(2024, 8, 29, 8, 0, tzinfo=UTC), monday, J2, schweighouse)
    assert not at
    assert at.reason == ("Les réservations pour le lundi 2 septembre 2024 sont closes depuis le "
                         "jeudi 29 août 2024 à 10h00.")


def test_can_cancel_with_its_own_rule(schweighouse: Calendar) -> None:
    rules = PeriodDeadlines(booking=J2, cancellation=DeadlineRule(3, time(12, 0)))
    wednesday = date(2024, 11, 13)  # cancel by Thursday 7 November 12:00 (Armistice skipped)
    assert can_cancel(paris(2024, 11, 7, 11, 59), wednesday, rules.cancellation, schweighouse)
    late = can_cancel(paris(2024, 11, 7, 12, 0), wednesday, rules.cancellation, schweighouse)
    assert not late
    assert late.reason == ("L'annulation du mercredi 13 novembre 2024 n'est plus possible : elle devait être "
                           "demandée avant le jeudi 7 novembre 2024 à 12h00.")
    # Winter time: 10:00 in Paris is 09:00 UTC.
    assert can_book(datetime(2024, 11, 8, 8, 59, tzinfo=UTC), wednesday, rules.booking, schweighouse)
    assert not can_book(datetime(2024, 11, 8, 9, 0, tzinfo=UTC), wednesday, rules.booking, schweighouse)


def test_naive_now_is_refused(schweighouse: Calendar) -> None:
    with pytest.raises(ValueError, match="fuseau"):
        can_book(datetime(2024, 8, 29, 9, 0), date(2024, 9, 2), J2, schweighouse)


def test_french_dates_do_not_depend_on_the_locale() -> None:
    assert format_day_fr(date(2025, 2, 1)) == "samedi 1 février 2025"
    assert format_day_fr(date(2024, 12, 26)) == "jeudi 26 décembre 2024"
