"""Staff accounts: created by an administrator, invited by e-mail to choose their password."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from shared import clock
from tests.accounts.support import (
    access_token,
    api,
    assert_error,
    confirmed_family,
    last_link,
    login,
    mails,
    staff_token,
)

INVITATION = "Votre compte professionnel"
STRUCTURES = ("acem-schweighouse", "acem-haguenau", "creche-les-lutins", "sejours")


def known_structures(stack: Any, *structure_ids: str) -> None:
    """Planning publishes these structures; accounts learns them from its queue (a staff scope must name
    structures that exist)."""
    import boto3

    from shared.events.planning import StructurePublished

    events = boto3.client("events", region_name="eu-west-3")
    for structure_id in structure_ids:
        event = StructurePublished(structure_id=structure_id, name=structure_id.upper(), commune="Haguenau",
                                   departement="67", zone="B", activities=["periscolaire"])
        events.put_events(Entries=[{"Source": event.source, "DetailType": "StructurePublished",
                                    "Detail": event.detail_json(), "EventBusName": stack.outputs["BusName"]}])
    stack.drain()


@pytest.fixture(autouse=True)
def _catalogue(stack: Any) -> None:
    known_structures(stack, *STRUCTURES)
CHOSEN = "Choisi-Par-Julie-7"


def staff_body(email: str = "julie.schmitt@asso.fr", **overrides: Any) -> dict[str, Any]:
    return {"email": email, "civility": "Mme", "first_name": "Julie", "last_name": "Schmitt", "role": "manager",
            "structures": ["acem-schweighouse", "acem-haguenau"], **overrides}


def invitation_token(stack: Any, email: str) -> str:
    sent = mails(stack, email, INVITATION)
    assert len(sent) == 1, [m["subject"] for m in stack.mail_to(email)]
    match = re.search(r"https?://\S+/mot-de-passe/nouveau\?\S+", sent[0]["text"])
    assert match, sent[0]["text"]
    query = parse_qs(urlparse(match.group(0)).query)
    assert query["invitation"] == ["1"]
    return query["token"][0]


def test_admin_invites_a_manager_who_chooses_a_password_and_logs_in(stack: Any) -> None:
    admin = staff_token(stack)

    created = stack.call("POST", api("/staff"), staff_body("Julie.Schmitt@Asso.fr"), token=admin)

    assert created.status_code == 201
    assert created.json["email"] == "julie.schmitt@asso.fr"
    assert created.json["status"] == "invited"
    assert created.json["role"] == "manager"
    assert created.json["structures"] == ["acem-haguenau", "acem-schweighouse"]
    # No password yet: nobody can log in, whatever they try.
    assert_error(login(stack, "julie.schmitt@asso.fr", "n'importe-Quoi-1"), 401, "invalid_credentials")

    token = invitation_token(stack, "julie.schmitt@asso.fr")
    invitation = mails(stack, "julie.schmitt@asso.fr", INVITATION)[0]
    assert "Bonjour Julie" in invitation["text"]
    assert "responsable de structure" in invitation["text"]
    # The structures by name (the catalogue's), never by id (issue 13).
    assert "ACEM-SCHWEIGHOUSE" in invitation["text"] and "acem-schweighouse" not in invitation["text"]
    chosen = stack.call("POST", api("/password/reset"), {"token": token, "new_password": CHOSEN})
    assert chosen.status_code == 200

    session = access_token(stack, "julie.schmitt@asso.fr", CHOSEN)
    me = stack.call("GET", api("/me"), token=session)
    assert me.status_code == 200
    assert me.json["role"] == "manager"
    assert me.json["status"] == "active"
    assert me.json["structures"] == ["acem-haguenau", "acem-schweighouse"]
    assert_error(stack.call("POST", api("/password/reset"), {"token": token, "new_password": "Encore-Autre-8"}),
                 400, "invalid_token")


def test_admin_lists_staff_accounts(stack: Any) -> None:
    admin = staff_token(stack)
    stack.call("POST", api("/staff"), staff_body(), token=admin)
    stack.call("POST", api("/staff"), staff_body("paul@asso.fr", role="coordinator", structures=["sejours"]),
               token=admin)
    confirmed_family(stack, "famille@example.fr")

    listed = stack.call("GET", api("/staff"), token=admin)

    assert listed.status_code == 200
    by_email = {item["email"]: item for item in listed.json["items"]}
    assert set(by_email) == {"admin@asso.fr", "julie.schmitt@asso.fr", "paul@asso.fr"}
    assert by_email["paul@asso.fr"]["role"] == "coordinator"
    assert by_email["julie.schmitt@asso.fr"]["status"] == "invited"


@pytest.mark.parametrize("role", ["manager", "coordinator", "committee"])
def test_staff_who_are_not_admins_cannot_manage_staff(stack: Any, role: str) -> None:
    token = staff_token(stack, f"{role}@asso.fr", role=role, structures=["acem-schweighouse"])

    for method, body in (("POST", staff_body()), ("GET", None)):
        error = assert_error(stack.call(method, api("/staff"), body, token=token), 403, "forbidden")
        assert "administrateur" in error["message"]
    admin = staff_token(stack)
    emails = [item["email"] for item in stack.call("GET", api("/staff"), token=admin).json["items"]]
    assert "julie.schmitt@asso.fr" not in emails
    assert stack.mail_to("julie.schmitt@asso.fr") == []


def test_a_family_cannot_manage_staff(stack: Any) -> None:
    family = confirmed_family(stack, "famille@example.fr")

    for method, body in (("POST", staff_body(role="admin")), ("GET", None)):
        error = assert_error(stack.call(method, api("/staff"), body, token=family), 403, "forbidden")
        assert error["message"] == "Vous n'avez pas accès à cette ressource."
    stack.drain()
    assert stack.mail_to("julie.schmitt@asso.fr") == []


def test_creating_staff_needs_a_session(stack: Any) -> None:
    assert_error(stack.call("POST", api("/staff"), staff_body()), 401, "unauthenticated")
    assert_error(stack.call("GET", api("/staff")), 401, "unauthenticated")


def test_duplicate_staff_email_is_a_conflict_naming_email(stack: Any) -> None:
    admin = staff_token(stack)
    assert stack.call("POST", api("/staff"), staff_body(), token=admin).status_code == 201
    confirmed_family(stack, "famille@example.fr")

    for email in ("julie.schmitt@asso.fr", "JULIE.SCHMITT@asso.fr", "famille@example.fr", "admin@asso.fr"):
        error = assert_error(stack.call("POST", api("/staff"), staff_body(email), token=admin), 409, "conflict",
                             "email")
        assert "existe déjà" in error["message"]
    assert len(mails(stack, "julie.schmitt@asso.fr", INVITATION)) == 1
    assert mails(stack, "famille@example.fr", INVITATION) == []
    assert login(stack, "famille@example.fr").json["account"]["role"] == "family"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"role": "family"}, "role"),
    ({"role": "superadmin"}, "role"),
    ({"role": None}, "role"),
    ({"email": "julie@"}, "email"),
    ({"civility": "Dr"}, "civility"),
    ({"first_name": ""}, "first_name"),
    ({"structures": "acem-schweighouse"}, "structures"),
    ({"password": "Choisi-Par-Admin-1"}, "password"),
])
def test_bad_staff_input_names_the_field(stack: Any, overrides: dict[str, Any], field: str) -> None:
    admin = staff_token(stack)

    response = stack.call("POST", api("/staff"), staff_body(**overrides), token=admin)

    assert_error(response, 400, "validation_error", field)
    stack.drain()
    assert stack.mail_to("julie.schmitt@asso.fr") == []
    assert [i["email"] for i in stack.call("GET", api("/staff"), token=admin).json["items"]] == ["admin@asso.fr"]


def test_missing_role_is_named(stack: Any) -> None:
    admin = staff_token(stack)
    body = staff_body()
    del body["role"]

    assert_error(stack.call("POST", api("/staff"), body, token=admin), 400, "validation_error", "role")


def test_invitation_expires_after_seven_days(stack: Any) -> None:
    admin = staff_token(stack)
    stack.call("POST", api("/staff"), staff_body(), token=admin)
    token = invitation_token(stack, "julie.schmitt@asso.fr")

    clock.travel(timedelta(days=7, minutes=1))

    assert_error(stack.call("POST", api("/password/reset"), {"token": token, "new_password": CHOSEN}), 400,
                 "invalid_token")
    assert_error(login(stack, "julie.schmitt@asso.fr", CHOSEN), 401, "invalid_credentials")


def test_admin_token_carries_its_role_to_other_services(stack: Any) -> None:
    admin = staff_token(stack)
    me = stack.call("GET", api("/me"), token=admin)

    assert me.json["role"] == "admin"
    # The enrolment service verifies the same token itself and knows an admin is not a family.
    assert_error(stack.call("GET", "/api/enrolment/family", token=admin), 403, "forbidden")


def test_a_logged_out_admin_token_can_no_longer_manage_staff(stack: Any) -> None:
    admin = staff_token(stack)
    assert stack.call("POST", api("/logout"), token=admin).status_code == 204

    for method, body in (("POST", staff_body()), ("GET", None)):
        assert_error(stack.call(method, api("/staff"), body, token=admin), 401, "unauthenticated")
    stack.drain()
    assert stack.mail_to("julie.schmitt@asso.fr") == []


def test_an_admin_token_from_before_a_password_change_can_no_longer_manage_staff(stack: Any) -> None:
    stolen = staff_token(stack)
    current = access_token(stack, "admin@asso.fr")
    changed = stack.call("POST", api("/password/change"),
                         {"current_password": "Tartine-Confiture-42", "new_password": "Apres-Le-Vol-2025"},
                         token=current)
    assert changed.status_code == 200

    assert_error(stack.call("POST", api("/staff"), staff_body(role="admin"), token=stolen), 401, "unauthenticated")


def test_staff_whose_invitation_expired_can_still_get_in_with_forgotten_password(stack: Any) -> None:
    """The admin cannot invite the address again (409) and "Vous avez déjà un compte" points to
    « Mot de passe oublié ? »: that link must work for an invited account too."""
    admin = staff_token(stack)
    stack.call("POST", api("/staff"), staff_body(), token=admin)
    expired = invitation_token(stack, "julie.schmitt@asso.fr")
    clock.travel(timedelta(days=8))
    assert_error(stack.call("POST", api("/password/reset"), {"token": expired, "new_password": CHOSEN}), 400,
                 "invalid_token")

    assert stack.call("POST", api("/password/forgot"), {"email": "julie.schmitt@asso.fr"}).status_code == 202
    token = last_link(stack, "julie.schmitt@asso.fr", "Réinitialisation", "/mot-de-passe/nouveau")
    assert stack.call("POST", api("/password/reset"), {"token": token, "new_password": CHOSEN}).status_code == 200

    me = stack.call("GET", api("/me"), token=access_token(stack, "julie.schmitt@asso.fr", CHOSEN))
    assert (me.json["role"], me.json["status"]) == ("manager", "active")
