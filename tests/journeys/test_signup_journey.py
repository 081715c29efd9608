"""The walking skeleton's journey, through the real path: HTTP → accounts → DynamoDB (state + outbox in
one transaction) → relay → EventBridge (rules of the deployed template) → SQS → notifications → SES."""

from __future__ import annotations

from typing import Any

import pytest

from shared import outbox
from tests.helpers import PASSWORD, link_token, signup_body


def test_signup_confirm_login_me(stack: Any) -> None:
    email = "claire.muller@example.fr"
    created = stack.call("POST", "/api/accounts/signup", signup_body(email))
    assert created.status_code == 201
    assert created.json == {"email": email, "status": "pending_confirmation"}

    refused = stack.call("POST", "/api/accounts/login", {"email": email, "password": PASSWORD})
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "email_not_confirmed"
    assert "spams" in refused.json["error"]["message"]

    stack.drain()
    mails = stack.mail_to(email)
    assert len(mails) == 1
    assert mails[0]["subject"].startswith("Confirmez votre adresse e-mail")
    assert "Bonjour Claire" in mails[0]["text"] and "Bonjour Claire" in mails[0]["html"]
    token = link_token(mails[0]["text"], "/confirmer-email")
    assert f"/confirmer-email?token={token}" in mails[0]["html"]

    assert stack.call("POST", "/api/accounts/verify", {"token": token}).status_code == 200
    again = stack.call("POST", "/api/accounts/verify", {"token": token})
    assert again.status_code == 400
    assert again.json["error"]["code"] == "invalid_token"

    logged = stack.call("POST", "/api/accounts/login", {"email": email, "password": PASSWORD})
    assert logged.status_code == 200
    access = logged.json["access_token"]
    me = stack.call("GET", "/api/accounts/me", token=access)
    assert me.status_code == 200
    assert me.json["email"] == email
    assert me.json["role"] == "family"
    assert me.json["phone"] == "+33612345678"
    assert me.json["address"]["city"] == "Schweighouse-sur-Moder"

    # The same event reached enrolment's queue, which opened the family file.
    family = stack.call("GET", "/api/enrolment/family", token=access)
    assert family.status_code == 200
    assert family.json["family_id"] == me.json["account_id"]


def test_event_delivered_twice_sends_one_email(stack: Any) -> None:
    from accounts.models import Outbox

    email = "deux.fois@example.fr"
    stack.call("POST", "/api/accounts/signup", signup_body(email))
    pending = list(Outbox.pending.query(outbox.PENDING))
    assert len(pending) == 1
    # The relay crashed after PutEvents and before marking the entry sent: it publishes again.
    snapshot = Outbox.get(pending[0].pk, pending[0].sk)
    outbox.publish(Outbox, [snapshot])
    snapshot.status = "pending"
    outbox.publish(Outbox, [snapshot])
    stack.drain()
    assert len(stack.mail_to(email)) == 1


def test_crash_between_state_write_and_publish_loses_no_event(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from accounts.models import Outbox

    email = "panne@example.fr"
    assert stack.call("POST", "/api/accounts/signup", signup_body(email)).status_code == 201

    class Down:
        def put_events(self, **_: Any) -> Any:
            raise ConnectionError("EventBridge unreachable")

    # The relay dies while publishing: the account is written, its event waits in the outbox.
    with monkeypatch.context() as patch:
        patch.setattr(outbox.aws, "client", lambda service: Down())
        with pytest.raises(ConnectionError):
            outbox.publish_pending(Outbox)
    assert [item.detail_type for item in Outbox.pending.query(outbox.PENDING)] == ["AccountRegistered"]
    assert stack.mail_to(email) == []

    # The relay comes back: the event is published, the e-mail sent, the entry marked and emptied.
    stack.drain()
    assert len(stack.mail_to(email)) == 1
    assert list(Outbox.pending.query(outbox.PENDING)) == []
    sent = Outbox.scan(Outbox.pk.startswith("OUTBOX#"))
    assert all(item.status == "sent" and item.detail is None for item in sent)


def test_a_send_that_keeps_failing_ends_in_the_dead_letter_queue(stack: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    from notifications import mailer

    def broken(email: Any) -> str:
        raise RuntimeError("SES is down")

    monkeypatch.setattr(mailer, "send", broken)
    stack.call("POST", "/api/accounts/signup", signup_body("dlq@example.fr"))
    stack.drain()
    assert stack.mail() == []
    sqs = boto3.client("sqs", region_name="eu-west-3")
    dlq = sqs.receive_message(QueueUrl=stack.outputs["NotificationsDlqUrl"], MaxNumberOfMessages=10)
    messages = dlq.get("Messages", [])
    assert len(messages) == 1
    assert '"detail-type": "AccountRegistered"' in messages[0]["Body"] or '"AccountRegistered"' in messages[0]["Body"]

    # Redriven once SES is back, the e-mail goes out exactly once.
    monkeypatch.undo()
    sqs.send_message(QueueUrl=stack.outputs["NotificationsQueueUrl"], MessageBody=messages[0]["Body"])
    stack.drain()
    assert len(stack.mail_to("dlq@example.fr")) == 1
