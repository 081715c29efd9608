"""Staff work on family files: the queue of requests of their structures, validation, sending a file
back, reviewing pending changes, and revoking a validation when something mandatory goes missing.

A staff member only sees families with a (non-draft) request in one of their structures; admins see all.
"""

from __future__ import annotations

from typing import Any

from enrolment import catalogue, documents, family, requests, territory
from enrolment.completeness import as_fields, missing_documents
from enrolment.family import PENDING_CHANGES, FileView
from enrolment.models import Change, FamilyFile, Outbox, PreEnrolment
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
    return list(principal.structures)


def ensure_scope(principal: Principal, view: FileView) -> None:
    """Forbidden unless one of the family's transmitted requests concerns the caller's structures."""
    if not any(r.status in VISIBLE and any(principal.can_manage(s) for s in r.structure_ids)
               for r in view.requests.values()):
        raise Forbidden("Cette famille n'a pas de demande dans vos structures.")


def queue(principal: Principal, status: str | None, structure_id: str | None) -> list[dict[str, Any]]:
    structures = scope(principal)
    if structure_id:
        if not principal.can_manage(structure_id):
            raise Forbidden("Cette structure ne fait pas partie de vos structures.")
        structures = [structure_id]
    if status and status not in VISIBLE:
        raise InvalidInput("Statut inconnu.", fields={"status": f"Choisissez parmi {', '.join(VISIBLE)}."})
    wanted = (status,) if status else VISIBLE
    found: dict[str, PreEnrolment] = {}
    for sid in structures:
        for index in (PreEnrolment.by_structure, PreEnrolment.by_second_structure):
            for request in index.query(f"STRUCTURE#{sid}"):
                if request.status in wanted:
                    found[request.request_id] = request
    families: dict[str, FileView] = {}
    items = []
    for request in sorted(found.values(), key=lambda r: r.submitted_at or r.created_at):
        view = families.setdefault(request.family_id, family.load(request.family_id))
        items.append({**requests.view_of(view.requests[request.request_id], view),
                      "family_id": request.family_id, "family_name": view.family.last_name,
                      "family_first_name": view.family.first_name})
    return items


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


def validate(principal: Principal, family_id: str, request_id: str, correlation_id: str) -> FileView:
    """Validate the request for the caller's structures; each becomes a ``FamilyValidated`` event."""
    view = family_for(principal, family_id)
    request = _request_in_scope(principal, view, request_id)
    if request.status not in ("submitted", "validated"):
        raise Conflict("Seule une demande transmise par la famille peut être validée.",
                       fields={"request_id": "Demande non transmise."})
    lacking = requests.missing(view, request) + missing_documents(
        request.kind, request.child_id, view.document_states(), clock.now().date(), accepted_only=True)
    if lacking:
        raise ApiError("Le dossier n'est pas complet : chaque information obligatoire doit être renseignée et "
                       "chaque document obligatoire accepté.", code="incomplete", fields=as_fields(lacking),
                       status=409)
    mine = [s for s in request.structure_ids if principal.can_manage(s)]
    done = sorted(set(request.validated_structures or []) | set(mine))
    complete = set(done) == set(request.structure_ids)
    now = clock.now()
    structures = catalogue.structures()
    child = view.child(request.child_id)
    profile = view.profile
    facts = priority_facts(view)
    actions = [PreEnrolment.validated_structures.set(done)]
    if complete:
        actions += [PreEnrolment.status.set("validated"), PreEnrolment.validated_at.set(now),
                    PreEnrolment.gsi1sk.set(f"validated#{now.isoformat()}")]
        if request.gsi2pk:
            actions.append(PreEnrolment.gsi2sk.set(f"validated#{now.isoformat()}"))
    with transaction() as tx:
        tx.update(request, actions=actions, condition=PreEnrolment.status == request.status)
        for structure_id in mine:
            tx.save(outbox.entry(Outbox, ev.FamilyValidated(
                family_id=family_id, child_id=request.child_id, structure_id=structure_id,
                activity=_activity(request, structure_id), email=view.family.email,
                first_name=profile.first_name if profile else view.family.first_name,
                child_first_name=child.first_name, child_last_name=child.last_name,
                family_name=profile.last_name if profile else view.family.last_name,
                structure_name=structures.get(structure_id, {}).get("name", structure_id),
                correlation_id=correlation_id, **facts)))
    return family.load(family_id)


def priority_facts(view: FileView) -> dict[str, bool]:
    """What the placement committee's criteria need to know of the file, and nothing more."""
    profile, household = view.profile, view.household
    spouse = household.spouse if household else None
    working = bool(profile and (profile.profession or profile.employer))
    spouse_working = spouse is None or bool(spouse.profession or spouse.employer)
    return {"both_parents_working": working and spouse_working,
            "resident": bool(profile and profile.address.postal_code in territory.postal_codes())}


