"""Ended sessions, known to every service that accepts tokens, without calling accounts.

Access tokens are signed JWTs every service verifies itself (:mod:`shared.auth`). To end a session
before its token expires, accounts publishes a fact and each service keeps its own read model of it in
its own table, which the shared authorizer reads on every request (one BatchGetItem of two keys):

- ``SessionEnded`` (logout): ``AUTH#<account>/SESSION#<sid>``, kept until the token would expire;
- ``SessionsRevoked`` (password reset or change, e-mail change, deactivation, new role or structures):
  ``AUTH#<account>/GENERATION`` = the account's new session generation. A token carries the generation
  it was issued under (claim ``gen``); one older than the newest generation known is refused.

Accounts writes the same items in the transaction that ends the sessions (its own routes refuse the
token at once); enrolment and planning write them from the events (refused once the event is consumed,
seconds later, instead of up to the token's hour). Records only move forward: a generation never goes
down, so late or repeated events are harmless.

To end every session of an account (e.g. « désactiver un compte »), accounts calls
``accounts.service.end_all_sessions(tx, account, reason, correlation_id)`` inside the transaction that
makes the change.
"""

from __future__ import annotations

import contextlib
from typing import Any

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from shared.events import accounts as ev


def revocation_model(base: type[Model]) -> type[Any]:
    """The ended-session records in ``base``'s table."""

    class SessionRevocation(base):  # type: ignore[misc, valid-type]
        generation = NumberAttribute(null=True)  # on the GENERATION item

    SessionRevocation.__qualname__ = SessionRevocation.__name__ = f"{base.__name__}SessionRevocation"
    return SessionRevocation


def generation_key(account_id: str) -> tuple[str, str]:
    return f"AUTH#{account_id}", "GENERATION"


def session_key(account_id: str, session_id: str) -> tuple[str, str]:
    return f"AUTH#{account_id}", f"SESSION#{session_id}"


def is_ended(model: type[Any], account_id: str, session_id: str, generation: int) -> bool:
    """True when the session was ended (logout) or the account's sessions were revoked since its token."""
    for item in model.batch_get([generation_key(account_id), session_key(account_id, session_id)],
                                consistent_read=True):
        if item.sk == "GENERATION":
            if int(item.generation or 0) > generation:
                return True
        else:
            return True
    return False


def ended_session_item(model: type[Any], account_id: str, session_id: str, expires_at: int) -> Any:
    pk, sk = session_key(account_id, session_id)
    return model(pk=pk, sk=sk, ttl=expires_at)


def generation_item(model: type[Any], account_id: str, generation: int) -> Any:
    pk, sk = generation_key(account_id)
    return model(pk=pk, sk=sk, generation=generation)


def record_session_ended(model: type[Any], event: ev.SessionEnded) -> dict[str, Any]:
    ended_session_item(model, event.account_id, event.session_id, event.expires_at).save()
    return {"account_id": event.account_id}


def record_sessions_revoked(model: type[Any], event: ev.SessionsRevoked) -> dict[str, Any]:
    """Raise the account's generation to the event's, never lower it (events may come out of order)."""
    pk, sk = generation_key(event.account_id)
    with contextlib.suppress(UpdateError):
        model(pk=pk, sk=sk).update(
            actions=[model.generation.set(event.generation)],
            condition=model.generation.does_not_exist() | (model.generation < event.generation))
    return {"account_id": event.account_id, "generation": event.generation}


def subscribe(consumer: Any, model: type[Any]) -> None:
    """Register the two handlers on a service's consumer (its queue's rule routes both events)."""
    consumer.on(ev.SessionEnded)(lambda event: record_session_ended(model, event))
    consumer.on(ev.SessionsRevoked)(lambda event: record_sessions_revoked(model, event))
