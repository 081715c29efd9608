"""Which e-mail each event sends. Each handler returns what it sent; the consumer stores it with the
event's id, so a redelivered event sends nothing twice."""

from __future__ import annotations

from typing import Any

from notifications import mailer
from notifications.models import SentEmail
from shared.consumer import Consumer
from shared.events import accounts as ev
from shared.logs import get_logger

logger = get_logger("notifications")
consumer = Consumer("notifications", SentEmail, logger)
ROLE_LABELS = {"admin": "administrateur", "manager": "responsable de structure",
               "coordinator": "coordinateur séjours", "committee": "membre de la commission d'attribution"}


def _send(template: str, to: str, subject: str, **context: Any) -> dict[str, Any]:
    email = mailer.render(template, to, subject, **context)
    message_id = mailer.send(email)
    return {"template": template, "subject": subject, "message_id": message_id}


@consumer.on(ev.AccountRegistered)
def account_registered(event: ev.AccountRegistered) -> dict[str, Any]:
    return _send("confirm_email", event.email, "Confirmez votre adresse e-mail – Portail Familles",
                 first_name=event.first_name, token=event.verification_token)


@consumer.on(ev.VerificationEmailRequested)
def verification_requested(event: ev.VerificationEmailRequested) -> dict[str, Any]:
    return _send("confirm_email", event.email, "Confirmez votre adresse e-mail – Portail Familles",
                 first_name=event.first_name, token=event.verification_token)


@consumer.on(ev.SignupAttemptedOnExistingAccount)
def signup_on_existing(event: ev.SignupAttemptedOnExistingAccount) -> dict[str, Any]:
    return _send("existing_account", event.email, "Vous avez déjà un compte – Portail Familles",
                 first_name=event.first_name)


@consumer.on(ev.PasswordResetRequested)
def password_reset(event: ev.PasswordResetRequested) -> dict[str, Any]:
    return _send("password_reset", event.email, "Réinitialisation de votre mot de passe – Portail Familles",
                 first_name=event.first_name, token=event.reset_token)


@consumer.on(ev.PasswordChanged)
def password_changed(event: ev.PasswordChanged) -> dict[str, Any]:
    return _send("password_changed", event.email, "Votre mot de passe a été modifié – Portail Familles",
                 first_name=event.first_name)


@consumer.on(ev.EmailChangeRequested)
def email_change_requested(event: ev.EmailChangeRequested) -> dict[str, Any]:
    return _send("confirm_new_email", event.new_email, "Confirmez votre nouvelle adresse e-mail – Portail Familles",
                 first_name=event.first_name, token=event.confirmation_token)


@consumer.on(ev.EmailChanged)
def email_changed(event: ev.EmailChanged) -> dict[str, Any]:
    return _send("email_changed", event.old_email, "Votre adresse e-mail a été modifiée – Portail Familles",
                 first_name=event.first_name, new_email=event.new_email)


@consumer.on(ev.StaffInvited)
def staff_invited(event: ev.StaffInvited) -> dict[str, Any]:
    return _send("staff_invitation", event.email, "Votre compte professionnel – Portail Familles",
                 first_name=event.first_name, token=event.invitation_token,
                 role_label=ROLE_LABELS.get(event.role, event.role), structures=event.structures)
