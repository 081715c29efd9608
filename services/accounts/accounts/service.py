"""Accounts use cases: each writes its items and the event announcing it in one transaction.

No answer here tells a caller whether an address has an account (signup, resend, forgotten password and
login all answer the same way); the owner of the address learns what happened by e-mail instead.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from accounts import schemas
from accounts.models import (
    Account,
    AddressAttr,
    Base,
    EmailLock,
    LoginThrottle,
    Outbox,
    ResetCooldown,
    Revocation,
    Session,
    Token,
)
from shared import audit, clock, ddb, outbox, sessions
from shared.auth import TOKEN_TTL, Principal, Role, issue_token
from shared.ddb import transaction
from shared.errors import ApiError, Conflict, Forbidden, InvalidInput, TooManyRequests, Unauthenticated
from shared.events import accounts as ev
from shared.tokens import digest, new_secret

VERIFY_TTL = timedelta(hours=48)
RESET_TTL = timedelta(hours=2)
INVITE_TTL = timedelta(days=7)
EMAIL_CHANGE_TTL = timedelta(hours=48)
RESEND_INTERVAL = timedelta(minutes=1)
RESET_COOLDOWN = timedelta(minutes=5)
FAILURE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Limit:
    """Failed logins allowed freely per window on one key, then an escalating delay (1 s, 2 s, 4 s…) up
    to ``cap`` seconds before the next password is evaluated. Never a lock: the owner waits at most
    ``cap`` seconds on their address, and a reset lifts it."""

    kind: str
    free: int
    cap: int

    def delay(self, failures: int) -> int:
        return 0 if failures < self.free else min(2 ** (failures - self.free), self.cap)


ADDRESS_LIMIT = Limit("LOGIN", free=5, cap=60)
CLIENT_LIMIT = Limit("CLIENT", free=20, cap=15 * 60)

hasher = PasswordHasher()  # argon2id with the library's recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the account is unknown (same work either way). Computed on first
    use, not at import: 64 MiB and ~0.1 s that every function of the service would pay at cold start."""
    return hasher.hash("not-a-real-password-0")


INVALID_LINK = ("Ce lien n'est plus valide : il a déjà été utilisé ou il a expiré. "
                "Demandez un nouveau lien.")


def _ts(delta: timedelta = timedelta(0)) -> int:
    return int((clock.now() + delta).timestamp())


def _get(model: type[Any], key: tuple[str, str]) -> Any | None:
    try:
        return model.get(*key, consistent_read=True)
    except DoesNotExist:
        return None


