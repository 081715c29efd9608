"""One e-mail per act (issue 9): a validation that opens two structures sends the family one e-mail naming
both (the act's other events send none); a submitted pre-enrolment brings the family its acknowledgement
besides the staff's notice."""

from __future__ import annotations

from typing import Any

from tests.notifications.support import assert_says, deliver, event, only_mail_to

BOTH = ["(cah)ACEM - SCHWEIGHOUSE", "ACEM - HAGUENAU (mercredis)"]


def test_one_validation_act_sends_one_email_listing_every_structure(stack: Any) -> None:
    deliver(stack,
            event("FamilyValidated", event_id="act-1", structure_names=BOTH, notify=True),
            event("FamilyValidated", event_id="act-2", structure_id="acem-haguenau-mercredi", activity="mercredi",
                  structure_name=BOTH[1], structure_names=BOTH, notify=False))

    mail = only_mail_to(stack, "claire@example.fr")
    assert mail["subject"] == "Votre dossier est validé – Portail Familles"
    assert_says(mail, "Votre compte est validé pour :", "(cah)ACEM - SCHWEIGHOUSE (enfant : Léa)",
                "ACEM - HAGUENAU (mercredis) (enfant : Léa)", "(une demande de réservation par établissement)")


def test_a_submitted_pre_enrolment_is_acknowledged_to_the_family(stack: Any) -> None:
    deliver(stack, event("PreEnrolmentSubmitted", email="claire@example.fr", first_name="Claire",
                         structure_names=BOTH))

    mail = only_mail_to(stack, "claire@example.fr")
    assert mail["subject"] == "Votre demande de pré-inscription périscolaire est transmise – Portail Familles"
    assert_says(mail, "Bonjour Claire,", "(cah)ACEM - SCHWEIGHOUSE, ACEM - HAGUENAU (mercredis)",
                "Un mail automatique vous sera adressé dès que la validation sera effective")


def test_an_event_without_the_family_address_acknowledges_nobody(stack: Any) -> None:
    deliver(stack, event("PreEnrolmentSubmitted", email=""))

    assert stack.mail_to("claire@example.fr") == []
