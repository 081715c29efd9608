"""HTTP routes of accounts: thin, the use cases live in :mod:`accounts.service`."""

from __future__ import annotations

from typing import Any

from chalice import Chalice

from accounts import schemas, service, staff_admin, structures
from accounts.models import Outbox, Revocation
from shared import audit
from shared.auth import STAFF_ROLES, Role
from shared.http import Api, Req
from shared.logs import get_logger
from shared.outbox import register_relay

app = Chalice(app_name="portail-accounts")
logger = get_logger("accounts")
api = Api(app, logger, Revocation)
api.health("accounts")
register_relay(app, "accounts", Outbox)
api.before_write = audit.recorder("accounts", Outbox)
staff_admin.register(api)
structures.consumer.register(app)

ANY_ROLE: tuple[Role, ...] = tuple(Role)
NEUTRAL = ("Si un compte correspond à cette adresse, un e-mail vient de lui être envoyé. "
           "Pensez à vérifier vos spams.")
RESEND_NEUTRAL = ("Si un compte en attente de confirmation correspond à cette adresse, un lien de confirmation lui "
                  "est envoyé (un par minute au plus : un lien demandé il y a moins d'une minute n'est pas renvoyé). "
                  "Pensez à vérifier vos spams.")


@api.route("/signup", ("POST",), status=201)
def signup(req: Req) -> dict[str, str]:
    return service.signup(req.body(schemas.Signup), req.correlation_id)


@api.route("/verify", ("POST",))
def verify(req: Req) -> dict[str, str]:
    service.verify_email(req.body(schemas.TokenBody).token)
    return {"status": "confirmed", "message": "Votre adresse e-mail est confirmée. Vous pouvez vous connecter."}


@api.route("/verify/resend", ("POST",), status=202)
def resend(req: Req) -> dict[str, Any]:
    """Neutral whatever the address (no account enumeration); it says that links go out at most once per
    interval, and gives that interval so the portal can tell when to ask again (issue 9)."""
    service.resend_verification(req.body(schemas.EmailBody).email, req.correlation_id)
    seconds = int(service.RESEND_INTERVAL.total_seconds())
    return {"message": RESEND_NEUTRAL, "retry_after_seconds": seconds}


@api.route("/login", ("POST",))
def login(req: Req) -> dict[str, Any]:
    body = req.body(schemas.Login)
    result = service.login(body.email, body.password, req.client)
    return {"access_token": result.access_token, "token_type": "Bearer", "expires_in": result.expires_in,
            "account": service.public_view(result.account)}


@api.route("/me", roles=ANY_ROLE)
def me(req: Req) -> dict[str, Any]:
    return service.public_view(service.current_account(req.principal))


@api.route("/logout", ("POST",), roles=ANY_ROLE)
def logout(req: Req) -> None:
    service.logout(req.principal)


@api.route("/password/change", ("POST",), roles=ANY_ROLE)
def change_password(req: Req) -> dict[str, str]:
    service.change_password(req.principal, req.body(schemas.PasswordChange), req.correlation_id)
    return {"message": "Votre mot de passe est modifié. Merci de vous reconnecter."}


@api.route("/password/forgot", ("POST",), status=202)
def forgot_password(req: Req) -> dict[str, str]:
    service.forgot_password(req.body(schemas.EmailBody).email, req.correlation_id)
    return {"message": NEUTRAL}


@api.route("/password/reset", ("POST",))
def reset_password(req: Req) -> dict[str, str]:
    service.reset_password(req.body(schemas.PasswordReset), req.correlation_id)
    return {"message": "Votre mot de passe est enregistré. Vous pouvez vous connecter."}


@api.route("/email/change", ("POST",), roles=ANY_ROLE, status=202)
def change_email(req: Req) -> dict[str, str]:
    body = req.body(schemas.EmailChange)
    service.request_email_change(req.principal, body, req.correlation_id)
    return {"message": f"Un lien de confirmation a été envoyé à {body.new_email}. "
                       "Votre adresse ne changera qu'après avoir cliqué sur ce lien."}


@api.route("/email/confirm", ("POST",))
def confirm_email(req: Req) -> dict[str, str]:
    service.confirm_email_change(req.body(schemas.TokenBody).token, req.correlation_id)
    return {"message": "Votre nouvelle adresse e-mail est confirmée. Utilisez-la pour vous connecter."}


@api.route("/staff", ("POST",), roles=tuple(STAFF_ROLES), status=201)
def create_staff(req: Req) -> dict[str, Any]:
    service.ensure_admin_only(req.principal)
    body = req.body(schemas.StaffCreate)
    staff_admin.check_scope(body.role, body.structures)
    account = service.create_staff(body, req.correlation_id, check_structures=True)
    return service.public_view(account)


@api.route("/staff", roles=tuple(STAFF_ROLES))
def list_staff(req: Req) -> dict[str, Any]:
    service.ensure_admin_only(req.principal)
    return {"items": [service.public_view(a) for a in service.list_staff()]}
