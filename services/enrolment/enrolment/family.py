"""The family file: reading it whole, and the family's own changes to it.

Before validation a family's changes apply at once. After validation, a change to a watched field
becomes a pending change (see :mod:`enrolment.changes`) and the previous value stands until staff
approve it; staff of the family's structures are told (``ChangeSubmitted``).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pynamodb.exceptions import TransactWriteError

from enrolment import changes, queue, schemas
from enrolment.completeness import DocumentState
from enrolment.models import Change, Child, Decision, Document, FamilyFile, Outbox, PreEnrolment, family_pk
from shared import clock, outbox
from shared.ddb import transaction
from shared.errors import Conflict, NotFound
from shared.events import enrolment as ev

PENDING_CHANGES = "CHANGES#PENDING"


@dataclass
class FileView:
    """Everything under ``FAMILY#<id>``, read with one Query of the partition (see :func:`load`)."""

    family: FamilyFile
    children: dict[str, Child] = field(default_factory=dict)
    requests: dict[str, PreEnrolment] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    changes: dict[str, Change] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)

    @property
    def profile(self) -> schemas.Profile | None:
        return schemas.Profile.model_validate_json(self.family.profile) if self.family.profile else None

    @property
    def household(self) -> schemas.Household | None:
        return schemas.Household.model_validate_json(self.family.household) if self.family.household else None

    def child(self, child_id: str) -> schemas.ChildData:
        if child_id not in self.children:
            raise NotFound("Cet enfant n'existe pas dans votre dossier.", fields={"child_id": "Enfant inconnu."})
        return schemas.ChildData.model_validate_json(self.children[child_id].data)

    @property
    def validated_structures(self) -> list[str]:
        """Structures where one of the family's requests is validated (their staff review changes)."""
        return sorted({s for r in self.requests.values() if r.status == "validated" for s in r.validated_structures})

    @property
    def validated(self) -> bool:
        return any(r.status == "validated" for r in self.requests.values())

    def document_states(self) -> list[DocumentState]:
        return [DocumentState(d.type, d.child_id, d.status, date.fromisoformat(d.valid_until) if d.valid_until
                              else None) for d in self.documents.values()]


# The item types of the family partition, by sort-key prefix, and the view's dict each goes to.
_PARTITION: tuple[tuple[str, type[Any], str, str], ...] = (
    ("CHILD#", Child, "children", "child_id"),
    ("REQUEST#", PreEnrolment, "requests", "request_id"),
    ("DOC#", Document, "documents", "document_id"),
    ("CHANGE#", Change, "changes", "change_id"),
    ("DECISION#", Decision, "decisions", "request_id"),
)


def load(family_id: str) -> FileView:
    """The whole family file in one consistent Query of its partition (every route reads it once).

    The items of ``FAMILY#<id>`` are told apart by their sort key; other item types living there
    (open-request locks) are skipped.
    """
    pk = family_pk(family_id)
    connection = FamilyFile._get_connection()
    family: FamilyFile | None = None
    found: dict[str, list[Any]] = {name: [] for _, _, name, _ in _PARTITION}
    start: dict[str, Any] | None = None
    while True:
        page = connection.query(pk, consistent_read=True, exclusive_start_key=start)
        for raw in page.get("Items", []):
            sk = raw["sk"]["S"]
            if sk == "FILE":
                family = FamilyFile.from_raw_data(raw)
                continue
            for prefix, model, name, _ in _PARTITION:
                if sk.startswith(prefix):
                    found[name].append(model.from_raw_data(raw))
                    break
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    if family is None:
        raise NotFound("Votre dossier famille est en cours de création. Réessayez dans un instant.")
    view = FileView(family)
    for _, _, name, key in _PARTITION:
        target = getattr(view, name)
        for item in found[name]:
            target[getattr(item, key)] = item
    return view


# --- the family's own changes ---------------------------------------------------------------------

def _pending_changes(view: FileView, scope: str, child_id: str | None, old: dict[str, Any] | None,
                     new: dict[str, Any], correlation_id: str) -> list[Change]:
    """Record the watched fields that change as pending changes; returns them."""
    diffs = changes.diff(scope, old, new)
    if not diffs:
        return []
    # Who reviews: for a child, the structures where that child is validated (never the staff of a
    # sibling's requests); for the family's sections, every structure where the family is validated.
    reviewers = (sorted({s for r in view.requests.values() if r.status == "validated" and r.child_id == child_id
                         for s in r.validated_structures}) if scope == "child" else view.validated_structures)
    now = clock.now()
    existing: dict[tuple[str, str | None, str], Change] = {
        (c.scope, c.child_id, c.field): c for c in view.changes.values() if c.status == "pending"}
    created = []
    with transaction() as tx:
        for path, label, old_value, new_value in diffs:
            previous = existing.get((scope, child_id, path))
            change_id = previous.change_id if previous else str(uuid.uuid4())
            change = Change(*Change.key(view.family.family_id, change_id), family_id=view.family.family_id,
                            change_id=change_id, scope=scope, child_id=child_id, field=path, label=label,
                            old=json.dumps(old_value, default=str), new=json.dumps(new_value, default=str),
                            status="pending", created_at=now, gsi1pk=PENDING_CHANGES,
                            gsi1sk=f"{now.isoformat()}#{change_id}", structure_ids=reviewers)
            tx.save(change)
            created.append(change)
            view.changes[change_id] = change
        tx.save(outbox.entry(Outbox, ev.ChangeSubmitted(
            family_id=view.family.family_id, family_name=view.family.last_name,
            structure_ids=reviewers, fields=[label for _, label, _, _ in diffs],
            correlation_id=correlation_id)))
    return created


