"""Staff work on family files: the queue of requests of their structures, validation, sending a file
back, reviewing pending changes, and revoking a validation when something mandatory goes missing.

Scope is per request and child, not per family (see :class:`Scope`): a staff member reaches a family
with a transmitted request in one of their structures, and within it only the children of those
requests, their documents, the family-level documents, and the changes addressed to their structures;
admins see all. Every state change is a conditional write on the state it leaves; a loser gets a 409.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import TransactWriteError

from enrolment import catalogue, documents, family, requests, territory
from enrolment import queue as queues
from enrolment.completeness import as_fields, missing_documents
from enrolment.family import PENDING_CHANGES, FileView
from enrolment.models import Change, Document, Outbox, PreEnrolment
from shared import clock, outbox
from shared.auth import Principal, Role
from shared.ddb import transaction
from shared.errors import ApiError, Conflict, Forbidden, InvalidInput, NotFound
from shared.events import enrolment as ev

VISIBLE = ("submitted", "validated", "returned", "revoked")
ACTIVITY_OF_SECOND_STRUCTURE = "mercredi"


def scope(principal: Principal) -> list[str]:
    if principal.role == Role.ADMIN:
        return sorted(catalogue.structures())
    return sorted(principal.structures)


# Kinds whose funding uses the allocataire number (CAF/MSA contracts of the after-school care and the
# nursery); the séjours' coordinator does not need it (the quotient document is enough for its prices).
ALLOCATAIRE_KINDS = frozenset({"periscolaire", "creche"})
CHANGED_MEANWHILE = "Ce dossier vient d'être modifié par quelqu'un d'autre : rechargez-le puis recommencez."


@dataclass(frozen=True)
class Scope:
    """What of one family file a staff member may see and act on: the transmitted requests of their
    structures, the children of those requests, and whether the allocataire number concerns them."""

    requests: tuple[PreEnrolment, ...]
    child_ids: frozenset[str]
    allocataire: bool
    everything: bool = False

    def has_child(self, child_id: str | None) -> bool:
        return child_id is None or self.everything or child_id in self.child_ids

    def has_document(self, document: Document) -> bool:
        """A child's document with the child; a family-level document with any request in scope."""
        return self.has_child(document.child_id)

    def has_change(self, principal: Principal, change: Change) -> bool:
        if self.everything:
            return True
        if not any(principal.can_manage(s) for s in change.structure_ids or []):
            return False
        if change.scope == "child":
            return change.child_id in self.child_ids
        if change.scope == "household" and change.field.split(".")[0] == "allocataire":
            return self.allocataire
        return True


def scope_of(principal: Principal, view: FileView) -> Scope:
    mine = tuple(r for r in view.requests.values()
                 if r.status in VISIBLE and any(principal.can_manage(s) for s in r.structure_ids))
    return Scope(requests=mine, child_ids=frozenset(r.child_id for r in mine),
                 allocataire=principal.role == Role.ADMIN or any(r.kind in ALLOCATAIRE_KINDS for r in mine),
                 everything=principal.role == Role.ADMIN)


def ensure_scope(principal: Principal, view: FileView) -> Scope:
    """Forbidden unless one of the family's transmitted requests concerns the caller's structures."""
    found = scope_of(principal, view)
    if not found.requests:
        raise Forbidden("Cette famille n'a pas de demande dans vos structures.")
    return found


def document_in_scope(principal: Principal, view: FileView, document_id: str) -> Document:
    """The document if the caller may see it: 404 unknown, 403 a child outside their requests."""
    document = view.documents.get(document_id)
    if document is None or document.status == "uploading":
        raise NotFound("Ce document n'existe pas dans ce dossier.", fields={"document_id": "Document inconnu."})
    if not ensure_scope(principal, view).has_document(document):
        raise Forbidden("Ce document concerne un enfant sans demande dans vos structures.")
    return document


