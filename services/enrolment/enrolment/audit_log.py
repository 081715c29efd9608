"""The audit log (decision 101): every staff action the services announce (``*StaffActed``) recorded with
who — the staff member's name from enrolment's directory of staff accounts, fed by accounts' events —,
when and what. Enrolment keeps it because it owns the family file the log is shown on; the admin reads,
filters and exports it; a family reads who answered its request (« Réponse de Julie Schmitt »)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import csv
import io
import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError

from enrolment.models import Base
from shared.ddb import gsi
from shared.errors import InvalidInput
from shared.events import accounts as accounts_ev
from shared.events import audit as ev

PARIS = ZoneInfo("Europe/Paris")
MAX_MONTHS = 24
UNKNOWN_ACTOR = "Un membre de l'équipe"
ACTION_LABELS = {"validation": "Validation de dossier", "document_review": "Examen de document",
                 "change_review": "Examen de modification", "decision": "Décision", "committee": "Commission",
                 "promotion": "Liste d'attente", "catalogue": "Catalogue", "account": "Comptes professionnels"}


class StaffDirectoryEntry(Base):
    """``STAFF/<account id>``: who a staff account is (accounts' facts, as last announced)."""

    account_id = UnicodeAttribute()
    name = UnicodeAttribute()
    role = UnicodeAttribute()
    active = BooleanAttribute(default=True)
    changed_at = UTCDateTimeAttribute()

    @staticmethod
    def key(account_id: str) -> tuple[str, str]:
        return "STAFF", account_id


class AuditEntry(Base):
    """``AUDIT#<yyyy-mm>/<at>#<event id>``: one staff action; ``gsi1`` = the family's entries, ``gsi2`` = the
    request's (planning's or enrolment's request id)."""

    at = UTCDateTimeAttribute()
    actor_id = UnicodeAttribute()
    actor_name = UnicodeAttribute(null=True)
    actor_role = UnicodeAttribute()
    action = UnicodeAttribute()
    label = UnicodeAttribute()
    service = UnicodeAttribute()
    family_id = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    structure_id = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_family = gsi(1)
    by_request = gsi(2)

    @staticmethod
    def key(at: datetime, event_id: str) -> tuple[str, str]:
        return f"AUDIT#{at.strftime('%Y-%m')}", f"{at.isoformat()}#{event_id}"


# --- recording (consumer side) ---------------------------------------------------------------------------

def remember_staff(event: accounts_ev.StaffAccountCreated | accounts_ev.StaffAccountChanged) -> dict[str, Any]:
    name = f"{event.first_name} {event.last_name}".strip()
    active = event.active if isinstance(event, accounts_ev.StaffAccountChanged) else True
    entry = StaffDirectoryEntry(*StaffDirectoryEntry.key(event.account_id), account_id=event.account_id, name=name,
                                role=event.role, active=active, changed_at=event.occurred_at)
    # Events may arrive out of order: an older fact never overwrites a newer one.
    with contextlib.suppress(PutError):
        entry.save(condition=StaffDirectoryEntry.changed_at.does_not_exist()
                   | (StaffDirectoryEntry.changed_at <= event.occurred_at))
    return {"account_id": event.account_id}


def _name_of(account_id: str) -> str | None:
    try:
        return str(StaffDirectoryEntry.get(*StaffDirectoryEntry.key(account_id)).name)
    except StaffDirectoryEntry.DoesNotExist:
        return None


def record(event: ev.StaffActed) -> dict[str, Any]:
    """One entry per event (a redelivered event finds its entry and leaves it)."""
    at = event.occurred_at
    entry = AuditEntry(*AuditEntry.key(at, event.event_id), at=at, actor_id=event.actor_id,
                       actor_name=_name_of(event.actor_id), actor_role=event.actor_role, action=event.action,
                       label=event.label, service=event.source.removeprefix("portail."),
                       family_id=event.family_id or None, request_id=event.request_id or None,
                       structure_id=event.structure_id or None, subject=event.subject or None,
                       outcome=event.outcome or None)
    if event.family_id:
        entry.gsi1pk, entry.gsi1sk = f"AUDIT#FAMILY#{event.family_id}", entry.sk
    if event.request_id:
        entry.gsi2pk, entry.gsi2sk = f"AUDIT#REQUEST#{event.request_id}", entry.sk
    with contextlib.suppress(PutError):
        entry.save(condition=AuditEntry.pk.does_not_exist())
    return {"action": event.action}


# --- reading ---------------------------------------------------------------------------------------------

def _names() -> dict[str, str]:
    return {item.account_id: item.name for item in StaffDirectoryEntry.query("STAFF")}


def view(entry: AuditEntry, names: dict[str, str]) -> dict[str, Any]:
    return {"at": entry.at.isoformat(), "actor_id": entry.actor_id,
            "actor_name": entry.actor_name or names.get(entry.actor_id) or UNKNOWN_ACTOR,
            "actor_role": entry.actor_role, "action": entry.action,
            "action_label": ACTION_LABELS.get(entry.action, entry.action), "label": entry.label,
            "service": entry.service, "family_id": entry.family_id or "", "request_id": entry.request_id or "",
            "structure_id": entry.structure_id or "", "subject": entry.subject or "", "outcome": entry.outcome or ""}


def _months(start: date, end: date) -> list[str]:
    months: list[str] = []
    cursor = date(end.year, end.month, 1)
    while cursor >= date(start.year, start.month, 1) and len(months) < MAX_MONTHS:
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor - timedelta(days=1)).replace(day=1)
    return months


PAGE = 100  # entries read per Query of a page of the admin's search


