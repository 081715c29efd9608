"""Accounts use cases: each writes its items and the event announcing it in one transaction.

No answer here tells a caller whether an address has an account (signup, resend, forgotten password and
login all answer the same way); the owner of the address learns what happened by e-mail instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from accounts import schemas
from accounts.models import Account, AddressAttr, EmailLock, LoginThrottle, Outbox, Session, Token
from shared import clock, outbox
from shared.auth import Principal, Role, issue_token
from shared.ddb import transaction
from shared.errors import ApiError, Conflict, Forbidden, InvalidInput, TooManyRequests, Unauthenticated
from shared.events import accounts as ev
from shared.tokens import digest, new_secret

VERIFY_TTL = timedelta(hours=48)
RESET_TTL = timedelta(hours=2)
INVITE_TTL = timedelta(days=7)
EMAIL_CHANGE_TTL = timedelta(hours=48)
RESEND_INTERVAL = timedelta(minutes=1)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)

hasher = PasswordHasher()  # argon2id with the library's recommended parameters
_DUMMY_HASH = hasher.hash("not-a-real-password-0")

INVALID_LINK = ("Ce lien n'est plus valide : il a déjà été utilisé ou il a expiré. "
                "Demandez un nouveau lien.")


def _ts(delta: timedelta = timedelta(0)) -> int:
    return int((clock.now() + delta).timestamp())


def _get(model: type[Any], key: tuple[str, str]) -> Any | None:
    try:
        return model.get(*key, consistent_read=True)
    except DoesNotExist:
        return None


def account_by_email(email: str) -> Account | None:
    lock = _get(EmailLock, EmailLock.key(email))
    return _get(Account, Account.key(lock.account_id)) if lock else None


def _token_item(purpose: str, account_id: str, ttl: timedelta, new_email: str | None = None) -> tuple[str, Token]:
    raw, hashed = new_secret()
    pk, sk = Token.key(hashed)
    expires = _ts(ttl)
    return raw, Token(pk=pk, sk=sk, purpose=purpose, account_id=account_id, expires_at=expires,
                      new_email=new_email, ttl=expires)


def _verification(account: Account, tx: Any) -> str:
    """A fresh confirmation secret for ``account`` (the previous one is revoked)."""
    raw, token = _token_item("verify", account.account_id, VERIFY_TTL)
    if account.verification_token_hash:
        tx.delete(Token(*Token.key(account.verification_token_hash)))
    tx.save(token)
    account.verification_token_hash = token.pk.removeprefix("TOKEN#")
    account.verification_sent_at = clock.now()
    return raw


# --- signup and e-mail confirmation -------------------------------------------------------------------

def signup(body: schemas.Signup, correlation_id: str) -> dict[str, str]:
    password_hash = hasher.hash(body.password)  # for a known address too: the answer takes as long
    existing = account_by_email(body.email)
    if existing is None:
        account_id = str(uuid.uuid4())
        pk, sk = Account.key(account_id)
        account = Account(
            pk=pk, sk=sk, account_id=account_id, email=body.email, civility=body.civility,
            first_name=body.first_name, last_name=body.last_name, phone=body.phone,
            address=AddressAttr(**body.address.model_dump()), password_hash=password_hash,
            status="pending", role=Role.FAMILY.value, created_at=clock.now(),
        )
        lock = EmailLock(*EmailLock.key(body.email), account_id=account_id)
        try:
            with transaction() as tx:
                raw = _verification(account, tx)
                tx.save(account, condition=Account.pk.does_not_exist())
                tx.save(lock, condition=EmailLock.pk.does_not_exist())
                tx.save(outbox.entry(Outbox, ev.AccountRegistered(
                    account_id=account_id, email=body.email, civility=body.civility, first_name=body.first_name,
                    last_name=body.last_name, verification_token=raw, correlation_id=correlation_id)))
        except TransactWriteError:
            # The address was taken between our read and our write: same answer, nothing written.
            existing = account_by_email(body.email)
    if existing is not None:
        _tell_owner_of_signup_attempt(existing, correlation_id)
    return {"email": body.email, "status": "pending_confirmation"}


def _tell_owner_of_signup_attempt(account: Account, correlation_id: str) -> None:
    if account.status == "pending":
        resend_verification(account.email, correlation_id)
        return
    with transaction() as tx:
        tx.save(outbox.entry(Outbox, ev.SignupAttemptedOnExistingAccount(
            account_id=account.account_id, email=account.email, first_name=account.first_name,
            correlation_id=correlation_id)))


def resend_verification(email: str, correlation_id: str) -> None:
    account = account_by_email(email)
    if account is None or account.status != "pending":
        return
    if account.verification_sent_at and clock.now() - account.verification_sent_at < RESEND_INTERVAL:
        return
    with transaction() as tx:
        raw = _verification(account, tx)
        tx.save(account)
        tx.save(outbox.entry(Outbox, ev.VerificationEmailRequested(
            account_id=account.account_id, email=account.email, first_name=account.first_name,
            verification_token=raw, correlation_id=correlation_id)))


def _take_token(raw: str, *purposes: str) -> Token:
    token = _get(Token, Token.key(digest(raw)))
    if token is None or token.purpose not in purposes or token.expires_at <= _ts():
        raise InvalidInput(INVALID_LINK, code="invalid_token", fields={"token": "Lien invalide ou expiré."})
    return token


def verify_email(raw: str) -> None:
    token = _take_token(raw, "verify")
    account = _get(Account, Account.key(token.account_id))
    if account is None:
        raise InvalidInput(INVALID_LINK, code="invalid_token", fields={"token": "Lien invalide ou expiré."})
    try:
        with transaction() as tx:
            tx.delete(token, condition=Token.pk.exists())
            tx.update(account, actions=[Account.status.set("active"), Account.confirmed_at.set(clock.now()),
                                        Account.verification_token_hash.remove()])
    except TransactWriteError:
        raise InvalidInput(INVALID_LINK, code="invalid_token",
                           fields={"token": "Lien invalide ou expiré."}) from None


# --- login, sessions ----------------------------------------------------------------------------------

@dataclass
class LoginResult:
    access_token: str
    expires_in: int
    account: Account


def _throttle(email: str) -> LoginThrottle:
    key = LoginThrottle.key(digest(email))
    item = _get(LoginThrottle, key)
    # A window that is over starts afresh, unless it ended in a lock that still runs.
    if item is None or (item.window_start < _ts(-FAILURE_WINDOW) and item.locked_until <= _ts()):
        return LoginThrottle(*key, failures=0, window_start=_ts(), locked_until=0)
    return item


def _record_failure(throttle: LoginThrottle) -> None:
    throttle.failures += 1
    if throttle.failures >= MAX_FAILURES:
        throttle.locked_until = _ts(LOCKOUT)
    throttle.ttl = _ts(FAILURE_WINDOW + LOCKOUT)
    throttle.save()


def _password_ok(account: Account | None, password: str) -> bool:
    """Always runs one argon2 verification, so timing does not tell whether the address exists."""
    try:
        hasher.verify(account.password_hash if account and account.password_hash else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return account is not None and account.password_hash is not None


def login(email: str, password: str) -> LoginResult:
    throttle = _throttle(email)
    if throttle.locked_until > _ts():
        minutes = max(1, (throttle.locked_until - _ts() + 59) // 60)
        raise TooManyRequests(f"Trop de tentatives de connexion. Réessayez dans {minutes} minute(s) "
                              "ou réinitialisez votre mot de passe.")
    account = account_by_email(email)
    if not _password_ok(account, password):
        _record_failure(throttle)
        raise Unauthenticated("Adresse e-mail ou mot de passe incorrect.", code="invalid_credentials")
    assert account is not None
    if account.status == "pending":
        raise Forbidden("Votre adresse e-mail n'est pas encore confirmée. Cliquez sur le lien que nous vous "
                        "avons envoyé par e-mail ; pensez à vérifier vos spams (courriers indésirables).",
                        code="email_not_confirmed")
    if account.status != "active":
        raise Unauthenticated("Adresse e-mail ou mot de passe incorrect.", code="invalid_credentials")
    if throttle.failures:
        throttle.delete()
    session_id = str(uuid.uuid4())
    token, expires_in = issue_token(Principal(account.account_id, Role(account.role), session_id,
                                              tuple(account.structures or ())))
    pk, sk = Session.key(account.account_id, session_id)
    Session(pk=pk, sk=sk, created_at=clock.now(), ttl=_ts(timedelta(seconds=expires_in))).save()
    return LoginResult(token, expires_in, account)


def current_account(principal: Principal) -> Account:
    """The caller's account, provided its session is still open (logout and password changes end it)."""
    session = _get(Session, Session.key(principal.account_id, principal.session_id))
    account = _get(Account, Account.key(principal.account_id))
    if session is None or account is None or account.status != "active":
        raise Unauthenticated()
    return account