def queue(principal: Principal, status: str | None, structure_id: str | None,
          after: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the requests of the caller's structures (or of one of them), and the cursor to the next
    page: one Query a page (decision 24). Each entry carries the names the list shows; only a request
    stored before it did is completed from its family file."""
    structures = scope(principal)
    if structure_id:
        if not principal.can_manage(structure_id):
            raise Forbidden("Cette structure ne fait pas partie de vos structures.")
        structures = [structure_id]
    if status and status not in VISIBLE:
        raise InvalidInput("Statut inconnu.", fields={"status": f"Choisissez parmi {', '.join(VISIBLE)}."})
    entries, cursor = queues.page(structures, (status,) if status else VISIBLE, after)
    families: dict[str, FileView] = {}
    snap: catalogue.Snapshot | None = None
    items = []
    for entry in entries:
        if entry.family_name is None or entry.structure_names is None:  # stored before the names were kept
            if entry.family_id not in families:
                families[entry.family_id] = family.load(entry.family_id)
            view = families[entry.family_id]
            snap = snap or catalogue.snapshot()
            entry.family_name, entry.family_first_name = view.family.last_name, view.family.first_name
            item = requests.view_of(view.requests.get(entry.request_id, entry), view, snap)
        else:
            item = requests.view_of(entry, None, None)
        items.append({**item, "family_id": entry.family_id, "family_name": entry.family_name,
                      "family_first_name": entry.family_first_name})
    return items, cursor


def family_for(principal: Principal, family_id: str) -> FileView:
    try:
        view = family.load(family_id)
    except NotFound:
        raise NotFound("Cette famille n'existe pas.") from None
    ensure_scope(principal, view)
    return view


def _request_in_scope(principal: Principal, view: FileView, request_id: str) -> PreEnrolment:
    request = requests.get(view, request_id)
    if request.status not in VISIBLE or not any(principal.can_manage(s) for s in request.structure_ids):
        raise Forbidden("Cette demande ne concerne pas vos structures.")
    return request


def _activity(request: PreEnrolment, structure_id: str) -> str:
    if request.kind == "periscolaire" and structure_id != request.structure_ids[0]:
        return ACTIVITY_OF_SECOND_STRUCTURE
    return request.kind


def validate(principal: Principal, family_id: str, request_id: str,
             correlation_id: str) -> tuple[FileView, catalogue.Snapshot]:
    """Validate the request for the caller's structures; each becomes a ``FamilyValidated`` event.

    A request revoked after a rejected document is validated again once it is complete (issue 13): the
    family does not have to submit it anew. The write is conditional on the status and the validated
    structures it read, so of two parallel validations one wins and the other gets a 409. Returns the file
    as read with the request as written (the conditional write proves nothing else of it changed), and the
    catalogue read (structure names and the territory: one Query).
    """
    view = family_for(principal, family_id)
    request = _request_in_scope(principal, view, request_id)
    if request.status not in ("submitted", "validated", "revoked"):
        raise Conflict("Seule une demande transmise par la famille peut être validée.",
                       fields={"request_id": "Demande non transmise."})
    already = list(request.validated_structures or [])  # another structure's staff may have validated
    mine = [s for s in request.structure_ids if principal.can_manage(s) and s not in already]
    if not mine:
        raise Conflict("Cette demande est déjà validée pour vos structures.",
                       fields={"request_id": "Déjà validée."})
    lacking = requests.missing(view, request) + missing_documents(
        request.kind, request.child_id, view.document_states(), clock.now().date(), accepted_only=True)
    if lacking:
        raise ApiError("Le dossier n'est pas complet : chaque information obligatoire doit être renseignée et "
                       "chaque document obligatoire accepté.", code="incomplete", fields=as_fields(lacking),
                       status=409)
    done = sorted(set(already) | set(mine))
    complete = set(done) == set(request.structure_ids)
    now = clock.now()
    snap = catalogue.snapshot()
    structures = snap.structures
    child = view.child(request.child_id)
    profile = view.profile
    facts = priority_facts(view, snap)
    changes: dict[str, Any] = {"validated_structures": done,
                               "status": "validated" if complete else request.status}
    if request.status == "revoked" and not complete:
        changes["status"] = "submitted"
    if complete:
        changes.update(validated_at=now, staff_message=None, gsi1sk=f"validated#{now.isoformat()}")
    names = [snap.structure_name(s) for s in mine]
    seen = list(request.validated_structures or [])
    unchanged = (PreEnrolment.status == request.status) & (
        PreEnrolment.validated_structures == seen if seen
        else (PreEnrolment.validated_structures.does_not_exist() | (PreEnrolment.validated_structures == [])))
    try:
        with transaction() as tx:
            queues.update(tx, request, unchanged, **changes, **requests.listed(view, request, snap))
            for index, structure_id in enumerate(mine):
                tx.save(outbox.entry(Outbox, ev.FamilyValidated.model_validate(dict(
                    family_id=family_id, child_id=request.child_id, structure_id=structure_id,
                    activity=_activity(request, structure_id), email=view.family.email,
                    first_name=profile.first_name if profile else view.family.first_name,
                    child_first_name=child.first_name, child_last_name=child.last_name,
                    family_name=profile.last_name if profile else view.family.last_name,
                    structure_name=structures.get(structure_id, {}).get("name", structure_id),
                    notify=index == 0, structure_names=names, correlation_id=correlation_id, **facts))))
    except TransactWriteError:
        raise Conflict(CHANGED_MEANWHILE, fields={"request_id": "Demande modifiée entre-temps."}) from None
    return view, snap


def priority_facts(view: FileView, snap: catalogue.Snapshot | None = None) -> dict[str, bool]:
    """What the placement committee's criteria need to know of the file, and nothing more."""
    profile, household = view.profile, view.household
    spouse = household.spouse if household else None
    working = bool(profile and (profile.profession or profile.employer))
    spouse_working = spouse is None or bool(spouse.profession or spouse.employer)
    return {"both_parents_working": working and spouse_working,
            "resident": bool(profile and profile.address.postal_code in territory.postal_codes(snap))}


def send_back(principal: Principal, family_id: str, request_id: str, message: str,
              correlation_id: str) -> tuple[FileView, catalogue.Snapshot]:
    view = family_for(principal, family_id)
    request = _request_in_scope(principal, view, request_id)
    if request.status not in ("submitted", "revoked"):
        raise Conflict("Seule une demande transmise peut être renvoyée à la famille.",
                       fields={"request_id": "Demande non transmise."})
    snap = catalogue.snapshot()
    structure = snap.structure_name(request.structure_ids[0])
    seen = request.status
    try:
        with transaction() as tx:
            queues.update(tx, request, PreEnrolment.status == seen, status="returned", staff_message=message,
                         gsi1sk=f"returned#{clock.now().isoformat()}", **requests.listed(view, request, snap))
            tx.save(outbox.entry(Outbox, ev.FileReturned(
                family_id=family_id, request_id=request_id, email=view.family.email,
                first_name=view.family.first_name, structure_name=structure, message=message,
                correlation_id=correlation_id)))
    except TransactWriteError:
        raise Conflict(CHANGED_MEANWHILE, fields={"request_id": "Demande modifiée entre-temps."}) from None
    return view, snap


def pending_changes(principal: Principal, after: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the pending changes the caller reviews (one Query of the pending index, 100 changes read,
    then the files of their families), and the cursor to the next page: addressed to their structures and,
    for a child, about a child of one of their requests (an allocataire change only to the staff whose
    requests use it)."""
    page = Change._get_connection().query(
        PENDING_CHANGES, index_name="gsi1", limit=queues.PAGE,
        exclusive_start_key=queues.decode_key(after, "gsi1pk", PENDING_CHANGES))
    candidates = [c for c in (Change.from_raw_data(raw) for raw in page.get("Items", []))
                  if any(principal.can_manage(s) for s in c.structure_ids or [])]
    views: dict[str, FileView] = {}
    result = []
    for change in candidates:
        if change.family_id not in views:
            views[change.family_id] = family.load(change.family_id)
        view = views[change.family_id]
        if not scope_of(principal, view).has_change(principal, change):
            continue
        result.append({**family.change_view(change), "family_id": change.family_id,
                       "family_name": view.family.last_name})
    return result, queues.encode_key(page.get("LastEvaluatedKey"), "gsi1pk")


def review_change(principal: Principal, family_id: str, change_id: str, decision: str, reason: str,
                  correlation_id: str) -> dict[str, Any]:
    """Approve (apply) or reject a pending change. Scope is checked before status (403 before 409); the
    change's status and the section it applies to are written in one transaction, conditional on the
    pending status and on the section as read: of two reviews one wins, the other gets a 409 and nothing
    of it is applied. The validations are then rechecked on the file as read with this change applied
    (decision 24: a missing item is always seen by the writer who made it missing)."""
    view = family_for(principal, family_id)
    change = view.changes.get(change_id)
    if change is None:
        raise NotFound("Cette modification n'existe pas.")
    if not scope_of(principal, view).has_change(principal, change):
        raise Forbidden("Cette modification ne concerne pas vos structures.")
    if change.status != "pending":
        raise Conflict("Cette modification a déjà été traitée.", fields={"change_id": "Déjà traitée."})
    try:
        with transaction() as tx:
            if decision == "approved":
                family.apply_change(tx, view, change)
                if change.scope == "child" and change.field == "first_name" and change.new:
                    family.rename_in_requests(tx, family.child_requests(view, change.child_id or ""),
                                              str(json.loads(change.new)))
            tx.update(change, actions=[Change.status.set(decision),
                                       Change.reason.set(reason) if reason else Change.reason.remove(),
                                       Change.gsi1pk.remove(), Change.gsi1sk.remove()],
                      condition=Change.status == "pending")
            tx.save(outbox.entry(Outbox, ev.ChangeReviewed.model_validate(dict(
                family_id=family_id, email=view.family.email, first_name=view.family.first_name,
                field_label=change.label, decision=decision, reason=reason, correlation_id=correlation_id))))
    except TransactWriteError:
        raise Conflict("Cette modification vient d'être traitée par quelqu'un d'autre : rechargez le dossier.",
                       fields={"change_id": "Déjà traitée."}) from None
    change.status, change.reason, change.gsi1pk, change.gsi1sk = decision, reason or None, None, None
    if decision == "approved":
        family.applied(view, change)
        recheck_validations(family_id, correlation_id, principal, view)
    return family.change_view(change)


def recheck_validations(family_id: str, correlation_id: str, principal: Principal | None = None,
                        view: FileView | None = None) -> list[str]:
    """Revoke each validated request that now lacks something mandatory; returns their ids.

    With ``principal`` (a staff review), only the requests of that person's structures are rechecked: a
    review in one structure never revokes another structure's validation. ``view``: the file as the caller
    wrote it (else it is read again).
    """
    view = view if view is not None else family.load(family_id)
    revoked = []
    for request in view.requests.values():
        if request.status != "validated":
            continue
        if principal is not None and not any(principal.can_manage(s) for s in request.structure_ids):
            continue
        lacking = requests.missing(view, request)
        if not lacking:
            continue
        reason = "Informations manquantes : " + ", ".join(m.label for m in lacking)
        validated = list(request.validated_structures or [])
        try:
            with transaction() as tx:
                queues.update(tx, request, PreEnrolment.status == "validated", status="revoked",
                             validated_structures=[], staff_message=reason,
                             gsi1sk=f"revoked#{clock.now().isoformat()}")
                for structure_id in validated:
                    tx.save(outbox.entry(Outbox, ev.FamilyValidationRevoked.model_validate(dict(
                        family_id=family_id, child_id=request.child_id, structure_id=structure_id,
                        activity=_activity(request, structure_id), reason=reason, correlation_id=correlation_id))))
        except TransactWriteError:
            continue  # revoked (or changed) meanwhile by another review: that one told planning
        revoked.append(request.request_id)
    return revoked


def _household_view(view: FileView, found: Scope | None) -> dict[str, Any] | None:
    household = view.household
    if household is None:
        return None
    data = household.model_dump(mode="json")
    if found is not None and not found.allocataire:
        data["allocataire"] = None
    return data


def file_view(view: FileView, principal: Principal | None = None,
              snap: catalogue.Snapshot | None = None) -> dict[str, Any]:
    """The family file as the API shows it: all of it to the family; to staff, only the transmitted
    requests of their structures, the children of those requests and their documents, the family-level
    documents, and the pending changes they review. The catalogue (structure names) is read once, and only
    when a request is shown."""
    found = scope_of(principal, view) if principal is not None else None
    shown = list(found.requests) if found is not None else list(view.requests.values())
    if shown and snap is None:
        snap = catalogue.snapshot()
    children = [c for c in view.children.values() if found is None or found.has_child(c.child_id)]
    documents_shown = [d for d in view.documents.values()
                       if d.status != "uploading" and (found is None or found.has_document(d))]
    changes_shown = [c for c in view.changes.values() if c.status == "pending"
                     and (found is None or principal is None or found.has_change(principal, c))]
    profile = view.profile
    return {
        "family_id": view.family.family_id,
        "email": view.family.email,
        "last_name": view.family.last_name,
        "first_name": view.family.first_name,
        "profile": profile.model_dump(mode="json") if profile else None,
        "household": _household_view(view, found),
        "children": [family.child_view(c) for c in sorted(children, key=lambda c: c.created_at)],
        "requests": [requests.view_of(r, view, snap) for r in sorted(shown, key=lambda r: r.created_at)],
        "documents": [documents.document_view(d) for d in documents_shown],
        "pending_changes": [family.change_view(c) for c in changes_shown],
        "validated": view.validated,
    }
