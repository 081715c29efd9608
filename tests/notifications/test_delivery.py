"""At most one e-mail per (event, recipient), even when the bus delivers an event twice or a handler fails
half-way through its recipients and the queue retries it."""

from __future__ import annotations

from typing import Any

import pytest

from notifications import mailer
from tests.notifications.support import deliver, event, publish, staff

TEAM = ("julie@asso.fr", "marc@asso.fr", "nina@asso.fr")


def three_managers(stack: Any) -> None:
    deliver(stack, *(staff(f"acc-{i}", address, address.split("@")[0].title(), ["acem-schweighouse"])
                     for i, address in enumerate(TEAM)))


def failing_once_at(monkeypatch: pytest.MonkeyPatch, call: int) -> list[str]:
    """SES fails the ``call``-th time (1-based), once; returns the addresses each attempt was for."""
    attempts: list[str] = []
    real_send = mailer.send

    def send(email: mailer.Email) -> str:
        attempts.append(email.to)
        if len(attempts) == call:
            raise RuntimeError("SES is down")
        return real_send(email)

    monkeypatch.setattr(mailer, "send", send)
    return attempts


def test_an_event_delivered_twice_sends_each_email_once(stack: Any) -> None:
    three_managers(stack)
    pre_enrolment, validated = event("PreEnrolmentSubmitted"), event("FamilyValidated")
    publish(stack, pre_enrolment, validated)
    publish(stack, pre_enrolment, validated)  # same event_ids: a redelivery
    stack.drain()
    deliver(stack, pre_enrolment)  # and once more, later

    for address in (*TEAM, "claire@example.fr"):
        assert len(stack.mail_to(address)) == 1, address
    assert len(stack.mail()) == 4


def test_a_failure_after_the_first_of_three_emails_does_not_send_the_first_again(
        stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    three_managers(stack)
    attempts = failing_once_at(monkeypatch, call=2)

    deliver(stack, event("PreEnrolmentSubmitted"))

    assert len(attempts) == 4  # 1st sent, 2nd failed; on retry: 1st skipped, 2nd and 3rd sent
    assert attempts.count(attempts[0]) == 1
    for address in TEAM:
        assert len(stack.mail_to(address)) == 1, address
    assert len(stack.mail()) == 3


def test_a_failed_send_is_retried_until_it_goes_out(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = failing_once_at(monkeypatch, call=1)

    deliver(stack, event("FileReturned"))

    assert attempts == ["claire@example.fr", "claire@example.fr"]
    assert len(stack.mail_to("claire@example.fr")) == 1


def test_a_staff_record_is_not_overwritten_by_a_late_redelivery(stack: Any) -> None:
    deliver(stack, staff("acc-julie", "julie@asso.fr", "Julie", ["acem-schweighouse"]))
    deliver(stack, event("EmailChanged", account_id="acc-julie", old_email="julie@asso.fr",
                         new_email="julie.schmitt@asso.fr", first_name="Julie"))
    # The creation comes again under a new event id (e.g. an outbox relay crash), after the change.
    deliver(stack, staff("acc-julie", "julie@asso.fr", "Julie", ["acem-schweighouse"]))
    deliver(stack, event("PreEnrolmentSubmitted"))

    assert [m["subject"] for m in stack.mail_to("julie@asso.fr")] == [
        "Votre adresse e-mail a été modifiée – Portail Familles"]
    assert len(stack.mail_to("julie.schmitt@asso.fr")) == 1
