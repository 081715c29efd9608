"""Booking and cancellation deadlines of a period, such as "J-2 avant 10h00, jours ouvrés".

Staff need the time to order meals and plan their team, so a day can be booked or cancelled only until a
number of working days before it (Monday to Friday, public holidays of the structure's département
excluded), at a given hour, French time. The API enforces it; the portal shows the same deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from planning.calendar import WEEKDAY_NAMES_FR, Calendar

PARIS = ZoneInfo("Europe/Paris")
MONTH_NAMES_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                  "octobre", "novembre", "décembre")


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """J-``days_before`` before ``hour``; counted in working days unless ``working_days`` is False."""

    days_before: int
    hour: time
    working_days: bool = True

    def __post_init__(self) -> None:
        if self.days_before < 0:
            raise ValueError("Le délai se compte en jours avant la date (J-0, J-1, J-2…).")


@dataclass(frozen=True, slots=True)
class PeriodDeadlines:
    """A period has one rule to book and one to cancel."""

    booking: DeadlineRule
    cancellation: DeadlineRule


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether the action is still possible, the deadline to show, and the French reason when not."""

    allowed: bool
    deadline: datetime
    reason: str | None = None

    def __bool__(self) -> bool:
        return self.allowed


def is_working_day(d: date, calendar: Calendar) -> bool:
    """Monday to Friday and not a public holiday where the structure is."""
    return d.weekday() < 5 and not calendar.is_public_holiday(d)


def deadline_for(day: date, days_before: int, hour: time, calendar: Calendar, *,
                 working_days: bool = True) -> datetime:
    """The last moment (Paris time) to act for ``day``: step back ``days_before`` days, skipping
    non-working days when counted in working days. J-0 is the day itself."""
    if days_before < 0:
        raise ValueError("Le délai se compte en jours avant la date (J-0, J-1, J-2…).")
    d = day
    for _ in range(days_before):
        d -= timedelta(days=1)
        while working_days and not is_working_day(d, calendar):
            d -= timedelta(days=1)
    return datetime.combine(d, hour, tzinfo=PARIS)


def rule_deadline(day: date, rule: DeadlineRule, calendar: Calendar) -> datetime:
    return deadline_for(day, rule.days_before, rule.hour, calendar, working_days=rule.working_days)


def format_day_fr(d: date) -> str:
    """ "lundi 2 septembre 2024", without relying on the machine's locale."""
    return f"{WEEKDAY_NAMES_FR[d.weekday()]} {d.day} {MONTH_NAMES_FR[d.month - 1]} {d.year}"


def format_moment_fr(moment: datetime) -> str:
    """ "jeudi 29 août 2024 à 10h00", in Paris time."""
    local = moment.astimezone(PARIS)
    return f"{format_day_fr(local.date())} à {local:%H}h{local:%M}"


def _check(now: datetime, day: date, rule: DeadlineRule, calendar: Calendar) -> tuple[bool, datetime]:
    if now.tzinfo is None:
        raise ValueError("L'heure courante doit porter son fuseau horaire.")
    deadline = rule_deadline(day, rule, calendar)
    return now < deadline, deadline


def can_book(now: datetime, day: date, rule: DeadlineRule, calendar: Calendar) -> Decision:
    """Booking is open strictly before the deadline ("avant 10h00")."""
    allowed, deadline = _check(now, day, rule, calendar)
    if allowed:
        return Decision(True, deadline)
    return Decision(False, deadline,
                    f"Les réservations pour le {format_day_fr(day)} sont closes depuis le "
                    f"{format_moment_fr(deadline)}.")


def can_cancel(now: datetime, day: date, rule: DeadlineRule, calendar: Calendar) -> Decision:
    """Cancelling is open strictly before the deadline; after it the day stays booked."""
    allowed, deadline = _check(now, day, rule, calendar)
    if allowed:
        return Decision(True, deadline)
    return Decision(False, deadline,
                    f"L'annulation du {format_day_fr(day)} n'est plus possible : elle devait être demandée "
                    f"avant le {format_moment_fr(deadline)}.")
