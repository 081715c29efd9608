"""The family's calendar feed: a secret, revocable iCalendar URL with its accepted reservations."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from planning.models import FamilyFeed, Feed
from planning.reservations import context, request_lines, requests_of
from shared import settings
from shared.errors import NotFound
from shared.tokens import digest, new_secret

PARIS = "Europe/Paris"


def url(secret: str) -> str:
    return f"{settings.load().public_url}/api/planning/feeds/{secret}.ics"


def current(family_id: str) -> bool:
    try:
        FamilyFeed.get(*FamilyFeed.key(family_id))
    except FamilyFeed.DoesNotExist:
        return False
    return True


def renew(family_id: str) -> str:
    """A new secret URL; the previous one stops working. Only the hash is stored."""
    revoke(family_id)
    secret, hashed = new_secret()
    Feed(*Feed.key(hashed), family_id=family_id).save()
    FamilyFeed(*FamilyFeed.key(family_id), secret_hash=hashed).save()
    return url(secret)


def revoke(family_id: str) -> None:
    try:
        known = FamilyFeed.get(*FamilyFeed.key(family_id))
    except FamilyFeed.DoesNotExist:
        return
    Feed(*Feed.key(known.secret_hash)).delete()
    known.delete()


def family_of(secret: str) -> str:
    try:
        return str(Feed.get(*Feed.key(digest(secret))).family_id)
    except Feed.DoesNotExist:
        raise NotFound("Ce lien d'agenda n'est plus valide.") from None


def ics(family_id: str) -> bytes:
    from icalendar import Calendar, Event  # loaded by the feed alone, not at every cold start

    calendar = Calendar()
    calendar.add("prodid", "-//Portail Familles//Planning//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Portail Familles – mes réservations")
    for request in requests_of(family_id):
        ctx = context(request.period_id)
        slots = {s["code"]: s for s in ctx.data["slots"]}
        for line in request_lines(request):
            if line.status != "accepted":
                continue
            slot = slots[line.slot_code]
            day = date.fromisoformat(line.date)
            event = Event()
            event.add("uid", f"{line.request_id}-{line.date}-{line.slot_code}@portail-familles")
            event.add("summary", f"{slot['label']} – {ctx.structure['name']}")
            event.add("dtstart", _at(day, slot["start"]))
            event.add("dtend", _at(day, slot["end"]))
            event.add("description", f"Réservation N° {request.number} – {ctx.data['name']}")
            calendar.add_component(event)
    return bytes(calendar.to_ical())


def _at(day: date, hhmm: str) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(PARIS))