def save_profile(family_id: str, body: schemas.Profile, correlation_id: str) -> FileView:
    """Save the profile; the view returned is the file as saved (``update`` refreshes the item)."""
    view = load(family_id)
    new = body.model_dump(mode="json")
    if view.validated and view.family.profile:
        _pending_changes(view, "profile", None, json.loads(view.family.profile), new, correlation_id)
    else:
        view.family.update(actions=[FamilyFile.profile.set(body.model_dump_json())])
    return view


def save_household(family_id: str, body: schemas.Household, correlation_id: str) -> FileView:
    view = load(family_id)
    new = body.model_dump(mode="json")
    if view.validated and view.family.household:
        _pending_changes(view, "household", None, json.loads(view.family.household), new, correlation_id)
    else:
        view.family.update(actions=[FamilyFile.household.set(body.model_dump_json())])
    return view


def add_child(family_id: str, body: schemas.ChildData) -> Child:
    load(family_id)  # the file exists
    child_id = str(uuid.uuid4())
    child = Child(*Child.key(family_id, child_id), family_id=family_id, child_id=child_id,
                  data=body.model_dump_json(), created_at=clock.now())
    child.save(condition=Child.pk.does_not_exist())
    return child


def _child_is_validated(view: FileView, child_id: str) -> bool:
    return any(r.child_id == child_id and r.status == "validated" for r in view.requests.values())


def save_child(family_id: str, child_id: str, body: schemas.ChildData, correlation_id: str) -> FileView:
    return _save_child(load(family_id), child_id, body, correlation_id)


def _save_child(view: FileView, child_id: str, body: schemas.ChildData, correlation_id: str) -> FileView:
    old = view.child(child_id).model_dump(mode="json")
    new = body.model_dump(mode="json")
    if _child_is_validated(view, child_id):
        _pending_changes(view, "child", child_id, old, new, correlation_id)
        return view
    renamed = child_requests(view, child_id) if old["first_name"] != new["first_name"] else []
    if not renamed:
        view.children[child_id].update(actions=[Child.data.set(body.model_dump_json())])
        return view
    try:  # the staff's queue shows the child's first name: its requests follow in the same transaction
        with transaction() as tx:
            tx.update(view.children[child_id], actions=[Child.data.set(body.model_dump_json())])
            rename_in_requests(tx, renamed, body.first_name)
    except TransactWriteError:
        raise Conflict("Une demande de cet enfant vient de changer : rechargez la page puis recommencez.",
                       fields={"first_name": "Demande modifiée entre-temps."}) from None
    view.children[child_id].data = body.model_dump_json()
    return view


def child_requests(view: FileView, child_id: str) -> list[PreEnrolment]:
    return [r for r in view.requests.values() if r.child_id == child_id]


def rename_in_requests(tx: Any, requests: list[PreEnrolment], first_name: str) -> None:
    """Add to ``tx`` the child's new first name on its requests and their queue copies (each must still exist)."""
    for request in requests:
        queue.update(tx, request, PreEnrolment.pk.exists(), child_first_name=first_name)


def save_school(family_id: str, child_id: str, body: schemas.School, correlation_id: str) -> FileView:
    view = load(family_id)
    child = view.child(child_id)
    return _save_child(view, child_id, child.model_copy(update={"school": body}), correlation_id)


def delete_child(family_id: str, child_id: str) -> None:
    view = load(family_id)
    view.child(child_id)
    if any(r.child_id == child_id for r in view.requests.values()):
        raise Conflict("Cet enfant a une demande de pré-inscription : supprimez d'abord la demande.",
                       fields={"child_id": "Demande en cours."})
    if any(d.child_id == child_id for d in view.documents.values()):
        raise Conflict("Cet enfant a des documents : supprimez-les d'abord.", fields={"child_id": "Documents."})
    view.children[child_id].delete()


def _changed_section(view: FileView, change: Change) -> tuple[Any, Any, str | None, str]:
    """The item a change applies to, its attribute, the section's JSON as read and as changed."""
    value = json.loads(change.new) if change.new is not None else None
    if change.scope == "child":
        child = view.children[change.child_id]
        data = changes.put(json.loads(child.data), change.field, value)
        return child, Child.data, child.data, schemas.ChildData.model_validate(data).model_dump_json()
    attribute = FamilyFile.profile if change.scope == "profile" else FamilyFile.household
    model = schemas.Profile if change.scope == "profile" else schemas.Household
    seen = getattr(view.family, change.scope)
    data = changes.put(json.loads(seen or "{}"), change.field, value)
    return view.family, attribute, seen, model.model_validate(data).model_dump_json()


def apply_change(tx: Any, view: FileView, change: Change) -> None:
    """Add to ``tx`` the write applying an approved change to its section, conditional on the section
    as read (two approvals of one section in parallel: the second gets a 409, nothing is lost)."""
    item, attribute, seen, new = _changed_section(view, change)
    tx.update(item, actions=[attribute.set(new)],
              condition=(attribute == seen) if seen else attribute.does_not_exist())


def applied(view: FileView, change: Change) -> None:
    """Apply to ``view`` in memory the change :func:`apply_change` wrote (once its transaction committed)."""
    item, attribute, _, new = _changed_section(view, change)
    setattr(item, attribute.attr_name, new)


# --- views ------------------------------------------------------------------------------------------

def child_view(child: Child) -> dict[str, Any]:
    return {"child_id": child.child_id, **json.loads(child.data)}


def change_view(change: Change) -> dict[str, Any]:
    return {"change_id": change.change_id, "scope": change.scope, "child_id": change.child_id,
            "field": change.field, "label": change.label,
            "old": json.loads(change.old) if change.old else None,
            "new": json.loads(change.new) if change.new else None,
            "status": change.status, "reason": change.reason, "created_at": change.created_at.isoformat()}
