"""Which days a structure is open, from data rather than hand-typed lists.

Three sources close a day: French public holidays of the structure's département (the ``holidays``
package, with the Alsace-Moselle local days), school holidays of its zone A/B/C (the official dates that
``vacances-scolaires-france`` ships offline) and the structure's own closures, entered by staff.

A period of type ``school_days`` books only school days, ``holidays`` only school-holiday days and
``all_days`` any day; in every case public holidays and closures stay closed, and only the weekdays the
period opens count (an Alsatian primary school has no class on Wednesday: such a period simply does not
list Wednesday).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING, Literal, get_args

if TYPE_CHECKING:  # both load on first use (cold start): holidays' calendars, the school holidays' CSV
    from vacances_scolaires_france import SchoolHolidayDates

PeriodType = Literal["school_days", "holidays", "all_days"]
PERIOD_TYPES: tuple[str, ...] = get_args(PeriodType)
Zone = Literal["A", "B", "C"]
ZONES: tuple[str, ...] = get_args(Zone)

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)
WORKWEEK: frozenset[int] = frozenset(range(5))
WEEKDAY_NAMES_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

# Départements whose public holidays differ from the national list, by the name ``holidays`` gives them:
# Bas-Rhin and Haut-Rhin share "6AE" (Alsace), Moselle is "57" (both add Good Friday and 26 December);
# overseas départements have their own abolition-of-slavery day.
_SUBDIVISIONS = {"67": "6AE", "68": "6AE", "57": "57",
                 "971": "971", "972": "972", "973": "973", "974": "974", "976": "976"}
_DEPARTEMENT = re.compile(r"^(?!20$)(0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-46])$")

# The Friday after Ascension Day has had no class in every national school calendar since 2019, but the
# offline data of vacances-scolaires-france 0.12.0 lists it only for 2019-2022 and 2027-2028 (the 2023 to
# 2026 bridges are missing). The date of Ascension itself comes from ``holidays``.
ASCENSION_BRIDGE_SINCE = 2019


class CalendarDataMissing(ValueError):
    """A date the school-holiday data does not cover: guessing "no holiday" would book closed days."""


def holiday_subdivision(departement: str) -> str | None:
    """The ``holidays`` subdivision for a département code, ``None`` where the national list applies."""
    code = departement.strip().upper()
    if not _DEPARTEMENT.match(code):
        raise ValueError(f"Département inconnu : {departement!r}.")
    return _SUBDIVISIONS.get(code)


@cache
def _school_data() -> SchoolHolidayDates:
    """Loaded once per process: the package parses a 14,000-line CSV on construction."""
    from vacances_scolaires_france import SchoolHolidayDates

    return SchoolHolidayDates()


@cache
def school_data_coverage() -> tuple[date, date]:
    """First and last day the school-holiday data can answer for.

    The data file runs to 31 December of its last year but the last school year it knows ends with the
    last summer holiday listed; after it, every day would silently read as a school day.
    """
    data = _school_data().data
    return min(data), max(data)


@cache
def ascension_bridge(year: int) -> date | None:
    """The Friday after Ascension Day (the "pont de l'Ascension"), a day without class."""
    if year < ASCENSION_BRIDGE_SINCE:
        return None
    import holidays

    national = holidays.France(years=year, language="fr")
    ascension = next(d for d, name in national.items() if name.startswith("Ascension"))
    return ascension + timedelta(days=1)


def _closure_ranges(closures: Iterable[date | tuple[date, date]]) -> tuple[tuple[date, date], ...]:
    """Single dates become one-day ranges; a range's ends are both closed."""
    ranges = []
    for item in closures:
        start, end = (item, item) if isinstance(item, date) else item
        if end < start:
            raise ValueError(f"Fermeture invalide : le {end:%d/%m/%Y} précède le {start:%d/%m/%Y}.")
        ranges.append((start, end))
    return tuple(sorted(ranges))


@dataclass(frozen=True, slots=True)
class Period:
    """A bookable period such as "PERISCOLAIRE 2024 - 2025 - SCHWEIGHOUSE" (both ends included)."""

    start: date
    end: date
    weekdays: frozenset[int]
    type: PeriodType = "school_days"
    name: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("La période se termine avant de commencer.")
        if not self.weekdays or not set(self.weekdays) <= set(range(7)):
            raise ValueError("Les jours d'ouverture sont des jours de la semaine (0 = lundi … 6 = dimanche).")
        if self.type not in PERIOD_TYPES:
            raise ValueError(f"Type de période inconnu : {self.type!r}.")


class Calendar:
    """Open and closed days of one structure."""

    def __init__(self, departement: str, zone: str, closures: Iterable[date | tuple[date, date]] = ()) -> None:
        if zone not in ZONES:
            raise ValueError(f"Zone de vacances scolaires inconnue : {zone!r} (A, B ou C).")
        self.departement = departement.strip().upper()
        self.zone = zone
        self.subdivision = holiday_subdivision(self.departement)
        self.closures = _closure_ranges(closures)
        # ``holidays`` fills in each year on first look-up, so one object serves every period.
        import holidays

        self._public = holidays.France(subdiv=self.subdivision, language="fr")

    def __repr__(self) -> str:
        return f"Calendar(departement={self.departement!r}, zone={self.zone!r}, closures={len(self.closures)})"

    def public_holiday_name(self, d: date) -> str | None:
        """The holiday's French name ("Vendredi saint", "Saint-Étienne"…), to tell families why."""
        return self._public.get(d)

    def is_public_holiday(self, d: date) -> bool:
        return d in self._public

    def is_school_holiday(self, d: date) -> bool:
        """True on a day without class in the zone: the official holidays and the Ascension bridge."""
        first, last = school_data_coverage()
        if not first <= d <= last:
            raise CalendarDataMissing(
                f"Les vacances scolaires ne sont connues que du {first:%d/%m/%Y} au {last:%d/%m/%Y} "
                f"(date demandée : {d:%d/%m/%Y}).")
        return _school_data().is_holiday_for_zone(d, self.zone) or d == ascension_bridge(d.year)

    def is_structure_closure(self, d: date) -> bool:
        return any(start <= d <= end for start, end in self.closures)

    def is_closed(self, d: date, period_type: PeriodType) -> bool:
        """Closed whatever the weekday: public holiday, closure, or a day the period type excludes."""
        if period_type not in PERIOD_TYPES:
            raise ValueError(f"Type de période inconnu : {period_type!r}.")
        if self.is_public_holiday(d) or self.is_structure_closure(d):
            return True
        if period_type == "school_days":
            return self.is_school_holiday(d)
        if period_type == "holidays":
            return not self.is_school_holiday(d)
        return False

    def is_open(self, d: date, weekdays: Iterable[int], period_type: PeriodType) -> bool:
        return d.weekday() in set(weekdays) and not self.is_closed(d, period_type)

    def open_days(self, start: date, end: date, weekdays: Iterable[int], period_type: PeriodType) -> list[date]:
        """Every open day from ``start`` to ``end`` included, in order."""
        days = set(weekdays)
        count = (end - start).days + 1
        every = (start + timedelta(days=i) for i in range(max(count, 0)))
        return [d for d in every if d.weekday() in days and not self.is_closed(d, period_type)]

    def period_days(self, period: Period) -> list[date]:
        """The open days of a period."""
        return self.open_days(period.start, period.end, period.weekdays, period.type)
