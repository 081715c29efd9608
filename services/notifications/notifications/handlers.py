"""Which e-mail each event sends, and the staff read model that says who to tell about a structure.

The consumer runs each handler once per ``event_id`` (the kernel's claim in this table). On top of that,
each e-mail is claimed per (event, recipient) before it is sent (:func:`_send`): when a handler sending
several e-mails fails half-way, the queue retries the event and only the e-mails not yet sent go out.

Staff are told per event, not in a daily digest: the structures are small, a manager acts on a request the
day it arrives, and a digest would need a scheduler the local stack does not have.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import PutError

from notifications import mailer
from notifications.models import ALL_STRUCTURES, Delivery, SentEmail, StaffMember, StructureName
from shared import clock, idempotency, metrics
from shared.consumer import Consumer
from shared.events import accounts as ev
from shared.events import enrolment as en
from shared.events import planning as pl
from shared.events.base import Event
from shared.logs import get_logger

logger = get_logger("notifications")
consumer = Consumer("notifications", SentEmail, logger)
ROLE_LABELS = {"admin": "administrateur", "manager": "responsable de structure",
               "coordinator": "coordinateur séjours", "committee": "membre de la commission d'attribution"}
KIND_LABELS = {"periscolaire": "périscolaire", "creche": "crèche", "sejour": "séjour"}
SUFFIX = " – Portail Familles"


def _send(event: Event, template: str, to: str, subject: str, **context: Any) -> dict[str, Any]:
    """Send ``template`` to ``to``, the one e-mail of ``event``, unless it already went out.

    The handler runs with a deferred claim (``deferred_claim=True``): everything before this point only
    reads and renders, and the event's claim is written right before SES is called, so it is this e-mail's
    claim: two writes per e-mail (the claim, then the done mark with the message id). If SES answers an
    error the claim is released and the error re-raised, so the queue's retry sends it. A claim found left
    by a worker that stopped means it stopped during or after the SES call: SES may have accepted the
    e-mail, so it is never sent again automatically (a redelivery or a DLQ redrive would send it twice);
    it is logged as an error for the person on call (docs/operations.md).
    """
    email = mailer.render(template, to, subject, **context)  # a template error fails before any claim
    if not idempotency.claim():
        logger.error("e-mail delivery uncertain: a worker stopped while sending; not sent again",
                     extra={"template": template, "event_id": event.event_id, "uncertain_delivery": True})
        return {"template": template, "subject": subject, "skipped": True, "uncertain": True}
    message_id = mailer.send(email)
    metrics.count("EmailsSent", "notifications")
    return {"template": template, "subject": subject, "message_id": message_id}


def _deliver(event: Event, template: str, to: str, subject: str, **context: Any) -> dict[str, Any]:
    """One of several e-mails of ``event`` (its handler holds the event's claim from the start), unless it
    already went out.

    The (event, recipient) is claimed with a conditional put before SES is called, so that when the handler
    fails half-way the queue's retry sends only the e-mails not yet sent; if SES answers an error the claim
    is released and the error re-raised. A claim found still ``sending`` is never sent again (see
    :func:`_send`).
    """
    email = mailer.render(template, to, subject, **context)  # a template error fails before any claim
    now = clock.now()
    pk, sk = Delivery.key(event.event_id, to)
    record = Delivery(pk, sk, event_id=event.event_id, recipient=to, template=template, status="sending",
                      claimed_at=int(now.timestamp()), ttl=int((now + idempotency.KEEP).timestamp()))
    try:
        record.save(condition=Delivery.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        previous = Delivery.get(pk, sk, consistent_read=True)
        if previous.status == "sending":
            logger.error("e-mail delivery uncertain: a worker stopped while sending; not sent again",
                         extra={"template": template, "event_id": event.event_id, "uncertain_delivery": True})
            return {"template": template, "subject": subject, "skipped": True, "uncertain": True}
        logger.info("e-mail already sent for this event", extra={"template": template,
                                                                  "event_id": event.event_id})
        return {"template": template, "subject": subject, "skipped": True}
    try:
        message_id = mailer.send(email)
    except Exception:
        record.delete()
        raise
    record.update(actions=[Delivery.status.set("sent"), Delivery.message_id.set(message_id)])
    metrics.count("EmailsSent", "notifications")
    return {"template": template, "subject": subject, "message_id": message_id}


def _send_all(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What a handler sending to several recipients stores with the event."""
    if not results:
        return None
    return {"template": results[0]["template"], "subject": results[0]["subject"],
            "sent": sum(1 for r in results if "message_id" in r),
            "skipped": sum(1 for r in results if r.get("skipped"))}


# --- staff read model ------------------------------------------------------------------------------

def staff_of(structure_ids: Sequence[str]) -> list[StaffMember]:
    """Who to tell about these structures: their staff, each address once. A structure nobody works for
    yet falls back to the administrators, so that no family's request goes unseen."""
    by_address: dict[str, StaffMember] = {}
    orphan = False
    for structure_id in dict.fromkeys(structure_ids):
        members = StaffMember.of_structure(structure_id)
        orphan = orphan or not members
        for member in members:
            by_address.setdefault(member.email.strip().lower(), member)
    if orphan:
        for member in StaffMember.of_structure(ALL_STRUCTURES):
            if member.role == "admin":
                by_address.setdefault(member.email.strip().lower(), member)
    if not by_address:
        logger.warning("no staff to tell about these structures", extra={"structure_ids": list(structure_ids)})
    return list(by_address.values())


@consumer.on(ev.StaffAccountCreated)
def staff_account_created(event: ev.StaffAccountCreated) -> dict[str, Any]:
    """Remember the new staff member under each of their structures; no e-mail (StaffInvited sends it).

    A record that exists already is left alone: it may carry a newer address from EmailChanged.
    """
    structures = list(dict.fromkeys(event.structures)) or [ALL_STRUCTURES]
    for structure_id in structures:
        pk, sk = StaffMember.key(structure_id, event.account_id)
        member = StaffMember(pk, sk, account_id=event.account_id, structure_id=structure_id, email=event.email,
                             first_name=event.first_name, role=event.role, created_at=event.occurred_at,
                             gsi1pk=StaffMember.account_key(event.account_id), gsi1sk=pk)
        try:
            member.save(condition=StaffMember.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
    return {"staff_structures": structures}


@consumer.on(ev.StaffAccountChanged)
def staff_account_changed(event: ev.StaffAccountChanged) -> dict[str, Any]:
    """An admin re-scoped or (de)activated a staff member: their rows follow (a deactivated account is told
    nothing more). The rows are rewritten from the event, which carries the whole account."""
    structures = list(dict.fromkeys(event.structures)) or [ALL_STRUCTURES] if event.active else []
    for member in StaffMember.by_account.query(StaffMember.account_key(event.account_id)):
        if member.structure_id not in structures:
            member.delete()
    for structure_id in structures:
        pk, sk = StaffMember.key(structure_id, event.account_id)
        StaffMember(pk, sk, account_id=event.account_id, structure_id=structure_id, email=event.email,
                    first_name=event.first_name, role=event.role, created_at=event.occurred_at,
                    gsi1pk=StaffMember.account_key(event.account_id), gsi1sk=pk).save()
    return {"staff_structures": structures}


# --- accounts ---------------------------------------------------------------------------------------

@consumer.on(ev.AccountRegistered, deferred_claim=True)
def account_registered(event: ev.AccountRegistered) -> dict[str, Any]:
    return _send(event, "confirm_email", event.email, "Confirmez votre adresse e-mail" + SUFFIX,
                 first_name=event.first_name, token=event.verification_token)


@consumer.on(ev.VerificationEmailRequested, deferred_claim=True)
def verification_requested(event: ev.VerificationEmailRequested) -> dict[str, Any]:
    return _send(event, "confirm_email", event.email, "Confirmez votre adresse e-mail" + SUFFIX,
                 first_name=event.first_name, token=event.verification_token)


@consumer.on(ev.SignupAttemptedOnExistingAccount, deferred_claim=True)
def signup_on_existing(event: ev.SignupAttemptedOnExistingAccount) -> dict[str, Any]:
    return _send(event, "existing_account", event.email, "Vous avez déjà un compte" + SUFFIX,
                 first_name=event.first_name)


@consumer.on(ev.PasswordResetRequested, deferred_claim=True)
def password_reset(event: ev.PasswordResetRequested) -> dict[str, Any]:
    return _send(event, "password_reset", event.email, "Réinitialisation de votre mot de passe" + SUFFIX,
                 first_name=event.first_name, token=event.reset_token)


@consumer.on(ev.PasswordChanged, deferred_claim=True)
def password_changed(event: ev.PasswordChanged) -> dict[str, Any]:
    return _send(event, "password_changed", event.email, "Votre mot de passe a été modifié" + SUFFIX,
                 first_name=event.first_name)


@consumer.on(ev.EmailChangeRequested, deferred_claim=True)
def email_change_requested(event: ev.EmailChangeRequested) -> dict[str, Any]:
    return _send(event, "confirm_new_email", event.new_email, "Confirmez votre nouvelle adresse e-mail" + SUFFIX,
                 first_name=event.first_name, token=event.confirmation_token)


@consumer.on(ev.EmailChanged, deferred_claim=True)
def email_changed(event: ev.EmailChanged) -> dict[str, Any]:
    """Tell the old address; for a staff account, also point its read model at the new one."""
    for member in StaffMember.by_account.query(StaffMember.account_key(event.account_id)):
        member.update(actions=[StaffMember.email.set(event.new_email)], condition=StaffMember.pk.exists())
    return _send(event, "email_changed", event.old_email, "Votre adresse e-mail a été modifiée" + SUFFIX,
                 first_name=event.first_name, new_email=event.new_email)


@consumer.on(ev.StaffInvited, deferred_claim=True)
def staff_invited(event: ev.StaffInvited) -> dict[str, Any]:
    return _send(event, "staff_invitation", event.email, "Votre compte professionnel" + SUFFIX,
                 first_name=event.first_name, token=event.invitation_token,
                 role_label=ROLE_LABELS.get(event.role, event.role), structures=StructureName.names(event.structures))


@consumer.on(pl.StructurePublished)
def structure_published(event: pl.StructurePublished) -> dict[str, Any]:
    """Remember the structure's name for the e-mails that name structures (the staff invitation)."""
    item = StructureName(*StructureName.key(event.structure_id), name=event.name, changed_at=event.occurred_at)
    try:  # events may arrive out of order: an older name never overwrites a newer one
        item.save(condition=StructureName.changed_at.does_not_exist() | (StructureName.changed_at <= event.occurred_at))
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    return {"structure_id": event.structure_id}


# --- enrolment: to the family ----------------------------------------------------------------------

@consumer.on(en.FamilyValidated, deferred_claim=True)
def family_validated(event: en.FamilyValidated) -> dict[str, Any] | None:
    """One e-mail per validation act (its first event), listing every structure the act validated."""
    if not event.notify:
        return None
    if not event.email:
        logger.warning("FamilyValidated without an address: no e-mail", extra={"event_id": event.event_id})
        return None
    return _send(event, "family_validated", event.email, "Votre dossier est validé" + SUFFIX,
                 first_name=event.first_name, child_first_name=event.child_first_name,
                 structure_names=event.structure_names or [event.structure_name])


@consumer.on(en.FileReturned, deferred_claim=True)
def file_returned(event: en.FileReturned) -> dict[str, Any]:
    return _send(event, "file_returned", event.email, "Votre dossier est à compléter" + SUFFIX,
                 first_name=event.first_name, structure_name=event.structure_name, message=event.message)


@consumer.on(en.DocumentReviewed, deferred_claim=True)
def document_reviewed(event: en.DocumentReviewed) -> dict[str, Any] | None:
    """Only a refused document needs the family to act; an accepted one shows in the portal."""
    if event.decision != "rejected":
        return None
    return _send(event, "document_rejected", event.email, "Un document est à déposer de nouveau" + SUFFIX,
                 first_name=event.first_name, document_label=event.document_label, reason=event.reason)


@consumer.on(en.ChangeReviewed, deferred_claim=True)
def change_reviewed(event: en.ChangeReviewed) -> dict[str, Any]:
    approved = event.decision == "approved"
    subject = "Votre modification est validée" if approved else "Votre modification n'est pas validée"
    return _send(event, "change_reviewed", event.email, subject + SUFFIX, first_name=event.first_name,
                 field_label=event.field_label, approved=approved, reason=event.reason)


# --- enrolment: to the structures' staff -----------------------------------------------------------

@consumer.on(en.PreEnrolmentSubmitted)
def pre_enrolment_submitted(event: en.PreEnrolmentSubmitted) -> dict[str, Any] | None:
    """The structures' staff are told; the family gets its acknowledgement (what it asked, what comes next)."""
    subject = "Nouvelle demande de pré-inscription" + SUFFIX
    kind_label = KIND_LABELS.get(event.kind, event.kind)
    results = [
        _deliver(event, "pre_enrolment_submitted", member.email, subject, first_name=member.first_name,
              family_name=event.family_name, child_first_name=event.child_first_name,
              kind_label=kind_label, structure_names=event.structure_names)
        for member in staff_of(event.structure_ids)
    ]
    if event.email:
        _deliver(event, "pre_enrolment_received", event.email,
              f"Votre demande de pré-inscription {kind_label} est transmise" + SUFFIX,
              first_name=event.first_name, child_first_name=event.child_first_name, kind_label=kind_label,
              kind=event.kind, structure_names=event.structure_names)
    return _send_all(results)


@consumer.on(en.ChangeSubmitted)
def change_submitted(event: en.ChangeSubmitted) -> dict[str, Any] | None:
    subject = "Modifications à valider" + SUFFIX
    return _send_all([
        _deliver(event, "change_submitted", member.email, subject, first_name=member.first_name,
              family_name=event.family_name, fields=event.fields)
        for member in staff_of(event.structure_ids)
    ])


# --- planning: to the family -----------------------------------------------------------------------

FamilyPlanningEvent = (pl.ReservationRequestSubmitted | pl.CancellationRequested | pl.CancellationConfirmed
                      | pl.RequestDecided | pl.PlaceOffered)
ANSWER_SUBJECTS = {
    "accepted": "Votre demande N° {number} est acceptée",
    "partially_accepted": "Votre demande N° {number} est partiellement acceptée",
    "waitlisted": "Votre demande N° {number} est sur liste d'attente",
    "refused": "Votre demande N° {number} est refusée",
}
FREED_PLACE_SUBJECT = "Une place s'est libérée : votre demande N° {number}"
PARITY_LABELS = {"all": "toutes", "even": "paires", "odd": "impaires"}


def _request_context(event: pl.ReservationRequestSubmitted | pl.CancellationRequested
                     | pl.CancellationConfirmed) -> dict[str, Any]:
    return {"first_name": event.first_name, "child_first_name": event.child_first_name,
            "structure_name": event.structure_name, "period_name": event.period_name,
            "request_number": event.request_number, "recap": event.recap, "line_count": event.line_count}


def _count_once(result: dict[str, Any] | None, metric: str, value: int) -> dict[str, Any] | None:
    """Count ``metric`` for the run that acted on the event, not for a redelivery that skipped its e-mail
    (the handler runs again up to its claim: see :func:`_send`)."""
    if value and not (result or {}).get("skipped"):
        metrics.count(metric, "notifications", value)
    return result


def _no_address(event: FamilyPlanningEvent) -> bool:
    """Planning copies the address from its read model of enrolment's validations, which may lack one."""
    if event.email:
        return False
    logger.warning(f"{event.detail_type()} without an address: no e-mail", extra={"event_id": event.event_id})
    return True


@consumer.on(pl.ReservationRequestSubmitted, deferred_claim=True)
def reservation_request_submitted(event: pl.ReservationRequestSubmitted) -> dict[str, Any] | None:
    """The recap e-mail of a validated planning; ``added``: of the slots added to an existing request (the
    event's recap and line count are then those of the added slots)."""
    if _no_address(event):
        _count_once(None, "RequestsSubmitted", 0 if event.added else 1)
        return None
    number = event.request_number
    subject = (f"Ajout à votre demande de réservation N° {number}" if event.added
               else f"Récapitulatif de votre demande de réservation N° {number}")
    return _count_once(_send(event, "reservation_request_submitted", event.email, subject + SUFFIX,
                             added=event.added, **_request_context(event)),
                       "RequestsSubmitted", 0 if event.added else 1)


@consumer.on(pl.CancellationRequested, deferred_claim=True)
def cancellation_requested(event: pl.CancellationRequested) -> dict[str, Any] | None:
    if _no_address(event):
        return None
    subject = f"Demande d'annulation – réservation N° {event.request_number}"
    return _send(event, "cancellation_requested", event.email, subject + SUFFIX, **_request_context(event))


@consumer.on(pl.CancellationConfirmed, deferred_claim=True)
def cancellation_confirmed(event: pl.CancellationConfirmed) -> dict[str, Any] | None:
    if _no_address(event):
        return None
    subject = f"Annulation confirmée – réservation N° {event.request_number}"
    return _send(event, "cancellation_confirmed", event.email, subject + SUFFIX, **_request_context(event))


@consumer.on(pl.PlaceOffered, deferred_claim=True)
def place_offered(event: pl.PlaceOffered) -> dict[str, Any] | None:
    """A freed place offered to a waiting family, to accept or decline before a deadline."""
    if _no_address(event):
        return None
    subject = f"Une place vous est proposée : votre demande N° {event.request_number}"
    return _send(event, "place_offered", event.email, subject + SUFFIX, first_name=event.first_name,
                 child_first_name=event.child_first_name, structure_name=event.structure_name,
                 period_name=event.period_name, request_number=event.request_number, request_id=event.request_id,
                 offered_slots=event.offered_slots, offered_count=event.offered_count, until=event.until)


def decision_subject(event: pl.RequestDecided) -> str:
    """The subject says the answer; a place freed from the waiting list says that first."""
    template = FREED_PLACE_SUBJECT if event.trigger == "waitlist" else ANSWER_SUBJECTS[event.answer]
    return template.format(number=event.request_number) + SUFFIX


@consumer.on(pl.RequestDecided, deferred_claim=True)
def request_decided(event: pl.RequestDecided) -> dict[str, Any] | None:
    """The answer to a reservation request (staff, committee, automatic, or a place freed from the waiting
    list), with each pattern element's outcome: what is booked, what waits for a place, what is refused."""
    accepted = sum(o.accepted for o in event.outcomes)
    if _no_address(event):
        _count_once(None, "PlacesAccepted", accepted)
        return None
    outcomes: list[dict[str, Any]] = [
        {"weekday": o.weekday, "slot": o.slot, "weeks": PARITY_LABELS[o.parity], "parity": o.parity,
         "accepted": o.accepted, "waitlisted": o.waitlisted, "refused": o.refused, "reason": o.reason}
        for o in event.outcomes if o.accepted or o.waitlisted or o.refused]  # not only cancelled lines
    totals = {k: sum(o[k] for o in outcomes) for k in ("accepted", "waitlisted", "refused")}
    sent = _send(event, "request_decided", event.email, decision_subject(event), first_name=event.first_name,
                 child_first_name=event.child_first_name, structure_name=event.structure_name,
                 period_name=event.period_name, request_number=event.request_number, answer=event.answer,
                 trigger=event.trigger, outcomes=outcomes, totals=totals, accepted_slots=event.accepted_slots,
                 contract=event.answer in ("accepted", "partially_accepted"),
                 waiting=totals["waitlisted"] > 0 or event.answer == "waitlisted",
                 refused_any=totals["refused"] > 0, offer_reply_days=event.offer_reply_days,
                 waitlist_mode=event.waitlist_mode)
    return _count_once(sent, "PlacesAccepted", accepted)
