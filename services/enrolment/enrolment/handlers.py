"""Events enrolment listens to: it opens a family file for each registered account, keeps its contact
address in step with accounts, keeps a read model of planning's catalogue, and records planning's
decisions (which make the welcome contract available)."""

from __future__ import annotations

import contextlib
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from enrolment import catalogue, editions
from enrolment.models import FamilyFile, ProcessedEvent, Revocation
from shared import sessions
from shared.consumer import Consumer
from shared.events import accounts as ev
from shared.events import planning as planning_ev
from shared.logs import get_logger

logger = get_logger("enrolment")
consumer = Consumer("enrolment", ProcessedEvent, logger)
sessions.subscribe(consumer, Revocation)  # ended sessions: the authorizer refuses their tokens


class SubjectNotYetKnown(RuntimeError):
    """The event is about something this service has not heard of yet (an e-mail change before the
    account's registration): the handler fails, the claim is released and the queue delivers it again."""


@consumer.on(ev.AccountRegistered)
def open_family_file(event: ev.AccountRegistered) -> dict[str, Any]:
    pk, sk = FamilyFile.key(event.account_id)
    with contextlib.suppress(PutError):  # opened already: a redelivery after a crash
        FamilyFile(pk=pk, sk=sk, family_id=event.account_id, email=event.email, civility=event.civility,
                   first_name=event.first_name, last_name=event.last_name, opened_at=event.occurred_at,
                   email_changed_at=event.occurred_at).save(condition=FamilyFile.pk.does_not_exist())
    return {"family_id": event.account_id}


@consumer.on(ev.EmailChanged)
def update_contact(event: ev.EmailChanged) -> dict[str, Any] | None:
    """Keep the newest address: applied only over an older fact (events may come out of order), and
    retried while the family file does not exist yet (never marked done and lost)."""
    if event.role != "family":
        return None  # a staff account: no family file
    try:
        family = FamilyFile.get(*FamilyFile.key(event.account_id), consistent_read=True)
    except DoesNotExist:
        raise SubjectNotYetKnown(f"no family file yet for event {event.event_id}") from None
    try:
        family.update(actions=[FamilyFile.email.set(event.new_email),
                               FamilyFile.email_changed_at.set(event.occurred_at)],
                      condition=FamilyFile.email_changed_at.does_not_exist()
                      | (FamilyFile.email_changed_at < event.occurred_at))
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return {"family_id": event.account_id, "outcome": "older_than_known"}
    return {"family_id": event.account_id}


@consumer.on(planning_ev.StructurePublished)
def structure_published(event: planning_ev.StructurePublished) -> dict[str, Any]:
    catalogue.record("structure", event.structure_id, event)
    return {"structure_id": event.structure_id}


@consumer.on(planning_ev.SejourPublished)
def sejour_published(event: planning_ev.SejourPublished) -> dict[str, Any]:
    catalogue.record("sejour", event.sejour_id, event)
    return {"sejour_id": event.sejour_id}


consumer.on(planning_ev.RequestDecided)(editions.record_decision)
