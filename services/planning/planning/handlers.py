"""Events planning listens to: it keeps its own read model of which family is validated where."""

from __future__ import annotations

import contextlib
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError

from planning.models import Contact, ProcessedEvent, Revocation, Validation
from shared import idempotency, sessions
from shared.consumer import Consumer
from shared.ddb import transaction
from shared.events import accounts as accounts_ev
from shared.events import enrolment as ev
from shared.events import planning as planning_ev
from shared.logs import get_logger

logger = get_logger("planning")
consumer = Consumer("planning", ProcessedEvent, logger)
sessions.subscribe(consumer, Revocation)  # ended sessions: the authorizer refuses their tokens


# What the validation events set; staff's own attributes (``priority_flag``) are never theirs to reset.
_EVENT_FIELDS = ("family_id", "child_id", "structure_id", "activity", "status", "changed_at", "email", "email_at",
                 "first_name", "child_first_name", "child_last_name", "family_name", "both_parents_working",
                 "resident")


def _event_fields(item: Validation) -> list[Any]:
    """The update of the attributes an event owns (an update, not a put, keeps the situation staff flagged)."""
    attributes = item.get_attributes()
    return [attributes[name].set(value) if (value := getattr(item, name)) is not None else attributes[name].remove()
            for name in _EVENT_FIELDS]


def _record(event: ev.FamilyValidated | ev.FamilyValidationRevoked, status: str) -> dict[str, Any]:
    """The validation written with the event's done mark in one transaction (with the consumer's claim: two
    requests), conditional on the family having no newer address than the one written: the transaction
    checks the family's ``Contact`` item (absent, or the one read), and is written again with its address
    when it has one (an e-mail change handled before the validation)."""
    pk, sk = Validation.key(event.family_id, event.structure_id, event.activity, event.child_id)
    item = Validation(pk=pk, sk=sk, family_id=event.family_id, child_id=event.child_id,
                      structure_id=event.structure_id, activity=event.activity, status=status,
                      changed_at=event.occurred_at)
    if isinstance(event, ev.FamilyValidated):
        item.email, item.first_name, item.child_first_name = event.email, event.first_name, event.child_first_name
        item.family_name, item.child_last_name = event.family_name or None, event.child_last_name or None
        item.both_parents_working, item.resident = event.both_parents_working, event.resident
    else:
        with contextlib.suppress(Validation.DoesNotExist):
            known = Validation.get(pk, sk)
            item.email, item.first_name, item.child_first_name = known.email, known.first_name, known.child_first_name
            item.family_name, item.child_last_name = known.family_name, known.child_last_name
            item.both_parents_working, item.resident = known.both_parents_working, known.resident
    contact: Contact | None = None
    for _ in range(10):
        if contact is not None:
            item.email, item.email_at = contact.email, contact.changed_at
        try:
            with transaction() as tx:
                tx.condition_check(Contact, *Contact.key(event.family_id),
                                   condition=Contact.pk.does_not_exist() if contact is None
                                   else Contact.changed_at == contact.changed_at)
                # Events may arrive out of order: an older fact never overwrites a newer one.
                tx.update(item, actions=_event_fields(item), condition=Validation.changed_at.does_not_exist()
                          | (Validation.changed_at <= event.occurred_at))
                idempotency.complete(tx, {"status": status})
            return {"status": status}
        except TransactWriteError as exc:
            codes = [reason.code if reason else None for reason in exc.cancellation_reasons]
            if not codes or set(codes) - {None, "ConditionalCheckFailed", "TransactionConflict"}:
                raise
            if "TransactionConflict" in codes:  # another transaction was writing one of these items: later
                raise idempotency.EventInProgress(event.event_id) from None
            if codes[1:2] == ["ConditionalCheckFailed"]:
                return {"status": status, "outcome": "older_than_known"}  # marked done by the consumer
            if codes[0] is None:  # the done mark: this worker's claim was taken over, the other one acts
                raise idempotency.EventInProgress(event.event_id) from None
            try:
                contact = Contact.get(*Contact.key(event.family_id), consistent_read=True)
            except Contact.DoesNotExist:
                contact = None
    raise idempotency.EventInProgress(event.event_id)  # the address keeps changing: the retry writes it


def _apply_contact(family_id: str) -> None:
    """Give the family's validations the newest address accounts told (each conditional on being newer
    than what the item holds), whichever of the validation and the e-mail change came first."""
    try:
        contact = Contact.get(*Contact.key(family_id), consistent_read=True)
    except Contact.DoesNotExist:
        return
    for validation in validations(family_id):
        with contextlib.suppress(UpdateError):
            validation.update(actions=[Validation.email.set(contact.email),
                                       Validation.email_at.set(contact.changed_at)],
                              condition=Validation.pk.exists() & (Validation.email_at.does_not_exist()
                                                                  | (Validation.email_at < contact.changed_at)))


@consumer.on(accounts_ev.EmailChanged)
def email_changed(event: accounts_ev.EmailChanged) -> dict[str, Any] | None:
    """Planning's e-mails (recaps, answers, offers) go to the family's new address from now on."""
    if event.role != "family":
        return None
    pk, sk = Contact.key(event.account_id)
    try:
        Contact(pk=pk, sk=sk, email=event.new_email, changed_at=event.occurred_at).save(
            condition=Contact.changed_at.does_not_exist() | (Contact.changed_at < event.occurred_at))
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return {"family_id": event.account_id, "outcome": "older_than_known"}
    _apply_contact(event.account_id)
    return {"family_id": event.account_id}


@consumer.on(ev.FamilyValidated)
def family_validated(event: ev.FamilyValidated) -> dict[str, Any]:
    return _record(event, "validated")


@consumer.on(ev.FamilyValidationRevoked)
def family_validation_revoked(event: ev.FamilyValidationRevoked) -> dict[str, Any]:
    return _record(event, "revoked")


def validations(family_id: str) -> list[Validation]:
    return list(Validation.query(f"FAMILY#{family_id}", Validation.sk.startswith("VALIDATION#")))


@consumer.on(planning_ev.CommitteeJobRequested)
def committee_job(event: planning_ev.CommitteeJobRequested) -> dict[str, Any]:
    from planning import jobs  # the job modules import the whole service; handlers load first

    return jobs.run(event)