def logout(principal: Principal) -> None:
    Session(*Session.key(principal.account_id, principal.session_id)).delete()


def _end_sessions(account_id: str) -> None:
    with Session.batch_write() as batch:
        for session in Session.query(f"ACCOUNT#{account_id}", Session.sk.startswith("SESSION#")):
            batch.delete(session)


# --- passwords ---------------------------------------------------------------------------------------

def change_password(principal: Principal, body: schemas.PasswordChange, correlation_id: str) -> None:
    account = current_account(principal)
    if not _password_ok(account, body.current_password):
        raise InvalidInput("Le mot de passe actuel est incorrect.",
                           fields={"current_password": "Mot de passe incorrect."})
    with transaction() as tx:
        tx.update(account, actions=[Account.password_hash.set(hasher.hash(body.new_password))])
        tx.save(outbox.entry(Outbox, ev.PasswordChanged(
            account_id=account.account_id, email=account.email, first_name=account.first_name,
            correlation_id=correlation_id)))
    _end_sessions(account.account_id)


def forgot_password(email: str, correlation_id: str) -> None:
    account = account_by_email(email)
    if account is None:  # an invited staff member whose invitation expired gets a link as well
        return
    raw, token = _token_item("reset", account.account_id, RESET_TTL)
    with transaction() as tx:
        tx.save(token)
        tx.save(outbox.entry(Outbox, ev.PasswordResetRequested(
            account_id=account.account_id, email=account.email, first_name=account.first_name,
            reset_token=raw, correlation_id=correlation_id)))


