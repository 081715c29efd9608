"""The planning pattern: what a family picks on one day, copied over a period ("Recopier la sélection").

A family picks slots on one day (Monday 2 September: midi and soir); the copy books that weekday's slots
on every open day of the period, every week or only on even or odd ISO weeks, and never on a closed day.
For a séjour the first day's choice is copied to every open day of the séjour. Before sending, the family
sees a recap per weekday and slot, as the portal shows after "Suivant".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from itertools import combinations
from typing import Literal, NamedTuple, get_args

from planning.calendar import WEEKDAY_NAMES_FR, WORKWEEK, Calendar, Period, PeriodType

Parity = Literal["all", "even", "odd"]
PARITIES: tuple[str, ...] = get_args(Parity)


class Line(NamedTuple):
    """One requested booking: a date and a slot code (a reservation request is a list of these)."""

    date: date
    slot_code: str


@dataclass(frozen=True, slots=True)
class PatternElement:
    """One slot on one weekday, copied every week or every other ISO week."""

    weekday: int
    slot_code: str
    parity: Parity = "all"

    def __post_init__(self) -> None:
        if self.weekday not in range(7):
            raise ValueError("Le jour de la semaine va de 0 (lundi) à 6 (dimanche).")
        if not self.slot_code:
            raise ValueError("Plage d'accueil manquante.")
        if self.parity not in PARITIES:
            raise ValueError(f"Parité inconnue : {self.parity!r} (all, even ou odd).")

    def matches_week(self, d: date) -> bool:
        """Parity is the ISO week number's: a 53-week year gives two odd weeks in a row (53 then 1)."""
        if self.parity == "all":
            return True
        return (d.isocalendar().week % 2 == 0) == (self.parity == "even")


def selection_of(day: date, slot_codes: Iterable[str], parity: Parity = "all") -> list[PatternElement]:
    """The pattern elements of what was picked on ``day`` (the copy keeps that day's weekday)."""
    return [PatternElement(day.weekday(), code, parity) for code in dict.fromkeys(slot_codes)]


def expand(selection: Iterable[PatternElement], calendar: Calendar, period: Period) -> list[Line]:
    """Copy each element to its weekday over the period: open days only, sorted, no duplicates.

    An element whose weekday the period does not open gives no line: the copy never books a closed day.
    """
    elements = list(selection)
    lines = {Line(d, e.slot_code)
             for d in calendar.period_days(period)
             for e in elements if e.weekday == d.weekday() and e.matches_week(d)}
    return sorted(lines)


def expand_sejour(first_day_slots: Iterable[str], start: date, end: date, calendar: Calendar,
                  weekdays: Iterable[int] = WORKWEEK, period_type: PeriodType = "all_days") -> list[Line]:
    """Copy the first day's choice to every open day of the séjour, whatever the weekday."""
    codes = list(dict.fromkeys(first_day_slots))
    return sorted(Line(d, code) for d in calendar.open_days(start, end, weekdays, period_type) for code in codes)


@dataclass(frozen=True, slots=True)
class Slot:
    """A reception slot ("PERISCOLAIRE MIDI" 11:30-13:30) with its times on the day."""

    code: str
    start: time
    end: time

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"La plage {self.code} se termine avant de commencer.")

    def overlaps(self, other: Slot) -> bool:
        """Half-open times: a slot ending at 13:30 does not overlap one starting at 13:30."""
        return self.start < other.end and other.start < self.end


def overlaps(slots_on_a_day: Iterable[Slot]) -> list[tuple[Slot, Slot]]:
    """Every pair of slots that share time: a child cannot be in two of them at once."""
    ordered = sorted(slots_on_a_day, key=lambda s: (s.start, s.end, s.code))
    return [(a, b) for a, b in combinations(ordered, 2) if a.overlaps(b)]


def overlapping_lines(lines: Iterable[Line], slots: Mapping[str, Slot]) -> list[tuple[date, Slot, Slot]]:
    """The days of a request where two of its slots overlap, to refuse it before it is sent."""
    by_day: dict[date, set[str]] = defaultdict(set)
    for line in lines:
        by_day[line.date].add(line.slot_code)
    return [(day, a, b) for day in sorted(by_day)
            for a, b in overlaps(slots[code] for code in by_day[day])]


@dataclass(frozen=True, slots=True)
class RecapRow:
    """One weekday and slot of the recap: how many dates, from when to when."""

    weekday: int
    slot_code: str
    count: int
    first: date
    last: date

    @property
    def weekday_name(self) -> str:
        return WEEKDAY_NAMES_FR[self.weekday]


@dataclass(frozen=True, slots=True)
class Recap:
    """What the family checks before sending: rows by weekday then slot, and the totals."""

    rows: tuple[RecapRow, ...]
    total_lines: int
    total_days: int
    first: date | None
    last: date | None


def recap(lines: Iterable[Line]) -> Recap:
    """Group the lines per weekday and slot; ``total_days`` counts distinct dates."""
    unique = sorted(set(lines))
    groups: dict[tuple[int, str], list[date]] = defaultdict(list)
    for line in unique:
        groups[(line.date.weekday(), line.slot_code)].append(line.date)
    rows = tuple(RecapRow(weekday, code, len(days), days[0], days[-1])
                 for (weekday, code), days in sorted(groups.items()))
    dates = sorted({line.date for line in unique})
    return Recap(rows, len(unique), len(dates), dates[0] if dates else None, dates[-1] if dates else None)
