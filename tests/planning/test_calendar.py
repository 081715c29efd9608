"""Closed days come from the public-holiday and school-holiday data, per département and zone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from planning.calendar import (
    FRIDAY,
    MONDAY,
    WEDNESDAY,
    WORKWEEK,
    Calendar,
    CalendarDataMissing,
    Period,
    ascension_bridge,
    holiday_subdivision,
    school_data_coverage,
)


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days + 1)]


@pytest.mark.parametrize(("departement", "subdivision"), [
    ("67", "6AE"), ("68", "6AE"), ("57", "57"), ("75", None), ("2A", None), ("974", "974"), ("01", None),
])
def test_departements_map_to_the_holidays_subdivisions(departement: str, subdivision: str | None) -> None:
    assert holiday_subdivision(departement) == subdivision


@pytest.mark.parametrize("departement", ["20", "00", "96", "99", "975", "6AE", "Bas-Rhin", ""])
def test_unknown_departements_are_refused(departement: str) -> None:
    with pytest.raises(ValueError, match="Département inconnu"):
        Calendar(departement, "B")


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="Zone"):
        Calendar("67", "D")


def test_alsace_moselle_local_public_holidays() -> None:
    for departement in ("67", "68", "57"):
        local = Calendar(departement, "B")
        assert local.is_public_holiday(date(2024, 12, 26))
        assert local.is_public_holiday(date(2025, 4, 18))  # Good Friday 2025
        assert local.public_holiday_name(date(2025, 4, 18)) == "Vendredi saint"
    paris = Calendar("75", "C")
    assert not paris.is_public_holiday(date(2024, 12, 26))
    assert not paris.is_public_holiday(date(2025, 4, 18))
    for national in (date(2024, 11, 11), date(2024, 12, 25), date(2025, 4, 21), date(2025, 5, 29)):
        assert paris.is_public_holiday(national) and Calendar("67", "B").is_public_holiday(national)


def test_zone_b_2024_2025_holidays_as_the_official_data_gives_them(schweighouse: Calendar) -> None:
    """Zone B 2024-2025, from the first day without class to the last one (classes resume the day after)."""
    official = {
        "Toussaint": (date(2024, 10, 19), date(2024, 11, 3)),
        "Noël": (date(2024, 12, 21), date(2025, 1, 5)),
        "hiver": (date(2025, 2, 8), date(2025, 2, 23)),
        "printemps": (date(2025, 4, 5), date(2025, 4, 21)),
    }
    for first, last in official.values():
        assert all(schweighouse.is_school_holiday(d) for d in days(first, last))
        assert not schweighouse.is_school_holiday(first - timedelta(1))
        assert not schweighouse.is_school_holiday(last + timedelta(1))
    assert not schweighouse.is_school_holiday(date(2024, 11, 4))  # Toussaint: back to school on Monday 4 Nov
    assert not schweighouse.is_school_holiday(date(2024, 9, 2))  # rentrée
    assert schweighouse.is_school_holiday(date(2025, 7, 5))  # summer from Saturday 5 July
    assert not schweighouse.is_school_holiday(date(2025, 7, 4))


def test_zones_differ_for_winter_holidays() -> None:
    day = date(2025, 2, 10)  # zone B on holiday, zones A and C not yet
    assert Calendar("67", "B").is_school_holiday(day)
    assert not Calendar("69", "A").is_school_holiday(day)
    assert not Calendar("75", "C").is_school_holiday(day)


@pytest.mark.parametrize(("year", "friday"), [
    (2019, date(2019, 5, 31)), (2023, date(2023, 5, 19)), (2024, date(2024, 5, 10)), (2025, date(2025, 5, 30)),
    (2026, date(2026, 5, 15)), (2027, date(2027, 5, 7)), (2028, date(2028, 5, 26)),
])
def test_ascension_bridge_is_a_day_without_class(schweighouse: Calendar, year: int, friday: date) -> None:
    assert ascension_bridge(year) == friday
    assert friday.weekday() == FRIDAY
    for zone in ("A", "B", "C"):
        assert Calendar("67", zone).is_school_holiday(friday)
    assert schweighouse.is_closed(friday, "school_days")
    assert not schweighouse.is_closed(friday, "all_days")  # a leisure centre may open that day


def test_school_holiday_data_covers_2024_2025_to_2027_2028_and_refuses_to_guess_beyond() -> None:
    first, last = school_data_coverage()
    assert first <= date(2024, 9, 1) and last >= date(2028, 7, 4)
    calendar = Calendar("67", "B")
    assert calendar.is_school_holiday(date(2027, 10, 25))  # Toussaint 2027, school year 2027-2028
    with pytest.raises(CalendarDataMissing, match="ne sont connues que"):
        calendar.is_school_holiday(last + timedelta(1))
    with pytest.raises(CalendarDataMissing):
        calendar.open_days(date(2028, 8, 28), date(2028, 9, 8), WORKWEEK, "school_days")
    # Public holidays and all-days periods do not need the school data.
    assert calendar.open_days(date(2028, 9, 4), date(2028, 9, 8), WORKWEEK, "all_days")


def test_structure_closures_single_days_and_ranges() -> None:
    calendar = Calendar("67", "B", [date(2024, 9, 16), (date(2024, 12, 16), date(2024, 12, 20))])
    assert calendar.is_closed(date(2024, 9, 16), "school_days")
    assert calendar.is_closed(date(2024, 12, 18), "all_days")
    assert not calendar.is_closed(date(2024, 12, 13), "all_days")
    open_days = calendar.open_days(date(2024, 12, 9), date(2024, 12, 20), WORKWEEK, "school_days")
    assert open_days == days(date(2024, 12, 9), date(2024, 12, 13))
    with pytest.raises(ValueError, match="Fermeture invalide"):
        Calendar("67", "B", [(date(2024, 12, 20), date(2024, 12, 16))])


def test_holidays_period_opens_only_school_holiday_days(schweighouse: Calendar) -> None:
    toussaint = schweighouse.open_days(date(2024, 10, 14), date(2024, 11, 8), WORKWEEK, "holidays")
    # 1 November (All Saints) is a public holiday inside the holidays.
    assert toussaint == [*days(date(2024, 10, 21), date(2024, 10, 25)), *days(date(2024, 10, 28), date(2024, 10, 31))]


def test_all_days_period_skips_public_holidays_only(schweighouse: Calendar) -> None:
    week = schweighouse.open_days(date(2024, 11, 11), date(2024, 11, 17), range(7), "all_days")
    assert week == days(date(2024, 11, 12), date(2024, 11, 17))


def test_only_the_weekdays_given_open(schweighouse: Calendar) -> None:
    """Wednesday is no school day in Alsatian primary schools: the period just leaves it out."""
    without_wednesday = set(WORKWEEK) - {WEDNESDAY}
    opened = schweighouse.open_days(date(2024, 9, 2), date(2024, 9, 8), without_wednesday, "school_days")
    assert [d.weekday() for d in opened] == [0, 1, 3, 4]
    assert schweighouse.open_days(date(2024, 9, 2), date(2024, 9, 1), WORKWEEK, "all_days") == []


def test_period_is_checked() -> None:
    with pytest.raises(ValueError):
        Period(date(2025, 1, 2), date(2025, 1, 1), frozenset({MONDAY}))
    with pytest.raises(ValueError):
        Period(date(2025, 1, 1), date(2025, 1, 2), frozenset({7}))
    with pytest.raises(ValueError):
        Period(date(2025, 1, 1), date(2025, 1, 2), frozenset({MONDAY}), "weekends")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Calendar("67", "B").is_closed(date(2025, 1, 2), "weekends")  # type: ignore[arg-type]