def send_back(principal: Principal, family_id: str, request_id: str, message: str, correlation_id: str) -> FileView:
    view = family_for(principal, family_id)
    request = _request_in_scope(principal, view, request_id)
    if request.status not in ("submitted", "revoked"):
        raise Conflict("Seule une demande transmise peut être renvoyée à la famille.",
                       fields={"request_id": "Demande non transmise."})
    structure = catalogue.structures().get(request.structure_ids[0], {}).get("name", request.structure_ids[0])
    actions = [PreEnrolment.status.set("returned"), PreEnrolment.staff_message.set(message),
               PreEnrolment.gsi1sk.set(f"returned#{clock.now().isoformat()}")]
    if request.gsi2pk:
        actions.append(PreEnrolment.gsi2sk.set(f"returned#{clock.now().isoformat()}"))
    with transaction() as tx:
        tx.update(request, actions=actions, condition=PreEnrolment.status == request.status)
        tx.save(outbox.entry(Outbox, ev.FileReturned(
            family_id=family_id, request_id=request_id, email=view.family.email,
            first_name=view.family.first_name, structure_name=structure, message=message,
            correlation_id=correlation_id)))
    return family.load(family_id)


def pending_changes(principal: Principal) -> list[dict[str, Any]]:
    items = []
    for change in Change.pending_index.query(PENDING_CHANGES):
        if any(principal.can_manage(s) for s in change.structure_ids or []):
            items.append(change)
    names = {}
    result = []
    for change in items:
        if change.family_id not in names:
            names[change.family_id] = FamilyFile.get(*FamilyFile.key(change.family_id)).last_name
        result.append({**family.change_view(change), "family_id": change.family_id,
                       "family_name": names[change.family_id]})
    return result


def review_change(principal: Principal, family_id: str, change_id: str, decision: str, reason: str,
                  correlation_id: str) -> dict[str, Any]:
    view = family_for(principal, family_id)
    change = view.changes.get(change_id)
    if change is None:
        raise NotFound("Cette modification n'existe pas.")
    if change.status != "pending":
        raise Conflict("Cette modification a déjà été traitée.", fields={"change_id": "Déjà traitée."})
    if not any(principal.can_manage(s) for s in change.structure_ids or []):
        raise Forbidden("Cette modification ne concerne pas vos structures.")
    if decision == "approved":
        family.apply_change(view, change)
    with transaction() as tx:
        tx.update(change, actions=[Change.status.set(decision), Change.reason.set(reason or None),
                                   Change.gsi1pk.remove(), Change.gsi1sk.remove()],
                  condition=Change.status == "pending")
        tx.save(outbox.entry(Outbox, ev.ChangeReviewed(
            family_id=family_id, email=view.family.email, first_name=view.family.first_name,
            field_label=change.label, decision=decision, reason=reason, correlation_id=correlation_id)))
    recheck_validations(family_id, correlation_id)
    return family.change_view(Change.get(*Change.key(family_id, change_id)))


def recheck_validations(family_id: str, correlation_id: str) -> list[str]:
    """Revoke each validated request that now lacks something mandatory; returns their ids."""
    view = family.load(family_id)
    revoked = []
    for request in view.requests.values():
        if request.status != "validated":
            continue
        lacking = requests.missing(view, request)
        if not lacking:
            continue
        reason = "Informations manquantes : " + ", ".join(m.label for m in lacking)
        with transaction() as tx:
            tx.update(request, actions=[PreEnrolment.status.set("revoked"), PreEnrolment.validated_structures.set([]),
                                        PreEnrolment.staff_message.set(reason),
                                        PreEnrolment.gsi1sk.set(f"revoked#{clock.now().isoformat()}")],
                      condition=PreEnrolment.status == "validated")
            for structure_id in request.validated_structures or []:
                tx.save(outbox.entry(Outbox, ev.FamilyValidationRevoked(
                    family_id=family_id, child_id=request.child_id, structure_id=structure_id,
                    activity=_activity(request, structure_id), reason=reason, correlation_id=correlation_id)))
        revoked.append(request.request_id)
    return revoked


def file_view(view: FileView, principal: Principal | None = None) -> dict[str, Any]:
    """The family file as the API shows it: all of it to the family; to staff, only the transmitted
    requests that concern their structures."""
    shown = [r for r in view.requests.values()
             if principal is None or (r.status in VISIBLE and any(principal.can_manage(s) for s in r.structure_ids))]
    profile = view.profile
    household = view.household
    return {
        "family_id": view.family.family_id,
        "email": view.family.email,
        "last_name": view.family.last_name,
        "first_name": view.family.first_name,
        "profile": profile.model_dump(mode="json") if profile else None,
        "household": household.model_dump(mode="json") if household else None,
        "children": [family.child_view(c) for c in sorted(view.children.values(), key=lambda c: c.created_at)],
        "requests": [requests.view_of(r, view) for r in sorted(shown, key=lambda r: r.created_at)],
        "documents": [documents.document_view(d) for d in view.documents.values() if d.status != "uploading"],
        "pending_changes": [family.change_view(c) for c in view.changes.values() if c.status == "pending"],
        "validated": view.validated,
    }
