"""Items of the planning table (PynamoDB). Only this service reads or writes that table.

- ``FAMILY#<id>/VALIDATION#<structure>#<activity>#<child>``: the read model of enrolment's validations
  (the planning opens only where one is active), with the contact details the recap e-mails need.
- ``CATALOGUE/STRUCTURE#<id>``, ``CATALOGUE/SEJOUR#<id>``, ``CATALOGUE/PERIOD#<id>``: the catalogue.
- ``FAMILY#<id>/REQUEST#<id>``: a reservation request (number, summary, history); its lines live in
  ``FAMILY#<id>#MONTH#<yyyy-mm>/<date>#<child>#<slot>`` so that a family's month is one Query;
  ``gsi1`` = ``OCC#<structure>#<date>`` gives a structure's day (occupancy) in one Query, and ``gsi2`` =
  ``REQUEST#<id>`` a request's lines.
- ``OFFERS/REQUEST#<id>``: the requests holding places offered from the waiting list, until a deadline.
- ``COUNTER/REQUEST_NUMBER``: the sequential request number. ``FEED#<sha256>/FEED``: calendar feeds.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypedDict

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)

from planning.lifecycle import LineStatus
from shared.ddb import TableItem, gsi, table_model
from shared.idempotency import processed_model
from shared.outbox import outbox_model
from shared.sessions import revocation_model

if TYPE_CHECKING:  # a class mypy can subclass; at run time the same class bound to the service's table
    Base = TableItem
else:
    Base = table_model("planning")
Outbox = outbox_model(Base)
ProcessedEvent = processed_model(Base)
Revocation = revocation_model(Base)  # ended sessions (shared.sessions), read by the authorizer


class Validation(Base):
    family_id = UnicodeAttribute()
    child_id = UnicodeAttribute()
    structure_id = UnicodeAttribute()
    activity = UnicodeAttribute()
    status = UnicodeAttribute()  # validated, revoked
    changed_at = UTCDateTimeAttribute()
    email = UnicodeAttribute(null=True)
    email_at = UTCDateTimeAttribute(null=True)  # when accounts set ``email`` (EmailChanged), if it did
    first_name = UnicodeAttribute(null=True)
    child_first_name = UnicodeAttribute(null=True)
    child_last_name = UnicodeAttribute(null=True)
    family_name = UnicodeAttribute(null=True)
    both_parents_working = BooleanAttribute(default=False)
    resident = BooleanAttribute(default=False)
    priority_flag = BooleanAttribute(default=False)  # a situation flagged by staff

    @staticmethod
    def key(family_id: str, structure_id: str, activity: str, child_id: str) -> tuple[str, str]:
        return f"FAMILY#{family_id}", f"VALIDATION#{structure_id}#{activity}#{child_id}"


class Recipient(TypedDict):
    """Who an e-mail about a child's request goes to, as the events carry it."""

    email: str
    first_name: str
    child_first_name: str


def recipient(validation: Validation | None) -> Recipient:
    """The family's address and names from its validation for the child (blanks when planning has none)."""
    if validation is None:
        return Recipient(email="", first_name="", child_first_name="")
    return Recipient(email=validation.email or "", first_name=validation.first_name or "",
                     child_first_name=validation.child_first_name or "")


class Contact(Base):
    """The family's newest address from accounts (``EmailChanged``), kept even before any validation so a
    validation that arrives later still uses it."""

    email = UnicodeAttribute()
    changed_at = UTCDateTimeAttribute()

    @staticmethod
    def key(family_id: str) -> tuple[str, str]:
        return f"FAMILY#{family_id}", "CONTACT"


class CatalogueItem(Base):
    """``CATALOGUE/STRUCTURE#<id>``, ``SEJOUR#<id>`` and ``PERIOD#<id>``: planning owns the catalogue."""

    kind = UnicodeAttribute()
    data = UnicodeAttribute()  # JSON of the entry
    changed_at = UTCDateTimeAttribute()

    @staticmethod
    def key(kind: str, entry_id: str) -> tuple[str, str]:
        return "CATALOGUE", f"{kind.upper()}#{entry_id}"


