"""The family's calendar feed: a secret, revocable iCalendar URL with its accepted reservations.

The address names the family and carries the secret (``/feeds/<family>.<secret>.ics``); only the secret's
hash is stored, on the family's own item (``FAMILY#<id>/FEED``). Fetching the feed is one Query of the
family's partition (the feed's hash and the requests together), the catalogue and each request's lines;
creating or revoking it is one read and one transaction. Addresses made before carried the secret alone
and found the family through ``FEED#<hash>``: they keep working until the family renews or revokes.
"""

from __future__ import annotations

import hmac
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition

from planning.models import FamilyFeed, Feed, ReservationRequest
from planning.reservations import Contexts, request_lines
from shared import settings
from shared.ddb import transaction
from shared.errors import Conflict, NotFound
from shared.tokens import digest, new_secret

PARIS = "Europe/Paris"
GONE = "Ce lien d'agenda n'est plus valide."


def url(family_id: str, secret: str) -> str:
    return f"{settings.load().public_url}/api/planning/feeds/{family_id}.{secret}.ics"


def current(family_id: str) -> bool:
    try:
        FamilyFeed.get(*FamilyFeed.key(family_id))
    except FamilyFeed.DoesNotExist:
        return False
    return True


def _known(family_id: str) -> FamilyFeed | None:
    try:
        return FamilyFeed.get(*FamilyFeed.key(family_id), consistent_read=True)
    except FamilyFeed.DoesNotExist:
        return None


def _unchanged(known: FamilyFeed | None) -> Condition:
    """The family's feed is still the one read (none, or the same secret): two renewals never both win."""
    if known is None:
        return FamilyFeed.pk.does_not_exist()
    return FamilyFeed.secret_hash == known.secret_hash


RACED = "Votre lien d'agenda vient d'être modifié dans un autre onglet : rechargez la page."


def renew(family_id: str) -> str:
    """A new secret URL; the previous one stops working in the same transaction. Only the hash is stored."""
    known = _known(family_id)
    secret, hashed = new_secret()
    try:
        with transaction() as tx:
            tx.save(FamilyFeed(*FamilyFeed.key(family_id), secret_hash=hashed), condition=_unchanged(known))
            if known is not None:  # an address of the first format found the family through this item
                tx.delete(Feed(*Feed.key(known.secret_hash)))
    except TransactWriteError:
        raise Conflict(RACED, fields={"feed": "Modifié ailleurs."}) from None
    return url(family_id, secret)


def revoke(family_id: str) -> None:
    known = _known(family_id)
    if known is None:
        return
    try:
        with transaction() as tx:
            tx.delete(known, condition=_unchanged(known))
            tx.delete(Feed(*Feed.key(known.secret_hash)))
    except TransactWriteError:
        raise Conflict(RACED, fields={"feed": "Modifié ailleurs."}) from None


def requests_of_feed(name: str) -> list[ReservationRequest]:
    """The requests of the family whose feed ``name`` (``<family>.<secret>``, or a secret alone from before)
    opens; NotFound when the secret is not the family's current one."""
    family_id, _, secret = name.rpartition(".")
    if not family_id:  # an address of the first format: the secret alone
        try:
            family_id = str(Feed.get(*Feed.key(digest(secret))).family_id)
        except Feed.DoesNotExist:
            raise NotFound(GONE) from None
    feed_hash, requests = None, []
    connection = FamilyFeed._get_connection()
    last_key = None
    while True:  # the family's partition: its feed item and its requests in one Query
        page = connection.query(f"FAMILY#{family_id}", exclusive_start_key=last_key, consistent_read=True)
        for raw in page.get("Items", []):
            sk = raw["sk"]["S"]
            if sk == "FEED":
                feed_hash = FamilyFeed.from_raw_data(raw).secret_hash
            elif sk.startswith("REQUEST#"):
                requests.append(ReservationRequest.from_raw_data(raw))
        last_key = page.get("LastEvaluatedKey")
        if not last_key:
            break
    if feed_hash is None or not hmac.compare_digest(feed_hash, digest(secret)):
        raise NotFound(GONE)
    return sorted(requests, key=lambda r: r.created_at, reverse=True)


def ics(requests: list[ReservationRequest]) -> bytes:
    from icalendar import Calendar, Event  # loaded by the feed alone, not at every cold start

    calendar = Calendar()
    calendar.add("prodid", "-//Portail Familles//Planning//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Portail Familles – mes réservations")
    contexts = Contexts()  # the catalogue, once, when a request has a line to show
    for request in requests:
        if request.counted and not int(request.count_accepted or 0):
            continue  # no accepted line: nothing to read
        accepted = [ln for ln in request_lines(request) if ln.status == "accepted"]
        if not accepted:
            continue
        ctx = contexts[request.period_id]
        slots = {s["code"]: s for s in ctx.data["slots"]}
        for line in accepted:
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
