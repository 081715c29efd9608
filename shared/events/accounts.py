"""Events published by the accounts service.

Events that lead to an email carry the raw single-use token: the email is sent by notifications, and
the token is stored hashed in accounts. The outbox drops the payload once it is published.
"""

from __future__ import annotations

from shared.events.base import Event


class AccountsEvent(Event):
    source = "portail.accounts"
    abstract = True


class AccountRegistered(AccountsEvent):
    account_id: str
    email: str
    civility: str
    first_name: str
    last_name: str
    verification_token: str


class VerificationEmailRequested(AccountsEvent):
    account_id: str
    email: str
    first_name: str
    verification_token: str


class SignupAttemptedOnExistingAccount(AccountsEvent):
    """Someone signed up with an address that has an account: we tell its owner instead of the caller."""

    account_id: str
    email: str
    first_name: str


class PasswordResetRequested(AccountsEvent):
    account_id: str
    email: str
    first_name: str
    reset_token: str


class PasswordChanged(AccountsEvent):
    account_id: str
    email: str
    first_name: str


class EmailChangeRequested(AccountsEvent):
    account_id: str
    new_email: str
    first_name: str
    confirmation_token: str


class EmailChanged(AccountsEvent):
    account_id: str
    old_email: str
    new_email: str
    first_name: str
    # A family's file must exist before its address can change (an early event is retried); a staff
    # account has no family file. Events published before this field existed were all families'.
    role: str = "family"


class StaffAccountCreated(AccountsEvent):
    """A staff account exists (invited or active): notifications keeps who to tell per structure."""

    account_id: str
    email: str
    first_name: str
    role: str
    structures: list[str]
    last_name: str = ""


class StaffAccountChanged(AccountsEvent):
    """An admin changed a staff account (name, role, structures) or (de)activated it: the services that
    keep a directory of staff (notifications' recipients, enrolment's names for the audit log) follow."""

    account_id: str
    email: str
    civility: str
    first_name: str
    last_name: str
    role: str
    structures: list[str]
    active: bool


class StaffInvited(AccountsEvent):
    account_id: str
    email: str
    first_name: str
    role: str
    structures: list[str]
    invitation_token: str


class SessionEnded(AccountsEvent):
    """One session ended (logout): every service refuses its token from now on (``shared.sessions``)."""

    account_id: str
    session_id: str
    expires_at: int  # when its token would have expired anyway (the ended-session record's TTL)


class SessionsRevoked(AccountsEvent):
    """Every session of the account opened before ``generation`` ended: a password reset or change, an
    e-mail change, a deactivation or a change of role or structures. Tokens carry the generation they
    were issued under (``gen``); each service refuses a token older than the newest generation it knows."""

    account_id: str
    generation: int
    reason: str  # password_reset, password_changed, email_changed, deactivated, scope_changed
