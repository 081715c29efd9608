"""Items of the accounts table (PynamoDB). Only this service reads or writes that table.

Keys: ``ACCOUNT#<id>/PROFILE`` the account; ``ACCOUNT#<id>/SESSION#<sid>`` its logins (kept until their
TTL; whether a session is still open is ``AUTH#…``'s, read by the authorizer);
``EMAIL#<address>/EMAIL`` the uniqueness lock of an address; ``TOKEN#<sha256>/TOKEN`` a pending e-mailed
secret; ``THROTTLE#<sha256(address)>/LOGIN`` failed logins of an address, ``/CLIENT`` of a client address,
``/RESET`` the forgotten-password cooldown; ``AUTH#<id>/…`` ended sessions (shared.sessions);
``OUTBOX#…`` and ``EVENT#…`` from the kernel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from shared.ddb import TableItem, gsi, string_list, table_model
from shared.idempotency import processed_model
from shared.outbox import outbox_model
from shared.sessions import revocation_model

if TYPE_CHECKING:  # a class mypy can subclass; at run time the same class bound to the service's table
    Base = TableItem
else:
    Base = table_model("accounts")
Outbox = outbox_model(Base)
ProcessedEvent = processed_model(Base)
Revocation = revocation_model(Base)  # ended sessions (shared.sessions), read by the authorizer


class AddressAttr(MapAttribute[str, str]):
    line1 = UnicodeAttribute()
    line2 = UnicodeAttribute(default="")
    postal_code = UnicodeAttribute()
    city = UnicodeAttribute()


class Account(Base):
    account_id = UnicodeAttribute()
    email = UnicodeAttribute()
    civility = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    address = AddressAttr(null=True)
    password_hash = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # pending (email not confirmed), active, invited (staff, no password yet)
    role = UnicodeAttribute()
    structures = string_list(default=list)
    created_at = UTCDateTimeAttribute()
    confirmed_at = UTCDateTimeAttribute(null=True)
    verification_sent_at = UTCDateTimeAttribute(null=True)
    verification_token_hash = UnicodeAttribute(null=True)
    # Session generation: raised by a reset, a password or e-mail change, a deactivation; every token and
    # e-mailed link issued under an older generation is dead (shared.sessions).
    generation = NumberAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)  # "STAFF" for staff accounts
    gsi1sk = UnicodeAttribute(null=True)
    by_kind = gsi(1)

    @staticmethod
    def key(account_id: str) -> tuple[str, str]:
        return f"ACCOUNT#{account_id}", "PROFILE"


class EmailLock(Base):
    account_id = UnicodeAttribute()

    @staticmethod
    def key(email: str) -> tuple[str, str]:
        return f"EMAIL#{email}", "EMAIL"


class Token(Base):
    purpose = UnicodeAttribute()  # verify, reset, invite, email_change
    account_id = UnicodeAttribute()
    expires_at = NumberAttribute()
    new_email = UnicodeAttribute(null=True)
    generation = NumberAttribute(null=True)  # the account's generation when the link was sent

    @staticmethod
    def key(token_hash: str) -> tuple[str, str]:
        return f"TOKEN#{token_hash}", "TOKEN"


class Session(Base):
    created_at = UTCDateTimeAttribute()

    @staticmethod
    def key(account_id: str, session_id: str) -> tuple[str, str]:
        return f"ACCOUNT#{account_id}", f"SESSION#{session_id}"


class LoginThrottle(Base):
    """Failed logins of one address (``LOGIN``) or one client address (``CLIENT``) in the current window;
    no password is evaluated before ``next_at`` (an escalating delay, never a lock)."""

    attempts = NumberAttribute(default=0)
    window_start = NumberAttribute()
    next_at = NumberAttribute(default=0)

    @staticmethod
    def key(email_hash: str, kind: str = "LOGIN") -> tuple[str, str]:
        return f"THROTTLE#{email_hash}", kind


class ResetCooldown(Base):
    """One forgotten-password e-mail per address per cooldown (kept until ``until``)."""

    until = NumberAttribute()

    @staticmethod
    def key(email_hash: str) -> tuple[str, str]:
        return f"THROTTLE#{email_hash}", "RESET"
