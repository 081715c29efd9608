"""The administrator's work on staff accounts: edit (name, role, structures), deactivate and reactivate,
re-send an invitation. Each change is a conditional write on the state it leaves, with its
``StaffAccountChanged`` event in the same transaction (notifications' recipients and enrolment's names
follow). A change of role or structures, and a deactivation, end the account's sessions: a token carries
its role and structures, so the old scope must not outlive the change."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator
from pynamodb.exceptions import TransactWriteError

from accounts import schemas, service, structures
from accounts.models import Account, Outbox
from shared import outbox
from shared.auth import STAFF_ROLES, Principal
from shared.ddb import transaction
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events import accounts as ev
from shared.fields import Body
from shared.http import Api, Req

# Roles whose scope must name structures (a committee or an admin without structures sees them all).
SCOPED_ROLES = ("manager", "coordinator")


class StaffUpdate(Body):
    civility: Literal["M.", "Mme"]
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    role: schemas.StaffRole
    structures: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("structures")
    @classmethod
    def _structures(cls, value: list[str]) -> list[str]:
        return sorted({s.strip() for s in value if s.strip()})


def check_scope(role: str, structures: list[str]) -> None:
    if role in SCOPED_ROLES and not structures:
        raise InvalidInput("Choisissez au moins une structure pour ce rôle.",
                           fields={"structures": "Au moins une structure."})


def _staff(account_id: str) -> Account:
    try:
        account = Account.get(*Account.key(account_id), consistent_read=True)
    except Account.DoesNotExist:
        raise NotFound("Ce compte professionnel n'existe pas.", fields={"account_id": "Compte inconnu."}) from None
    if account.role not in STAFF_ROLES:
        raise NotFound("Ce compte professionnel n'existe pas.", fields={"account_id": "Compte inconnu."})
    return account


def _changed(account: Account, correlation_id: str, **overrides: Any) -> Any:
    data = {"account_id": account.account_id, "email": account.email, "civility": account.civility,
            "first_name": account.first_name, "last_name": account.last_name, "role": account.role,
            "structures": list(account.structures or []), "active": account.status != "disabled", **overrides}
    return outbox.entry(Outbox, ev.StaffAccountChanged(**data, correlation_id=correlation_id))


def _write(account: Account, actions: list[Any], event: Any, message: str, end_sessions: str | None,
           correlation_id: str, scope: list[str] | None = None) -> None:
    """The account's change and its event in one transaction, conditional on the status read (the admin's
    audit event rides with it); with ``end_sessions`` (the reason), every session and e-mailed link of the
    account ends in the same transaction, in every service (decision 71: ``SessionsRevoked``); with
    ``scope``, each structure is checked in it too (an unknown one is named in a 400)."""
    same = Account.status == account.status
    checked = scope or []
    try:
        with transaction() as tx:
            structures.require(tx, checked)
            if end_sessions:
                service.end_all_sessions(tx, account, end_sessions, correlation_id, actions=actions, condition=same)
            else:
                tx.update(account, actions=actions, condition=same)
            tx.save(event)
    except TransactWriteError as exc:
        structures.refuse_unknown(checked, service.failed_conditions(exc))
        raise Conflict(message, fields={"account_id": "Modifié entre-temps."}) from None


def update(principal: Principal, account_id: str, body: StaffUpdate, correlation_id: str) -> Account:
    """Two requests: the account (GetItem), then one transaction (the change, the scope's structures
    checked, the event, the audit event); the answer is the account as written, not read again."""
    account = _staff(account_id)
    check_scope(body.role, body.structures)
    if account_id == principal.account_id and body.role != account.role:
        raise InvalidInput("Vous ne pouvez pas changer votre propre rôle.", fields={"role": "Votre propre compte."})
    rescoped = body.role != account.role or sorted(account.structures or []) != body.structures
    fields = body.model_dump()
    actions = [getattr(Account, name).set(value) for name, value in fields.items()]
    _write(account, actions, _changed(account, correlation_id, **fields),
           "Ce compte vient d'être modifié par quelqu'un d'autre : rechargez la page.",
           "rescoped" if rescoped else None, correlation_id, scope=body.structures)
    for name, value in fields.items():
        setattr(account, name, value)
    return account


def set_active(principal: Principal, account_id: str, active: bool, correlation_id: str) -> Account:
    account = _staff(account_id)
    if account_id == principal.account_id:
        raise InvalidInput("Vous ne pouvez pas désactiver votre propre compte.",
                           fields={"account_id": "Votre propre compte."})
    if active == (account.status != "disabled"):
        raise Conflict("Ce compte est déjà " + ("actif." if active else "désactivé."),
                       fields={"account_id": "Déjà dans cet état."})
    status = ("active" if account.password_hash else "invited") if active else "disabled"
    _write(account, [Account.status.set(status)], _changed(account, correlation_id, active=active),
           "Ce compte vient d'être modifié par quelqu'un d'autre : rechargez la page.",
           None if active else "deactivated", correlation_id)
    account.status = status
    return account


def reinvite(account_id: str, correlation_id: str) -> Account:
    """A new invitation e-mail (a new single-use link valid 7 days) to an account still waiting for it."""
    account = _staff(account_id)
    if account.status != "invited":
        raise Conflict("Ce compte a déjà choisi son mot de passe : il n'a plus besoin d'invitation.",
                       fields={"account_id": "Compte déjà actif."})
    raw, token = service._token_item("invite", account, service.INVITE_TTL)
    event = outbox.entry(Outbox, ev.StaffInvited(
        account_id=account_id, email=account.email, first_name=account.first_name, role=account.role,
        structures=list(account.structures or []), invitation_token=raw, correlation_id=correlation_id))
    try:
        with transaction() as tx:
            tx.condition_check(Account, account.pk, account.sk, condition=Account.status == "invited")
            tx.save(token)
            tx.save(event)
    except TransactWriteError:
        raise Conflict("Ce compte vient de changer : rechargez la page.", fields={"account_id": "Modifié."}) from None
    return account


def register(api: Api) -> None:
    roles = tuple(STAFF_ROLES)

    @api.route("/staff/{account_id}", ("PUT",), roles=roles)
    def put_staff(req: Req, account_id: str) -> dict[str, Any]:
        service.ensure_admin_only(req.principal)
        return service.public_view(update(req.principal, account_id, req.body(StaffUpdate), req.correlation_id))

    @api.route("/staff/{account_id}/deactivate", ("POST",), roles=roles)
    def deactivate(req: Req, account_id: str) -> dict[str, Any]:
        service.ensure_admin_only(req.principal)
        return service.public_view(set_active(req.principal, account_id, False, req.correlation_id))

    @api.route("/staff/{account_id}/reactivate", ("POST",), roles=roles)
    def reactivate(req: Req, account_id: str) -> dict[str, Any]:
        service.ensure_admin_only(req.principal)
        return service.public_view(set_active(req.principal, account_id, True, req.correlation_id))

    @api.route("/staff/{account_id}/invitation", ("POST",), roles=roles, status=202)
    def resend_invitation(req: Req, account_id: str) -> dict[str, Any]:
        service.ensure_admin_only(req.principal)
        account = reinvite(account_id, req.correlation_id)
        return {"message": f"Une nouvelle invitation a été envoyée à {account.email}."}