def _batch_get(keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The raw items of ``keys`` that exist, read in one strongly consistent BatchGetItem (items of several
    kinds at once, which PynamoDB's ``Model.batch_get`` cannot do); build each with ``Model.from_raw_data``."""
    table = Base.Meta.table_name
    request: dict[str, Any] = {table: {"ConsistentRead": True, "Keys": [
        {"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in dict.fromkeys(keys)]}}
    found: dict[tuple[str, str], dict[str, Any]] = {}
    while request:
        answer = ddb.connection().client.batch_get_item(RequestItems=request)
        for raw in answer.get("Responses", {}).get(table, []):
            found[(raw["pk"]["S"], raw["sk"]["S"])] = raw
        request = answer.get("UnprocessedKeys") or {}
    return found


CONDITION_FAILED, CONFLICT = "ConditionalCheckFailed", "TransactionConflict"


def failed_conditions(exc: TransactWriteError) -> list[str | None]:
    """Per item of a cancelled transaction (condition checks, then deletes, puts, updates, each in the
    order added): why it failed (``CONDITION_FAILED``, or ``CONFLICT`` when another transaction was
    changing it at that moment, as DynamoDB reports), or None. Raises ``exc`` again when the transaction
    was cancelled for another reason (throttling, a bad request): that is not an answer about the data."""
    reasons = exc.cancellation_reasons
    codes = [reason.code if reason is not None else None for reason in reasons]
    if not reasons or not {code for code in codes if code} <= {CONDITION_FAILED, CONFLICT}:
        raise exc
    return codes


def account_by_email(email: str) -> Account | None:
    lock = _get(EmailLock, EmailLock.key(email))
    return _get(Account, Account.key(lock.account_id)) if lock else None


def generation(account: Account) -> int:
    return int(account.generation or 0)


def _generation_is(seen: int) -> Any:
    """The account exists and its generation is ``seen`` (no reset, change or deactivation since)."""
    same = (Account.generation == seen) if seen else (Account.generation.does_not_exist()
                                                      | (Account.generation == 0))
    return Account.pk.exists() & same


def _same_generation(account: Account) -> Any:
    """The account's generation is still the one read (no reset, change or deactivation meanwhile)."""
    return _generation_is(generation(account))


def _token_item(purpose: str, account: Account | None, ttl: timedelta,
                new_email: str | None = None) -> tuple[str, Token]:
    raw, hashed = new_secret()
    pk, sk = Token.key(hashed)
    expires = _ts(ttl)
    return raw, Token(pk=pk, sk=sk, purpose=purpose, account_id=account.account_id if account else "",
                      expires_at=expires, new_email=new_email, ttl=expires,
                      generation=generation(account) if account else 0)


def end_all_sessions(tx: Any, account: Account, reason: str, correlation_id: str,
                     actions: list[Any] | None = None, condition: Any = None) -> int:
    """Add to ``tx`` the end of every session and e-mailed link of ``account``; returns the new generation.

    The account's generation goes up by one, conditional on the one read (with ``actions`` and
    ``condition``, the caller's own change of the account item, written in the same update); accounts'
    ended-session record is written at once and ``SessionsRevoked`` tells enrolment and planning, whose
    authorizers then refuse every older token. Outstanding reset, e-mail change and invitation links
    carry the older generation and no longer work. Use it for a reset, a password or e-mail change, a
    deactivation, or a new role or scope (the token carries them).
    """
    new = generation(account) + 1
    guard = _same_generation(account) if condition is None else _same_generation(account) & condition
    tx.update(account, actions=[*(actions or []), Account.generation.set(new)], condition=guard)
    tx.save(sessions.generation_item(Revocation, account.account_id, new))
    tx.save(outbox.entry(Outbox, ev.SessionsRevoked(account_id=account.account_id, generation=new, reason=reason,
                                                    correlation_id=correlation_id)))
    return new


def _verification(account: Account, tx: Any) -> str:
    """A fresh confirmation secret for ``account`` (the previous one is revoked)."""
    raw, token = _token_item("verify", account, VERIFY_TTL)
    if account.verification_token_hash:
        tx.delete(Token(*Token.key(account.verification_token_hash)))
    tx.save(token)
    account.verification_token_hash = token.pk.removeprefix("TOKEN#")
    account.verification_sent_at = clock.now()
    return raw


# --- signup and e-mail confirmation -------------------------------------------------------------------

def signup(body: schemas.Signup, correlation_id: str) -> dict[str, str]:
    """One transaction whose condition on the address's key item is the uniqueness check: nothing is read
    before it. Only when the address is taken is its account read, to e-mail its owner instead."""
    password_hash = hasher.hash(body.password)  # for a known address too: the answer takes as long
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
    except TransactWriteError as exc:
        failed_conditions(exc)  # the address is taken, or being taken by a concurrent sign-up: same answer
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


def _invalid_link() -> InvalidInput:
    return InvalidInput(INVALID_LINK, code="invalid_token", fields={"token": "Lien invalide ou expiré."})


def _read_token(raw: str, *purposes: str) -> Token:
    """The e-mailed link's token if it is for one of ``purposes`` and not expired (used links are deleted)."""
    token = _get(Token, Token.key(digest(raw)))
    if token is None or token.purpose not in purposes or token.expires_at <= _ts() or not token.account_id:
        raise _invalid_link()
    return token


def _take_token(raw: str, *purposes: str) -> tuple[Token, Account]:
    """The e-mailed link's token and its account, if the link is still good: not used, not expired, and
    issued under the account's current generation (a reset or change since kills it)."""
    token = _read_token(raw, *purposes)
    account = _get(Account, Account.key(token.account_id))
    if account is None or int(token.generation or 0) != generation(account):
        raise _invalid_link()
    return token, account


def verify_email(raw: str) -> None:
    """Read the token, then one transaction: the token used, the account confirmed provided its generation is
    still the token's (the account itself is not read: the condition says all the write needs)."""
    token = _read_token(raw, "verify")
    try:
        with transaction() as tx:
            tx.delete(token, condition=Token.pk.exists())
            tx.update(Account(*Account.key(token.account_id)),
                      actions=[Account.status.set("active"), Account.confirmed_at.set(clock.now()),
                               Account.verification_token_hash.remove()],
                      condition=_generation_is(int(token.generation or 0)))
    except TransactWriteError as exc:
        failed_conditions(exc)
        raise _invalid_link() from None


# --- login, sessions ----------------------------------------------------------------------------------

@dataclass
class LoginResult:
    access_token: str
    expires_in: int
    account: Account


def _wait_message(seconds: int) -> str:
    wait = f"{seconds} seconde(s)" if seconds < 120 else f"{(seconds + 59) // 60} minute(s)"
    return (f"Trop de tentatives de connexion. Réessayez dans {wait}, ou réinitialisez votre mot de passe "
            "(« Mot de passe oublié »).")


Reservation = tuple[tuple[str, str], int]  # a throttle's key and the attempt count this login reserved


def _reserve(lock_key: tuple[str, str], limits: list[tuple[tuple[str, str], Limit]],
             ) -> tuple[EmailLock | None, list[Reservation]]:
    """Count one more attempt on each throttle key before the password is evaluated, and read the address's
    key item on the way: one BatchGetItem (the key item and the throttles), then one transaction of
    conditional puts on the counts read, so parallel guesses are each counted and the delay set by one holds
    back the others (never read-modify-write). A key still delayed answers 429 with the longest wait, and
    then nothing is counted (the attempt was not evaluated)."""
    for _ in range(25):
        found = _batch_get([lock_key, *(key for key, _ in limits)])
        items = [(key, limit, LoginThrottle.from_raw_data(found[key]) if key in found else None)
                 for key, limit in limits]
        now = _ts()
        window = int(FAILURE_WINDOW.total_seconds())
        waits = [int(item.next_at) - now for _, _, item in items if item is not None and int(item.next_at or 0) > now]
        if waits:
            raise TooManyRequests(_wait_message(max(waits)))
        reserved: list[Reservation] = []
        try:
            with transaction() as tx:
                for key, limit, item in items:
                    fresh = item is None or int(item.window_start) < now - window
                    count = 1 if fresh or item is None else int(item.attempts) + 1
                    start = now if fresh or item is None else int(item.window_start)
                    seen = LoginThrottle.pk.does_not_exist() if item is None else (
                        (LoginThrottle.attempts == item.attempts) & (LoginThrottle.window_start == item.window_start))
                    tx.save(LoginThrottle(*key, attempts=count, window_start=start, next_at=now + limit.delay(count),
                                          ttl=now + window + limit.cap), condition=seen)
                    reserved.append((key, count))
        except TransactWriteError as exc:
            failed_conditions(exc)
            continue  # another attempt was counted meanwhile: read again
        return (EmailLock.from_raw_data(found[lock_key]) if lock_key in found else None), reserved
    raise TooManyRequests(_wait_message(1))  # a storm of parallel attempts on these keys: retry shortly


def _release(tx: Any, reserved: list[Reservation]) -> None:
    """A successful login is not a failure: give back the attempt it reserved, and the delay it set, provided
    no other attempt was counted since (then theirs stands: see :func:`_released`)."""
    for key, count in reserved:
        tx.update(LoginThrottle(*key), actions=[LoginThrottle.attempts.set(count - 1), LoginThrottle.next_at.set(0)],
                  condition=LoginThrottle.attempts == count)


def _released(reserved: list[Reservation], session: Session | None = None) -> None:
    """Write ``session`` (if any) and give back the reserved attempts in one transaction. When other attempts
    were counted since on a key, that key keeps its count and the session is written on its own."""
    try:
        with transaction() as tx:
            if session is not None:
                tx.save(session)
            _release(tx, reserved)
    except TransactWriteError as exc:
        failed_conditions(exc)
        if session is not None:
            session.save()
        for key, count in reserved:
            with contextlib.suppress(UpdateError):
                LoginThrottle(*key).update(actions=[LoginThrottle.attempts.set(count - 1),
                                                    LoginThrottle.next_at.set(0)],
                                           condition=LoginThrottle.attempts == count)


def _password_ok(account: Account | None, password: str) -> bool:
    """Always runs one argon2 verification, so timing does not tell whether the address exists."""
    try:
        hasher.verify(account.password_hash if account and account.password_hash else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return account is not None and account.password_hash is not None


def login(email: str, password: str, client: str = "") -> LoginResult:
    """Slowed per client address and per e-mail address; the owner is never locked out (see :class:`Limit`).

    Four requests for a success, three for a failure: the key item and the throttles (one BatchGetItem),
    the attempt counted (one transaction), the account (GetItem, of a key that cannot exist when the
    address has no account: the same work either way), then the session and the attempt given back
    (one transaction)."""
    limits = [(LoginThrottle.key(digest(client or "unknown"), CLIENT_LIMIT.kind), CLIENT_LIMIT),
              (LoginThrottle.key(digest(email), ADDRESS_LIMIT.kind), ADDRESS_LIMIT)]
    lock, reserved = _reserve(EmailLock.key(email), limits)
    account = _get(Account, Account.key(lock.account_id if lock else "-"))
    if not _password_ok(account, password):
        raise Unauthenticated("Adresse e-mail ou mot de passe incorrect.", code="invalid_credentials")
    assert account is not None
    if account.status == "pending":
        _released(reserved)
        raise Forbidden("Votre adresse e-mail n'est pas encore confirmée. Cliquez sur le lien que nous vous "
                        "avons envoyé par e-mail ; pensez à vérifier vos spams (courriers indésirables).",
                        code="email_not_confirmed")
    if account.status != "active":
        _released(reserved)
        raise Unauthenticated("Adresse e-mail ou mot de passe incorrect.", code="invalid_credentials")
    session_id = str(uuid.uuid4())
    token, expires_in = issue_token(Principal(account.account_id, Role(account.role), session_id,
                                              tuple(account.structures or ()), generation(account)))
    pk, sk = Session.key(account.account_id, session_id)
    _released(reserved, Session(pk=pk, sk=sk, created_at=clock.now(), ttl=_ts(timedelta(seconds=expires_in))))
    return LoginResult(token, expires_in, account)


def current_account(principal: Principal) -> Account:
    """The caller's account. Its session is not read again: the authorizer has just refused a token whose
    session ended (logout) or whose generation is outdated (``shared.sessions``, written in the same
    transaction as the change); the account's own generation and status are checked here too."""
    account = _get(Account, Account.key(principal.account_id))
    if account is None or account.status != "active" or generation(account) > principal.generation:
        raise Unauthenticated()
    return account


def logout(principal: Principal) -> None:
    """End this session here and, through ``SessionEnded``, in every service."""
    expires = _ts(TOKEN_TTL)
    with transaction() as tx:
        tx.delete(Session(*Session.key(principal.account_id, principal.session_id)))
        tx.save(sessions.ended_session_item(Revocation, principal.account_id, principal.session_id, expires))
        tx.save(outbox.entry(Outbox, ev.SessionEnded(account_id=principal.account_id,
                                                     session_id=principal.session_id, expires_at=expires)))


# --- passwords ---------------------------------------------------------------------------------------

def change_password(principal: Principal, body: schemas.PasswordChange, correlation_id: str) -> None:
    account = current_account(principal)
    if not _password_ok(account, body.current_password):
        raise InvalidInput("Le mot de passe actuel est incorrect.",
                           fields={"current_password": "Mot de passe incorrect."})
    try:
        with transaction() as tx:
            end_all_sessions(tx, account, "password_changed", correlation_id,
                             actions=[Account.password_hash.set(hasher.hash(body.new_password))])
            tx.save(outbox.entry(Outbox, ev.PasswordChanged(
                account_id=account.account_id, email=account.email, first_name=account.first_name,
                correlation_id=correlation_id)))
    except TransactWriteError:
        raise Unauthenticated() from None  # the sessions ended meanwhile (a reset): log in again


def forgot_password(email: str, correlation_id: str) -> None:
    """One e-mail per address per ``RESET_COOLDOWN``; the same reads and one transaction whether the
    address has an account or not, so neither the answer nor its time tells."""
    lock = _get(EmailLock, EmailLock.key(email))
    account = _get(Account, Account.key(lock.account_id if lock else "-"))
    raw, token = _token_item("reset", account, RESET_TTL)  # without an account: a link to nothing
    pk, sk = ResetCooldown.key(digest(email))
    cooldown = ResetCooldown(pk=pk, sk=sk, until=_ts(RESET_COOLDOWN), ttl=_ts(RESET_COOLDOWN))
    try:
        with transaction() as tx:
            tx.save(cooldown, condition=ResetCooldown.pk.does_not_exist() | (ResetCooldown.until <= _ts()))
            tx.save(token)
            if account is not None:
                tx.save(outbox.entry(Outbox, ev.PasswordResetRequested(
                    account_id=account.account_id, email=account.email, first_name=account.first_name,
                    reset_token=raw, correlation_id=correlation_id)))
    except TransactWriteError:
        return  # an e-mail left less than RESET_COOLDOWN ago: the same answer, no second e-mail


def reset_password(body: schemas.PasswordReset, correlation_id: str) -> None:
    """Sets the password from an e-mailed link (reset or staff invitation); it proves the address too.
    Every other session, reset link and pending e-mail change of the account ends with it."""
    token, account = _take_token(body.token, "reset", "invite")
    actions = [Account.password_hash.set(hasher.hash(body.new_password)), Account.status.set("active")]
    if account.confirmed_at is None:
        actions.append(Account.confirmed_at.set(clock.now()))
    try:
        with transaction() as tx:
            tx.delete(token, condition=Token.pk.exists())
            # The throttling message offers a reset as the way out: the new password works at once.
            tx.delete(LoginThrottle(*LoginThrottle.key(digest(account.email), ADDRESS_LIMIT.kind)))
            end_all_sessions(tx, account, "password_reset", correlation_id, actions=actions)
            tx.save(outbox.entry(Outbox, ev.PasswordChanged(
                account_id=account.account_id, email=account.email, first_name=account.first_name,
                correlation_id=correlation_id)))
    except TransactWriteError:
        raise _invalid_link() from None


# --- e-mail change -----------------------------------------------------------------------------------

def request_email_change(principal: Principal, body: schemas.EmailChange, correlation_id: str) -> None:
    account = current_account(principal)
    if not _password_ok(account, body.password):
        raise InvalidInput("Le mot de passe est incorrect.", fields={"password": "Mot de passe incorrect."})
    if body.new_email == account.email:
        raise InvalidInput("C'est déjà votre adresse e-mail.", fields={"new_email": "Adresse identique."})
    if account_by_email(body.new_email) is not None:
        return  # same answer as a success: the address's owner is not revealed
    raw, token = _token_item("email_change", account, EMAIL_CHANGE_TTL, new_email=body.new_email)
    with transaction() as tx:
        tx.save(token)
        tx.save(outbox.entry(Outbox, ev.EmailChangeRequested(
            account_id=account.account_id, new_email=body.new_email, first_name=account.first_name,
            confirmation_token=raw, correlation_id=correlation_id)))


def confirm_email_change(raw: str, correlation_id: str) -> None:
    """Moves the account to the confirmed address; every session and other link of the account ends."""
    token, account = _take_token(raw, "email_change")
    if not token.new_email:
        raise _invalid_link()
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
            end_all_sessions(tx, account, "email_changed", correlation_id, actions=actions)
            tx.save(outbox.entry(Outbox, ev.EmailChanged(
                account_id=account.account_id, old_email=old_email, new_email=new_email,
                first_name=account.first_name, role=account.role, correlation_id=correlation_id)))
    except TransactWriteError:
        _take_token(raw, "email_change")  # used or outdated meanwhile: the invalid-link answer
        raise Conflict("Cette adresse e-mail ne peut pas être utilisée. Choisissez-en une autre.",
                       fields={"token": "Adresse indisponible."}) from None


# --- staff ---------------------------------------------------------------------------------------------

def create_staff(body: schemas.StaffCreate, correlation_id: str, password: str | None = None,
                 check_structures: bool = False) -> Account:
    """A staff account: invited by e-mail to choose a password, or active at once when ``password`` is
    given (the ops command line and the demo data). One transaction: the account, its address's key item
    (the uniqueness check), its events, and with ``check_structures`` a check that each structure of its
    scope is in the catalogue (an unknown one is named in a 400); the admin's audit event rides with it."""
    from accounts import structures

    account_id = str(uuid.uuid4())
    audit.note(account_id=account_id)
    pk, sk = Account.key(account_id)
    account = Account(
        pk=pk, sk=sk, account_id=account_id, email=body.email, civility=body.civility,
        first_name=body.first_name, last_name=body.last_name, status="active" if password else "invited",
        password_hash=hasher.hash(password) if password else None, role=body.role,
        structures=body.structures, created_at=clock.now(), confirmed_at=clock.now() if password else None,
        gsi1pk="STAFF", gsi1sk=body.email,
    )
    checked = body.structures if check_structures else []
    try:
        with transaction() as tx:
            structures.require(tx, checked)
            tx.save(account, condition=Account.pk.does_not_exist())
            tx.save(EmailLock(*EmailLock.key(body.email), account_id=account_id),
                    condition=EmailLock.pk.does_not_exist())
            tx.save(outbox.entry(Outbox, ev.StaffAccountCreated(
                account_id=account_id, email=body.email, first_name=body.first_name, last_name=body.last_name,
                role=body.role, structures=body.structures, correlation_id=correlation_id)))
            if not password:
                raw, token = _token_item("invite", account, INVITE_TTL)
                tx.save(token)
                tx.save(outbox.entry(Outbox, ev.StaffInvited(
                    account_id=account_id, email=body.email, first_name=body.first_name, role=body.role,
                    structures=body.structures, invitation_token=raw, correlation_id=correlation_id)))
    except TransactWriteError as exc:
        structures.refuse_unknown(checked, failed_conditions(exc))
        raise Conflict("Un compte existe déjà avec cette adresse e-mail.",
                       fields={"email": "Adresse déjà utilisée."}) from None
    return account


def list_staff() -> list[Account]:
    return list(Account.by_kind.query("STAFF"))


def ensure_admin_only(principal: Principal) -> None:
    """Nothing is read: the authorizer has refused a token whose session ended or whose account's role,
    scope or status changed since (each ends the sessions), so the token's role is the account's."""
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