class Counter(Base):
    value = NumberAttribute(default=0)

    @staticmethod
    def key(name: str) -> tuple[str, str]:
        return "COUNTER", name


class HistoryEntry(MapAttribute[str, Any]):
    at = UnicodeAttribute()
    what = UnicodeAttribute()


class ReservationRequest(Base):
    family_id = UnicodeAttribute()
    request_id = UnicodeAttribute()
    number = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    child_id = UnicodeAttribute()
    child_first_name = UnicodeAttribute(null=True)  # for the staff's lists, without a read per family
    child_last_name = UnicodeAttribute(null=True)
    family_name = UnicodeAttribute(null=True)
    structure_id = UnicodeAttribute()
    period_id = UnicodeAttribute()
    activity = UnicodeAttribute()
    line_count = NumberAttribute()
    # The lines' status counts, changed in the same transaction as the lines (planning.line_store), so
    # that lists read the request alone. ``counted`` is False on requests written before the counts.
    counted = BooleanAttribute(default=False)
    count_pending = NumberAttribute(null=True)
    count_accepted = NumberAttribute(null=True)
    count_waitlisted = NumberAttribute(null=True)
    count_offered = NumberAttribute(null=True)
    count_refused = NumberAttribute(null=True)
    count_cancel_requested = NumberAttribute(null=True)
    count_cancelled = NumberAttribute(null=True)
    offer_until = UnicodeAttribute(null=True)  # the earliest deadline of the places offered, when any
    first_date = UnicodeAttribute(null=True)  # the first and last dates asked (lists show them)
    last_date = UnicodeAttribute(null=True)
    priority = NumberAttribute(null=True)  # the waiting list's score, once a line waits
    cancel_cells = UnicodeSetAttribute(null=True)  # "<date>#<slot>" of the lines whose cancellation is asked
    wait_cells = UnicodeSetAttribute(null=True)  # "<date>#<slot>" of the lines on the waiting list
    history = UnicodeAttribute()  # JSON list of {"at", "what"}: entries written before ``log`` (read, never rewritten)
    # The request's history since: each action appends its entry (list_append, in its transaction), so two
    # writers at the same instant both keep theirs — a JSON text rewritten from a copy lost one.
    log = ListAttribute(of=HistoryEntry, null=True)
    pattern = UnicodeAttribute(default="[]")  # JSON list of {"weekday", "slot_code", "parity"}
    gsi1pk = UnicodeAttribute(null=True)  # STRUCTURE#<id>: the staff's list of requests
    gsi1sk = UnicodeAttribute(null=True)
    by_structure = gsi(1)
    gsi2pk = UnicodeAttribute(null=True)  # WAITLIST#<period>: requests that had a line waiting, by rank
    gsi2sk = UnicodeAttribute(null=True)
    by_rank = gsi(2)

    def history_entries(self) -> list[dict[str, str]]:
        """Every entry of the request's history, oldest first (the old JSON text, then the appended list)."""
        return [*json.loads(self.history or "[]"), *({"at": e.at, "what": e.what} for e in self.log or [])]

    @staticmethod
    def append_history(what: str, at: str) -> Any:
        """The update action that appends one entry to the history, without reading it."""
        log = ReservationRequest.log
        return log.set((log | []).append([HistoryEntry(at=at, what=what)]))

    def counts(self) -> dict[str, int]:
        """The lines' status counts kept on the request (statuses with no line left out)."""
        found = {s.value: int(getattr(self, f"count_{s.value}") or 0) for s in LineStatus}
        return {s: n for s, n in found.items() if n}

    @staticmethod
    def key(family_id: str, request_id: str) -> tuple[str, str]:
        return f"FAMILY#{family_id}", f"REQUEST#{request_id}"