def _sources(start: date, end: date, family_id: str, request_id: str) -> list[tuple[str, str | None]]:
    """The partitions a search reads, newest first: the family's or the request's index, else each month's."""
    if family_id:
        return [(f"AUDIT#FAMILY#{family_id}", "gsi1")]
    if request_id:
        return [(f"AUDIT#REQUEST#{request_id}", "gsi2")]
    return [(f"AUDIT#{month}", None) for month in _months(start, end)]


def _cursor(text: str | None, sources: list[tuple[str, str | None]]) -> tuple[int, dict[str, Any] | None]:
    """(index of the source, DynamoDB's last key in it) of a cursor, only if it continues this very search."""
    if not text:
        return 0, None
    bad = InvalidInput("Ce lien de page n'est plus valable : rechargez la liste.",
                       fields={"after": "Curseur invalide."})
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))) if len(text) < 2000 else None
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    hashes = [h for h, _ in sources]
    if not isinstance(data, dict) or data.get("h") not in hashes:
        raise bad
    index, values = hashes.index(data["h"]), data.get("k")
    if values is None:
        return index, None
    if not (isinstance(values, list) and len(values) == 2 and all(isinstance(v, str) and v for v in values)):
        raise bad
    pk, sk = values  # an index entry's own sort key is its item's sort key (see record)
    hash_value, index_name = sources[index]
    if not index_name:  # a month's partition: the key is in that very partition
        return index, {"pk": {"S": hash_value}, "sk": {"S": sk}}
    return index, {"pk": {"S": pk}, "sk": {"S": sk}, f"{index_name}pk": {"S": hash_value},
                   f"{index_name}sk": {"S": sk}}


def search_page(start: date, end: date, actor_id: str = "", action: str = "", family_id: str = "",
                request_id: str = "", after: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the entries between two days (Paris time), newest first, and the cursor to the next page
    (None at the end): one Query per partition read (a month, or the family's or request's index), going on
    to the next month while the page has room."""
    sources = _sources(start, end, family_id, request_id)
    index, key = _cursor(after, sources)
    connection = AuditEntry._get_connection()
    names = _names()
    result: list[dict[str, Any]] = []
    position: tuple[int, dict[str, Any] | None] | None = (index, key) if sources else None
    while position is not None and len(result) < PAGE:
        index, key = position
        hash_value, index_name = sources[index]
        page = connection.query(hash_value, index_name=index_name, limit=PAGE, exclusive_start_key=key,
                                scan_index_forward=False)
        for raw in page.get("Items", []):
            item = AuditEntry.from_raw_data(raw)
            day = item.at.astimezone(PARIS).date()
            if not start <= day <= end or (actor_id and item.actor_id != actor_id) or (
                    action and item.action != action) or (request_id and item.request_id != request_id):
                continue
            result.append(view(item, names))
        last = page.get("LastEvaluatedKey")
        position = (index, last) if last else ((index + 1, None) if index + 1 < len(sources) else None)
    if position is None:
        return result, None
    key = position[1]
    values = [key["pk"]["S"], key["sk"]["S"]] if key else None
    raw_cursor = json.dumps({"h": sources[position[0]][0], "k": values}, separators=(",", ":")).encode()
    return result, base64.urlsafe_b64encode(raw_cursor).decode().rstrip("=")


def search(start: date, end: date, actor_id: str = "", action: str = "", family_id: str = "",
           request_id: str = "") -> list[dict[str, Any]]:
    """Every entry of the search, page after page (the CSV export)."""
    rows, after = search_page(start, end, actor_id, action, family_id, request_id)
    while after:
        more, after = search_page(start, end, actor_id, action, family_id, request_id, after)
        rows.extend(more)
    return rows


def for_family(family_id: str) -> list[dict[str, Any]]:
    names = _names()
    return [view(item, names) for item in AuditEntry.by_family.query(f"AUDIT#FAMILY#{family_id}",
                                                                      scan_index_forward=False)]


def answers_to(family_id: str, request_id: str) -> list[dict[str, Any]]:
    """Who answered a family's request, newest first (only its own family reads it)."""
    names = _names()
    return [{"at": item.at.isoformat(), "actor_name": item.actor_name or names.get(item.actor_id) or UNKNOWN_ACTOR,
             "label": item.label}
            for item in AuditEntry.by_request.query(f"AUDIT#REQUEST#{request_id}", scan_index_forward=False)
            if item.family_id == family_id and item.action == "decision"]


def answers_of_family(family_id: str) -> list[dict[str, Any]]:
    """Who answered each of a family's requests, newest first: one Query of the family's entries, so the
    « Historique » names the staff member of every answer without a call per request."""
    names = _names()
    return [{"request_id": item.request_id, "at": item.at.isoformat(),
             "actor_name": item.actor_name or names.get(item.actor_id) or UNKNOWN_ACTOR, "label": item.label}
            for item in AuditEntry.by_family.query(f"AUDIT#FAMILY#{family_id}", scan_index_forward=False)
            if item.action == "decision" and item.request_id]


CSV_COLUMNS = (("at", "Date"), ("actor_name", "Membre de l'équipe"), ("actor_role", "Rôle"),
               ("action_label", "Type"), ("label", "Action"), ("outcome", "Décision"), ("family_id", "Famille"),
               ("request_id", "Demande"), ("structure_id", "Structure"), ("subject", "Objet"))


def _inert(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP « CSV injection »): a leading apostrophe."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([label for _, label in CSV_COLUMNS])
    for row in rows:
        writer.writerow([_inert(str(row[key])) for key, _ in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()