def reset_password(body: schemas.PasswordReset, correlation_id: str) -> None:
    """Sets the password from an e-mailed link (reset or staff invitation); it proves the address too."""
    token = _take_token(body.token, "reset", "invite")
    account = _get(Account, Account.key(token.account_id))
    if account is None:
        raise InvalidInput(INVALID_LINK, code="invalid_token", fields={"token": "Lien invalide ou expiré."})
    actions = [Account.password_hash.set(hasher.hash(body.new_password)), Account.status.set("active")]
    if account.confirmed_at is None:
        actions.append(Account.confirmed_at.set(clock.now()))
    try:
        with transaction() as tx:
            tx.delete(token, condition=Token.pk.exists())
            tx.update(account, actions=actions)
            tx.save(outbox.entry(Outbox, ev.PasswordChanged(
                account_id=account.account_id, email=account.email, first_name=account.first_name,
                correlation_id=correlation_id)))
    except TransactWriteError:
        raise InvalidInput(INVALID_LINK, code="invalid_token",
                           fields={"token": "Lien invalide ou expiré."}) from None
    _end_sessions(account.account_id)
    # The lockout message offers a reset as the way out: the new password works at once.
    LoginThrottle(*LoginThrottle.key(digest(account.email))).delete()


# --- e-mail change -----------------------------------------------------------------------------------

def request_email_change(principal: Principal, body: schemas.EmailChange, correlation_id: str) -> None:
    account = current_account(principal)
    if not _password_ok(account, body.password):
        raise InvalidInput("Le mot de passe est incorrect.", fields={"password": "Mot de passe incorrect."})
    if body.new_email == account.email:
        raise InvalidInput("C'est déjà votre adresse e-mail.", fields={"new_email": "Adresse identique."})
    if account_by_email(body.new_email) is not None:
        return  # same answer as a success: the address's owner is not revealed
    raw, token = _token_item("email_change", account.account_id, EMAIL_CHANGE_TTL, new_email=body.new_email)
    with transaction() as tx:
        tx.save(token)
        tx.save(outbox.entry(Outbox, ev.EmailChangeRequested(
            account_id=account.account_id, new_email=body.new_email, first_name=account.first_name,
            confirmation_token=raw, correlation_id=correlation_id)))


