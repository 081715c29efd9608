"""Events planning listens to: it keeps its own read model of which family is validated where."""

from __future__ import annotations

import contextlib
from typing import Any

from pynamodb.exceptions import PutError

from planning.models import ProcessedEvent, Validation
from shared.consumer import Consumer
from shared.events import enrolment as ev
from shared.events import planning as planning_ev
from shared.logs import get_logger

logger = get_logger("planning")
consumer = Consumer("planning", ProcessedEvent, logger)


def _record(event: ev.FamilyValidated | ev.FamilyValidationRevoked, status: str) -> dict[str, Any]:
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
    # Events may arrive out of order: an older fact never overwrites a newer one.
    with contextlib.suppress(PutError):
        item.save(condition=Validation.changed_at.does_not_exist() | (Validation.changed_at <= event.occurred_at))
    return {"status": status}


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