class ReservationLine(Base):
    family_id = UnicodeAttribute()
    request_id = UnicodeAttribute()
    child_id = UnicodeAttribute()
    date = UnicodeAttribute()
    slot_code = UnicodeAttribute()
    status = UnicodeAttribute()  # a planning.lifecycle.LineStatus; written only by planning.line_store
    was_accepted = BooleanAttribute(default=False)  # an accepted place (kept while its cancellation is asked)
    offer_until = UnicodeAttribute(null=True)  # an offered line holds its place until then (ISO, UTC)
    priority = NumberAttribute(default=0)  # the waiting list's order: score, then the request's date
    requested_at = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    # What the agenda shows, copied when the line is written, so that a family's month is one Query.
    request_number = UnicodeAttribute(null=True)
    period_id = UnicodeAttribute(null=True)
    structure_id = UnicodeAttribute(null=True)
    activity = UnicodeAttribute(null=True)
    labels = UnicodeAttribute(null=True)  # JSON: slot, structure, period and child names
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi2pk = UnicodeAttribute()
    gsi2sk = UnicodeAttribute()
    by_day = gsi(1)
    by_request = gsi(2)

    @staticmethod
    def key(family_id: str, day: str, child_id: str, slot_code: str) -> tuple[str, str]:
        return f"FAMILY#{family_id}#MONTH#{day[:7]}", f"{day}#{child_id}#{slot_code}"


class Feed(Base):
    family_id = UnicodeAttribute()

    @staticmethod
    def key(secret_hash: str) -> tuple[str, str]:
        return f"FEED#{secret_hash}", "FEED"


class FamilyFeed(Base):
    secret_hash = UnicodeAttribute()

    @staticmethod
    def key(family_id: str) -> tuple[str, str]:
        return f"FAMILY#{family_id}", "FEED"


class Capacity(Base):
    """The places taken on one date and slot of a period: the only way to accept is a conditional
    increment of ``taken`` below the slot's capacity, in the same transaction as the line.

    It is also the cell's gate against catalogue changes (decision 106): ``lines`` counts the line items on
    the cell (each new line adds one, conditional on the cell being open), ``closed`` holds the tags of the
    catalogue changes that removed the cell (a removal is conditional on ``lines`` and on those lines being
    dead), and ``cap``, once a capacity changed, is the capacity every acceptance must have read."""

    taken = NumberAttribute(default=0)
    lines = NumberAttribute(null=True)
    closed = UnicodeSetAttribute(null=True)
    cap = NumberAttribute(null=True)

    @staticmethod
    def key(period_id: str, day: str, slot_code: str) -> tuple[str, str]:
        return f"CAPACITY#{period_id}", f"{day}#{slot_code}"


class OpenOffer(Base):
    """``OFFERS/REQUEST#<id>``: a request with places offered from the waiting list, and its earliest reply
    deadline. The open offers are few (one per freed place), so the hourly expiry is one Query."""

    family_id = UnicodeAttribute()
    request_id = UnicodeAttribute()
    until = UnicodeAttribute()  # ISO, UTC

    @staticmethod
    def key(request_id: str) -> tuple[str, str]:
        return "OFFERS", f"REQUEST#{request_id}"


class CommitteeJob(Base):
    job_id = UnicodeAttribute()
    period_id = UnicodeAttribute()
    status = UnicodeAttribute()  # queued, simulating, simulated, publishing, published, failed
    options = UnicodeAttribute(default="{}")
    summary = UnicodeAttribute(null=True)  # JSON
    published = NumberAttribute(default=0)  # rows published so far
    created_at = UTCDateTimeAttribute()

    @staticmethod
    def key(period_id: str, job_id: str) -> tuple[str, str]:
        return f"COMMITTEE#{period_id}", f"JOB#{job_id}"


class CommitteeRow(Base):
    """One child's result in a committee simulation: score parts and each element's outcome. Keyed by
    rank, so that the publication reads its pages in order with a Query each."""

    data = UnicodeAttribute()  # JSON
    published = BooleanAttribute(default=False)  # set in the transaction that tells the family

    @staticmethod
    def key(job_id: str, rank: int) -> tuple[str, str]:
        return f"JOB#{job_id}", f"ROW#{rank:07d}"


class Config(Base):
    data = UnicodeAttribute()

    @staticmethod
    def key(name: str) -> tuple[str, str]:
        return "CONFIG", name
