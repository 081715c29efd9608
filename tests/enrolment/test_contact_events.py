"""The family's address follows accounts whatever the order of events (issue 10, « Events »): an e-mail
change handled before the account's registration is retried, not lost; an older change never overwrites
a newer one; planning, which e-mails recaps and answers, hears of it too. Faults injected in-process on
the consumers: lost 0, doubled 0."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.events import accounts as ev
from shared.events import enrolment as en

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def envelope(event: Any) -> str:
    return json.dumps({"version": "0", "id": event.event_id, "detail-type": event.detail_type(),
                       "source": event.source, "detail": json.loads(event.detail_json())})


def registered(account_id: str) -> ev.AccountRegistered:
    return ev.AccountRegistered(account_id=account_id, email="a@example.fr", civility="Mme", first_name="Anne",
                                last_name="Meyer", verification_token="x", occurred_at=T0)


def changed(account_id: str, old: str, new: str, minutes: int) -> ev.EmailChanged:
    return ev.EmailChanged(account_id=account_id, old_email=old, new_email=new, first_name="Anne",
                           occurred_at=T0 + timedelta(minutes=minutes))


def test_enrolment_retries_an_early_change_and_ignores_an_older_one(stack: Any) -> None:
    from enrolment.handlers import SubjectNotYetKnown, consumer
    from enrolment.models import FamilyFile

    first, second = changed("acc-9", "a@example.fr", "b@example.fr", 1), changed("acc-9", "b@example.fr",
                                                                                 "c@example.fr", 2)
    with pytest.raises(SubjectNotYetKnown):  # before the file exists: the queue delivers it again
        consumer.handle_envelope(envelope(second))
    assert consumer.handle_envelope(envelope(registered("acc-9"))) is True
    assert consumer.handle_envelope(envelope(second)) is True  # the redelivery applies it
    assert consumer.handle_envelope(envelope(first)) is True  # late and older: handled, not applied
    assert consumer.handle_envelope(envelope(second)) is False  # a duplicate: nothing twice
    assert FamilyFile.get(*FamilyFile.key("acc-9"), consistent_read=True).email == "c@example.fr"
    # A staff account's change needs no family file and is not retried.
    staff = ev.EmailChanged(account_id="staff-1", old_email="s@asso.fr", new_email="t@asso.fr", first_name="S",
                            role="manager")
    assert consumer.handle_envelope(envelope(staff)) is True


def validated(account_id: str, structure: str, minutes: int) -> en.FamilyValidated:
    return en.FamilyValidated(family_id=account_id, child_id="c1", structure_id=structure, activity="periscolaire",
                              email="a@example.fr", first_name="Anne", child_first_name="Léa",
                              structure_name=structure, both_parents_working=True, resident=True,
                              occurred_at=T0 + timedelta(minutes=minutes))


@pytest.mark.parametrize("order", ["change_first", "validation_first", "older_change_last"])
def test_planning_e_mails_the_newest_address_whatever_the_order(stack: Any, order: str) -> None:
    from planning.handlers import consumer, validations

    first, second = changed("acc-7", "a@example.fr", "b@example.fr", 1), changed("acc-7", "b@example.fr",
                                                                                 "c@example.fr", 3)
    events = {"change_first": [second, first, validated("acc-7", "s1", 0), validated("acc-7", "s2", 5)],
              "validation_first": [validated("acc-7", "s1", 0), validated("acc-7", "s2", 5), first, second],
              "older_change_last": [validated("acc-7", "s1", 0), second, validated("acc-7", "s2", 5), first]}[order]
    for event in events:
        assert consumer.handle_envelope(envelope(event)) is True
    for event in events:  # every message delivered twice: nothing acts twice
        assert consumer.handle_envelope(envelope(event)) is False
    assert sorted((v.structure_id, v.email) for v in validations("acc-7")) == [("s1", "c@example.fr"),
                                                                                ("s2", "c@example.fr")]
