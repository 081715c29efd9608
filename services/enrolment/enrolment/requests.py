"""Pre-enrolment requests of a family: create (one open request per child, activity and structure),
check completeness, submit, withdraw."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from pynamodb.exceptions import TransactWriteError

from enrolment import catalogue, queue, schemas
from enrolment.completeness import Missing, as_fields, missing_items
from enrolment.family import FileView, load
from enrolment.models import OpenRequestLock, Outbox, PreEnrolment
from shared import clock, outbox
from shared.ddb import transaction
from shared.errors import ApiError, Conflict, InvalidInput, NotFound
from shared.events import enrolment as ev

OPEN_STATUSES = ("draft", "submitted", "validated", "returned", "revoked")
WITHDRAWABLE = ("draft", "submitted", "returned", "revoked")


def _age_at(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _targets(body: Any, view: FileView, snap: catalogue.Snapshot) -> list[tuple[str, str, str]]:
    """``(activity, structure_id, field)`` of each place the request asks for; checks the catalogue."""
    structures = snap.structures
    if isinstance(body, schemas.SejourRequest):
        sejours = snap.sejours
        child = view.child(body.child_id)
        targets = []
        for sejour_id in body.sejour_ids:
            sejour = sejours.get(sejour_id)
            if sejour is None or sejour.get("archived"):
                raise InvalidInput("Ce séjour n'est pas proposé.", fields={"sejour_ids": "Séjour inconnu."})
            age = _age_at(child.birth_date, date.fromisoformat(sejour["start"]))
            if not sejour["age_min"] <= age <= sejour["age_max"]:
                raise InvalidInput(
                    f"{sejour['name']} accueille les enfants de {sejour['age_min']} à {sejour['age_max']} ans ; "
                    f"{child.first_name} aura {age} ans.", fields={"sejour_ids": "Âge hors de la tranche du séjour."})
            targets.append(("sejour", sejour_id, "sejour_ids"))
        return targets
    activity = body.kind
    wanted = [(activity, body.structure_id, "structure_id")]
    if isinstance(body, schemas.PeriscolaireRequest) and body.wednesday_structure_id:
        wanted.append(("mercredi", body.wednesday_structure_id, "wednesday_structure_id"))
    for act, structure_id, field in wanted:
        structure = structures.get(structure_id)
        if structure is None or structure.get("archived") or act not in structure["activities"]:
            raise InvalidInput("Cette structure ne propose pas cet accueil.", fields={field: "Structure invalide."})
    return wanted


def _structure_of(target: tuple[str, str, str], snap: catalogue.Snapshot) -> str:
    """Séjours are run by the structure that offers them (the camps coordinator's scope)."""
    activity, entry_id, _ = target
    return snap.sejours[entry_id]["structure_id"] if activity == "sejour" else entry_id


def listed(view: FileView, request: PreEnrolment, snap: catalogue.Snapshot) -> dict[str, Any]:
    """What the staff's queue shows of a request, kept on its item by every write (:mod:`enrolment.queue`)."""
    child = view.children.get(request.child_id)
    return {"family_name": view.family.last_name, "family_first_name": view.family.first_name,
            "child_first_name": json.loads(child.data)["first_name"] if child else None,
            "structure_names": [snap.structure_name(str(s)) for s in request.structure_ids]}


def create(view: FileView, body: Any, snap: catalogue.Snapshot) -> PreEnrolment:
    """Create a draft request in the family's file (``view``, read once by the route; updated here)."""
    family_id = view.family.family_id
    view.child(body.child_id)
    targets = _targets(body, view, snap)
    request_id = str(uuid.uuid4())
    now = clock.now()
    structure_ids = list(dict.fromkeys(_structure_of(t, snap) for t in targets))
    request = PreEnrolment(
        *PreEnrolment.key(family_id, request_id), family_id=family_id, request_id=request_id, kind=body.kind,
        child_id=body.child_id, structure_ids=structure_ids, details=body.model_dump_json(), status="draft",
        created_at=now, gsi1pk=f"STRUCTURE#{structure_ids[0]}", gsi1sk=f"draft#{now.isoformat()}",
    )
    for name, value in listed(view, request, snap).items():
        setattr(request, name, value)
    try:
        with transaction() as tx:
            queue.create(tx, request, PreEnrolment.pk.does_not_exist())
            for activity, entry_id, _ in targets:
                tx.save(OpenRequestLock(*OpenRequestLock.key(family_id, body.child_id, activity, entry_id),
                                        request_id=request_id), condition=OpenRequestLock.pk.does_not_exist())
    except TransactWriteError:
        field = targets[0][2]
        raise Conflict("Une demande est déjà en cours pour cet enfant dans cette structure.",
                       fields={field: "Demande déjà en cours."}) from None
    view.requests[request_id] = request
    return request


def get(view: FileView, request_id: str) -> PreEnrolment:
    request = view.requests.get(request_id)
    if request is None:
        raise NotFound("Cette demande n'existe pas.", fields={"request_id": "Demande inconnue."})
    return request


def missing(view: FileView, request: PreEnrolment) -> list[Missing]:
    return missing_items(request.kind, view.profile, view.household, request.child_id,
                         view.child(request.child_id), view.document_states(), clock.now().date())


def submit(view: FileView, request_id: str, correlation_id: str, snap: catalogue.Snapshot) -> PreEnrolment:
    """Submit a complete request; ``view`` (read once by the route) is updated with the new status."""
    family_id = view.family.family_id
    request = get(view, request_id)
    if request.status not in ("draft", "returned", "revoked"):
        raise Conflict("Cette demande est déjà transmise.", fields={"request_id": "Déjà transmise."})
    lacking = missing(view, request)
    if lacking:
        raise ApiError("Des informations ou des documents obligatoires manquent : complétez-les avant de "
                       "valider votre demande.", code="incomplete", fields=as_fields(lacking), status=400)
    now = clock.now()
    names = [snap.structure_name(str(s)) for s in request.structure_ids]
    seen = request.status
    event = ev.PreEnrolmentSubmitted.model_validate(dict(
        family_id=family_id, request_id=request_id, kind=request.kind,
        child_first_name=view.child(request.child_id).first_name, family_name=view.family.last_name,
        structure_ids=request.structure_ids, structure_names=names, email=view.family.email,
        first_name=view.profile.first_name if view.profile else view.family.first_name,
        correlation_id=correlation_id))
    try:
        with transaction() as tx:
            queue.update(tx, request, PreEnrolment.status == seen, status="submitted", submitted_at=now,
                         gsi1sk=f"submitted#{now.isoformat()}", **listed(view, request, snap))
            tx.save(outbox.entry(Outbox, event))
    except TransactWriteError:  # submitted meanwhile (a second tab): nothing written twice
        raise Conflict("Cette demande vient d'être transmise.", fields={"request_id": "Déjà transmise."}) from None
    return request


def withdraw(family_id: str, request_id: str) -> None:
    view = load(family_id)
    request = get(view, request_id)
    if request.status not in WITHDRAWABLE:
        raise Conflict("Une demande validée ne peut plus être retirée ici : contactez la structure.",
                       fields={"request_id": "Demande validée."})
    details = json.loads(request.details)
    body = schemas.SejourRequest.model_validate(details) if request.kind == "sejour" else None
    with transaction() as tx:
        queue.delete(tx, request)
        keys = ([("sejour", s) for s in body.sejour_ids] if body else
                [(request.kind, details["structure_id"])]
                + ([("mercredi", details["wednesday_structure_id"])] if details.get("wednesday_structure_id")
                   else []))
        for activity, entry_id in keys:
            tx.delete(OpenRequestLock(*OpenRequestLock.key(family_id, request.child_id, activity, entry_id)))


def view_of(request: PreEnrolment, view: FileView | None, snap: catalogue.Snapshot | None) -> dict[str, Any]:
    """The request as the API shows it: names from the file and the catalogue the route read, else (the
    staff's queue, which reads neither) those kept on the request's item."""
    details = json.loads(request.details)
    child = view.children.get(request.child_id) if view is not None else None
    names = [snap.structure_name(str(s)) if snap is not None else str(s) for s in request.structure_ids]
    if snap is None and request.structure_names:
        names = [str(name) for name in request.structure_names]
    return {
        "request_id": request.request_id, "kind": request.kind, "child_id": request.child_id,
        "child_first_name": json.loads(child.data)["first_name"] if child else request.child_first_name,
        "structure_id": request.structure_ids[0],
        "wednesday_structure_id": details.get("wednesday_structure_id"),
        "structure_ids": list(request.structure_ids),
        "structure_names": names,
        "sejour_ids": details.get("sejour_ids", []), "desired_start": details.get("desired_start"),
        "weekly_programme": details.get("weekly_programme", []), "notes": details.get("notes", ""),
        "status": request.status, "validated_structures": list(request.validated_structures or []),
        "staff_message": request.staff_message, "created_at": request.created_at.isoformat(),
        "submitted_at": request.submitted_at.isoformat() if request.submitted_at else None,
        "validated_at": request.validated_at.isoformat() if request.validated_at else None,
    }
