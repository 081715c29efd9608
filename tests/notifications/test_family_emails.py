"""E-mails to families (and to a person about their own account): each event of the contract fixtures is
published on the bus of the deployed template, routed to the notifications queue, and sent through SES."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.notifications.support import SUFFIX, assert_links_to, assert_says, deliver, event, only_mail_to


@dataclass(frozen=True)
class Case:
    detail_type: str
    to: str
    subject: str
    says: tuple[str, ...]
    link: str | None
    overrides: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("AccountRegistered", "claire@example.fr", "Confirmez votre adresse e-mail",
         ("Bonjour Claire,", "confirmez votre adresse e-mail"), "/confirmer-email?token=tok-verify-123456"),
    Case("VerificationEmailRequested", "claire@example.fr", "Confirmez votre adresse e-mail",
         ("Bonjour Claire,", "Ce lien est valable 48 heures"), "/confirmer-email?token=tok-verify-654321"),
    Case("SignupAttemptedOnExistingAccount", "claire@example.fr", "Vous avez déjà un compte",
         ("Vous avez déjà un compte : aucun nouveau compte n'a été créé.",), "/connexion"),
    Case("PasswordResetRequested", "claire@example.fr", "Réinitialisation de votre mot de passe",
         ("Ce lien est valable 2 heures",), "/mot-de-passe/nouveau?token=tok-reset-123456"),
    Case("PasswordChanged", "claire@example.fr", "Votre mot de passe a été modifié",
         ("Le mot de passe de votre compte Portail Familles vient d'être modifié.",), None),
    Case("EmailChangeRequested", "claire.new@example.fr", "Confirmez votre nouvelle adresse e-mail",
         ("d'ici là, votre ancienne adresse reste valable",), "/confirmer-nouvel-email?token=tok-change-123456"),
    Case("EmailChanged", "claire@example.fr", "Votre adresse e-mail a été modifiée",
         ("claire.new@example.fr", "Cette adresse-ci ne recevra plus nos messages."), None),
    Case("StaffInvited", "julie@asso.fr", "Votre compte professionnel",
         ("responsable de structure", "acem-schweighouse"),
         "/mot-de-passe/nouveau?token=tok-invite-123456&invitation=1"),
    Case("FamilyValidated", "claire@example.fr", "Votre dossier est validé",
         ("Bonjour Claire,", "Votre compte est validé pour", "(cah)ACEM - SCHWEIGHOUSE", "(enfant : Léa)",
          "N'oubliez pas de revenir sur votre portail pour compléter votre planning.",
          "Si votre planning n'est pas saisi, votre demande ne pourra pas être traitée !"), "/mon-compte"),
    Case("FileReturned", "claire@example.fr", "Votre dossier est à compléter",
         ("(cah)ACEM - SCHWEIGHOUSE", "vous renvoie votre dossier pour qu'il soit complété ou corrigé",
          "L'attestation d'assurance est illisible."), "/mon-compte"),
    Case("DocumentReviewed", "claire@example.fr", "Un document est à déposer de nouveau",
         ("Le document", "Attestation d'assurance", "n'a pas pu être accepté", "Motif : Document illisible",
          "« Mes documents »"), "/mon-compte/documents"),
    Case("ChangeReviewed", "claire@example.fr", "Votre modification est validée",
         ("Téléphone mobile", "a été validée par le responsable de la structure."), "/mon-compte"),
    Case("ChangeReviewed", "claire@example.fr", "Votre modification n'est pas validée",
         ("Téléphone mobile", "n'a pas été validée par le responsable de la structure.",
          "Motif : Le numéro est incomplet.", "Vous pouvez corriger cette information depuis votre portail."),
         "/mon-compte", {"decision": "rejected", "reason": "Le numéro est incomplet."}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.detail_type + ("-" + c.overrides["decision"]
                                                                        if c.overrides else ""))
def test_the_event_sends_its_email_in_french(stack: Any, case: Case) -> None:
    deliver(stack, event(case.detail_type, **case.overrides))

    mail = only_mail_to(stack, case.to)
    assert mail["subject"] == case.subject + SUFFIX
    assert_says(mail, *case.says)
    if case.link:
        assert_links_to(mail, case.link)
    assert "Portail Familles" in mail["html"] and "<!doctype html>" in mail["html"]  # from base.html
    assert len(stack.mail()) == 1


def test_an_accepted_document_sends_nothing(stack: Any) -> None:
    deliver(stack, event("DocumentReviewed", decision="accepted", reason=""))

    assert stack.mail() == []


def test_a_rejected_document_without_reason_has_no_empty_motive(stack: Any) -> None:
    deliver(stack, event("DocumentReviewed", reason=""))

    mail = only_mail_to(stack, "claire@example.fr")
    assert "Motif" not in mail["text"] and "Motif" not in mail["html"]
    assert_links_to(mail, "/mon-compte/documents")


def test_the_staff_message_is_escaped_in_html_and_kept_line_by_line(stack: Any) -> None:
    message = "Merci de renvoyer l'attestation.\n<script>alert('x')</script> <b>urgent</b> & vite"
    deliver(stack, event("FileReturned", message=message))

    mail = only_mail_to(stack, "claire@example.fr")
    assert "<script>" not in mail["html"] and "<b>urgent</b>" not in mail["html"]
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &lt;b&gt;urgent&lt;/b&gt; &amp; vite" in mail["html"]
    assert "Merci de renvoyer l&#39;attestation.<br>" in mail["html"]
    # The text part is plain text: the message as the staff wrote it, quoted line by line.
    assert "> Merci de renvoyer l'attestation.\n> <script>alert('x')</script> <b>urgent</b> & vite" in mail["text"]


def test_names_from_the_event_are_escaped_in_html(stack: Any) -> None:
    deliver(stack, event("FamilyValidated", first_name="<i>Claire</i>", structure_name="Crèche <Les Lutins>"))

    mail = only_mail_to(stack, "claire@example.fr")
    assert "<i>" not in mail["html"] and "<Les Lutins>" not in mail["html"]
    assert "Crèche &lt;Les Lutins&gt;" in mail["html"]


def test_family_validated_without_an_address_sends_nothing(stack: Any) -> None:
    deliver(stack, event("FamilyValidated", email=""))

    assert stack.mail() == []
