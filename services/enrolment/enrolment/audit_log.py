"""The audit log (decision 101): every staff action the services announce (``*StaffActed``) recorded with
who — the staff member's name from enrolment's directory of staff accounts, fed by accounts' events —,
when and what. Enrolment keeps it because it owns the family file the log is shown on; the admin reads,
filters and exports it; a family reads who answered its request (« Réponse de Julie Schmitt »)."""

from __future__ import annotations

import contextlib
import csv
import io
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PutError

from enrolment.models import Base
from shared.ddb import gsi
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


def search(start: date, end: date, actor_id: str = "", action: str = "", family_id: str = "",
           request_id: str = "") -> list[dict[str, Any]]:
    """The entries between two days (Paris time), newest first: one Query per month, or one on an index
    when a family or a request is named."""
    if family_id:
        items = list(AuditEntry.by_family.query(f"AUDIT#FAMILY#{family_id}", scan_index_forward=False))
    elif request_id:
        items = list(AuditEntry.by_request.query(f"AUDIT#REQUEST#{request_id}", scan_index_forward=False))
    else:
        items = [item for month in _months(start, end)
                 for item in AuditEntry.query(f"AUDIT#{month}", scan_index_forward=False)]
    names = _names()
    result = []
    for item in items:
        day = item.at.astimezone(PARIS).date()
        if not start <= day <= end or (actor_id and item.actor_id != actor_id) or (action and item.action != action):
            continue
        if request_id and item.request_id != request_id:
            continue
        result.append(view(item, names))
    return result


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


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([label for _, label in CSV_COLUMNS])
    for row in rows:
        writer.writerow([row[key] for key, _ in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()
