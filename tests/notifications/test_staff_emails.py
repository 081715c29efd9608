"""E-mails to staff: notifications learns who works where from StaffAccountCreated (and EmailChanged),
then tells each structure's staff about its families' requests and changes, one e-mail per person."""

from __future__ import annotations

from typing import Any

from tests.notifications.support import (
    SUFFIX,
    assert_links_to,
    assert_says,
    deliver,
    event,
    only_mail_to,
    staff,
)

SCHWEIGHOUSE, HAGUENAU, BISCHWILLER = "acem-schweighouse", "acem-haguenau-mercredi", "creche-bischwiller"
JULIE, MARC, PAUL = "julie@asso.fr", "marc@asso.fr", "paul@asso.fr"
ADMIN, COORDINATOR = "admin@asso.fr", "thomas@asso.fr"


def team(stack: Any) -> None:
    """A manager per structure (a third structure too), an administrator and the séjours coordinator."""
    deliver(stack,
            staff("acc-julie", JULIE, "Julie", [SCHWEIGHOUSE]),
            staff("acc-marc", MARC, "Marc", [HAGUENAU]),
            staff("acc-paul", PAUL, "Paul", [BISCHWILLER]),
            staff("acc-admin", ADMIN, "Camille", [], role="admin"),
            staff("acc-thomas", COORDINATOR, "Thomas", ["sejours"], role="coordinator"))


def test_staff_account_created_sends_no_email(stack: Any) -> None:
    team(stack)

    assert stack.mail() == []


def test_a_pre_enrolment_for_two_structures_reaches_the_staff_of_both_and_no_one_else(stack: Any) -> None:
    team(stack)
    deliver(stack, event("PreEnrolmentSubmitted"))  # acem-schweighouse and acem-haguenau-mercredi

    for address, first_name in ((JULIE, "Julie"), (MARC, "Marc")):
        mail = only_mail_to(stack, address)
        assert mail["subject"] == "Nouvelle demande de pré-inscription" + SUFFIX
        assert_says(mail, f"Bonjour {first_name},", "Muller", "pré-inscription périscolaire", "Léa",
                    "(cah)ACEM - SCHWEIGHOUSE", "ACEM - HAGUENAU (mercredis)")
        assert "La famille Muller a déposé une demande de pré-inscription périscolaire pour Léa" in mail["text"]
        assert_links_to(mail, "/gestion")
        assert "responsable de votre structure d'accueil" not in mail["html"]  # staff footer, not the families'
    for address in (PAUL, ADMIN, COORDINATOR):
        assert stack.mail_to(address) == []
    assert len(stack.mail()) == 2


def test_a_person_on_both_structures_gets_one_email(stack: Any) -> None:
    deliver(stack, staff("acc-lea", "lea@asso.fr", "Léa", [SCHWEIGHOUSE, HAGUENAU]),
            staff("acc-marc", MARC, "Marc", [HAGUENAU]))
    deliver(stack, event("PreEnrolmentSubmitted"))

    only_mail_to(stack, "lea@asso.fr")
    only_mail_to(stack, MARC)


def test_a_sejour_request_reaches_the_coordinator(stack: Any) -> None:
    team(stack)
    deliver(stack, event("PreEnrolmentSubmitted", kind="sejour", structure_ids=["sejours"],
                         structure_names=["Séjour montagne - Vosges"]))

    mail = only_mail_to(stack, COORDINATOR)
    assert_says(mail, "Bonjour Thomas,", "pré-inscription séjour", "Séjour montagne - Vosges")
    assert len(stack.mail()) == 1


def test_a_structure_without_staff_falls_back_to_the_administrators(stack: Any) -> None:
    team(stack)
    deliver(stack, event("PreEnrolmentSubmitted", structure_ids=["creche-nouvelle"],
                         structure_names=["Crèche nouvelle"]))

    mail = only_mail_to(stack, ADMIN)
    assert_says(mail, "Bonjour Camille,", "Crèche nouvelle")
    assert len(stack.mail()) == 1


def test_changes_to_validate_reach_the_staff_of_the_familys_structures(stack: Any) -> None:
    team(stack)
    deliver(stack, event("ChangeSubmitted", fields=["Téléphone mobile", "Personnes autorisées"]))

    mail = only_mail_to(stack, JULIE)
    assert mail["subject"] == "Modifications à valider" + SUFFIX
    assert_says(mail, "Bonjour Julie,", "Muller", "a modifié des informations de son dossier.",
                "Ces modifications sont à valider", "Téléphone mobile", "Personnes autorisées")
    assert "La famille Muller a modifié des informations de son dossier." in mail["text"]
    assert "- Téléphone mobile\n- Personnes autorisées" in mail["text"]
    assert "<li>Téléphone mobile</li>" in mail["html"]
    assert_links_to(mail, "/gestion")
    assert len(stack.mail()) == 1


def test_a_staff_members_new_address_receives_the_next_requests(stack: Any) -> None:
    team(stack)
    deliver(stack, event("EmailChanged", account_id="acc-julie", old_email=JULIE,
                         new_email="julie.schmitt@asso.fr", first_name="Julie"))
    old_notice = only_mail_to(stack, JULIE)  # the existing notice to the old address is kept
    assert old_notice["subject"] == "Votre adresse e-mail a été modifiée" + SUFFIX

    deliver(stack, event("PreEnrolmentSubmitted"))

    assert len(stack.mail_to(JULIE)) == 1
    assert only_mail_to(stack, "julie.schmitt@asso.fr")["subject"] == "Nouvelle demande de pré-inscription" + SUFFIX


def test_a_familys_email_change_leaves_the_staff_alone(stack: Any) -> None:
    team(stack)
    deliver(stack, event("EmailChanged"))  # acc-1, a family
    deliver(stack, event("PreEnrolmentSubmitted"))

    only_mail_to(stack, JULIE)
    only_mail_to(stack, MARC)
    only_mail_to(stack, "claire@example.fr")


def test_the_invitation_names_structures_not_ids(stack: Any) -> None:
    """Issue 13: the invitation listed « acem-schweighouse »; notifications now knows the catalogue's names."""
    from tests.helpers import seed_catalogue, staff_token

    seed_catalogue(stack)
    admin = staff_token(stack, "admin@asso.fr", "admin", [])
    created = stack.call("POST", "/api/accounts/staff", {
        "email": "lucie@asso.fr", "civility": "Mme", "first_name": "Lucie", "last_name": "Roth", "role": "manager",
        "structures": [SCHWEIGHOUSE, HAGUENAU]}, token=admin)
    assert created.status_code == 201, created.json
    stack.drain()
    (mail,) = [m for m in stack.mail_to("lucie@asso.fr") if "Votre compte professionnel" in m["subject"]]
    assert "ACEM - HAGUENAU (mercredis), (cah)ACEM - SCHWEIGHOUSE" in mail["text"]
    assert SCHWEIGHOUSE not in mail["text"] and SCHWEIGHOUSE not in mail["html"]