def confirm_email_change(raw: str, correlation_id: str) -> None:
    token = _take_token(raw, "email_change")
    account = _get(Account, Account.key(token.account_id))
    if account is None or not token.new_email:
        raise InvalidInput(INVALID_LINK, code="invalid_token", fields={"token": "Lien invalide ou expiré."})
    old_email, new_email = account.email, token.new_email
    try:
        with transaction() as tx:
            tx.delete(token, condition=Token.pk.exists())
            tx.save(EmailLock(*EmailLock.key(new_email), account_id=account.account_id),
                    condition=EmailLock.pk.does_not_exist())
            tx.delete(EmailLock(*EmailLock.key(old_email)))
            actions = [Account.email.set(new_email)]
            if account.gsi1pk == "STAFF":
                actions.append(Account.gsi1sk.set(new_email))
            tx.update(account, actions=actions)
            tx.save(outbox.entry(Outbox, ev.EmailChanged(
                account_id=account.account_id, old_email=old_email, new_email=new_email,
                first_name=account.first_name, correlation_id=correlation_id)))
    except TransactWriteError:
        raise Conflict("Cette adresse e-mail ne peut pas être utilisée. Choisissez-en une autre.",
                       fields={"token": "Adresse indisponible."}) from None


# --- staff ---------------------------------------------------------------------------------------------

def create_staff(body: schemas.StaffCreate, correlation_id: str, password: str | None = None) -> Account:
    """A staff account: invited by e-mail to choose a password, or active at once when ``password`` is
    given (the ops command line and the demo data)."""
    account_id = str(uuid.uuid4())
    pk, sk = Account.key(account_id)
    account = Account(
        pk=pk, sk=sk, account_id=account_id, email=body.email, civility=body.civility,
        first_name=body.first_name, last_name=body.last_name, status="active" if password else "invited",
        password_hash=hasher.hash(password) if password else None, role=body.role,
        structures=body.structures, created_at=clock.now(), confirmed_at=clock.now() if password else None,
        gsi1pk="STAFF", gsi1sk=body.email,
    )
    try:
        with transaction() as tx:
            tx.save(account, condition=Account.pk.does_not_exist())
            tx.save(EmailLock(*EmailLock.key(body.email), account_id=account_id),
                    condition=EmailLock.pk.does_not_exist())
            tx.save(outbox.entry(Outbox, ev.StaffAccountCreated(
                account_id=account_id, email=body.email, first_name=body.first_name, last_name=body.last_name,
                role=body.role, structures=body.structures, correlation_id=correlation_id)))
            if not password:
                raw, token = _token_item("invite", account_id, INVITE_TTL)
                tx.save(token)
                tx.save(outbox.entry(Outbox, ev.StaffInvited(
                    account_id=account_id, email=body.email, first_name=body.first_name, role=body.role,
                    structures=body.structures, invitation_token=raw, correlation_id=correlation_id)))
    except TransactWriteError:
        raise Conflict("Un compte existe déjà avec cette adresse e-mail.",
                       fields={"email": "Adresse déjà utilisée."}) from None
    return account


def list_staff() -> list[Account]:
    return list(Account.by_kind.query("STAFF"))


def ensure_admin_only(principal: Principal) -> None:
    current_account(principal)  # a token whose session ended (logout, password change) is refused here too
    if principal.role != Role.ADMIN:
        raise ApiError("Seul un administrateur peut gérer les comptes professionnels.", code="forbidden",
                       status=403)


def public_view(account: Account) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "email": account.email,
        "civility": account.civility,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "phone": account.phone,
        "address": account.address.as_dict() if account.address else None,
        "role": account.role,
        "structures": list(account.structures or []),
        "status": account.status,
        "created_at": account.created_at.isoformat(),
    }
