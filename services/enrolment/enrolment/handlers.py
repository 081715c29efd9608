"""Events enrolment listens to: it opens a family file for each registered account and keeps its
contact address in step with accounts."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from enrolment.models import FamilyFile, ProcessedEvent
from shared.consumer import Consumer
from shared.events import accounts as ev
from shared.logs import get_logger

logger = get_logger("enrolment")
consumer = Consumer("enrolment", ProcessedEvent, logger)


@consumer.on(ev.AccountRegistered)
def open_family_file(event: ev.AccountRegistered) -> dict[str, Any]:
    pk, sk = FamilyFile.key(event.account_id)
    FamilyFile(pk=pk, sk=sk, family_id=event.account_id, email=event.email, civility=event.civility,
               first_name=event.first_name, last_name=event.last_name, opened_at=event.occurred_at).save()
    return {"family_id": event.account_id}


@consumer.on(ev.EmailChanged)
def update_contact(event: ev.EmailChanged) -> dict[str, Any] | None:
    try:
        family = FamilyFile.get(*FamilyFile.key(event.account_id))
    except DoesNotExist:
        return None  # a staff account: no family file
    family.update(actions=[FamilyFile.email.set(event.new_email)])
    return {"family_id": event.account_id}
