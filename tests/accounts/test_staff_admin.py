"""The administrator corrects staff accounts: edit and re-scope (sessions end: a token carries its scope),
deactivate (every session ends, login refused) and reactivate, re-send an invitation; a manager or a
coordinator needs structures; nobody but an admin does any of it."""

from __future__ import annotations

from typing import Any

from tests.accounts.support import access_token, api, assert_error, login, mails, staff_token
from tests.accounts.test_staff import (  # noqa: F401  (_catalogue: the structures accounts knows)
    INVITATION,
    _catalogue,
    invitation_token,
    known_structures,
    staff_body,
)


def created(stack: Any, admin: str, **overrides: Any) -> dict[str, Any]:
    response = stack.call("POST", api("/staff"), staff_body(**overrides), token=admin)
    assert response.status_code == 201, response.json
    return dict(response.json)


def test_admin_edits_rescopes_and_the_old_session_ends(stack: Any) -> None:
    admin = staff_token(stack)
    julie = staff_token(stack, "julie@asso.fr", role="manager", structures=["acem-schweighouse"])
    account_id = stack.call("GET", api("/me"), token=julie).json["account_id"]
    edit = {"civility": "Mme", "first_name": "Julie", "last_name": "Schmitt-Weber", "role": "manager",
            "structures": ["creche-les-lutins", "acem-schweighouse"]}
    changed = stack.call("PUT", api(f"/staff/{account_id}"), edit, token=admin)
    assert changed.status_code == 200, changed.json
    assert changed.json["last_name"] == "Schmitt-Weber"
    assert changed.json["structures"] == ["acem-schweighouse", "creche-les-lutins"]
    # Her token named the old scope: it is refused; a new login carries the new one.
    assert stack.call("GET", api("/me"), token=julie).status_code == 401
    again = access_token(stack, "julie@asso.fr")
    assert stack.call("GET", api("/me"), token=again).json["structures"] == ["acem-schweighouse", "creche-les-lutins"]
    # A manager needs structures; an unknown field is refused.
    assert_error(stack.call("PUT", api(f"/staff/{account_id}"), {**edit, "structures": []}, token=admin),
                 400, "validation_error", "structures")
    assert_error(stack.call("PUT", api("/staff/inconnu"), edit, token=admin), 404, "not_found")
    assert_error(stack.call("PUT", api(f"/staff/{account_id}"), edit, token=again), 403, "forbidden")


def test_deactivation_ends_every_session_and_login(stack: Any) -> None:
    admin = staff_token(stack)
    paul = staff_token(stack, "paul@asso.fr", role="coordinator", structures=["sejours"])
    other_session = access_token(stack, "paul@asso.fr")
    account_id = stack.call("GET", api("/me"), token=paul).json["account_id"]
    done = stack.call("POST", api(f"/staff/{account_id}/deactivate"), token=admin)
    assert done.status_code == 200 and done.json["status"] == "disabled"
    for token in (paul, other_session):
        assert stack.call("GET", api("/me"), token=token).status_code == 401
    # Every service refuses them once it hears of the revocation (decision 71), not after the token's hour.
    stack.drain()
    for path in ("/api/planning/staff/catalogue", "/api/enrolment/staff/requests"):
        assert stack.call("GET", path, token=paul).status_code == 401, path
    assert login(stack, "paul@asso.fr").status_code == 401
    assert_error(stack.call("POST", api(f"/staff/{account_id}/deactivate"), token=admin), 409, "conflict")
    me = stack.call("GET", api("/me"), token=admin).json["account_id"]
    assert_error(stack.call("POST", api(f"/staff/{me}/deactivate"), token=admin), 400, "validation_error")
    back = stack.call("POST", api(f"/staff/{account_id}/reactivate"), token=admin)
    assert back.status_code == 200 and back.json["status"] == "active"
    assert login(stack, "paul@asso.fr").status_code == 200


def test_the_invitation_can_be_sent_again(stack: Any) -> None:
    admin = staff_token(stack)
    account = created(stack, admin, email="lea@asso.fr")
    stack.drain()
    first = invitation_token(stack, "lea@asso.fr")
    again = stack.call("POST", api(f"/staff/{account['account_id']}/invitation"), token=admin)
    assert again.status_code == 202 and "lea@asso.fr" in again.json["message"]
    stack.drain()
    assert len(mails(stack, "lea@asso.fr", INVITATION)) == 2
    # Both links work until one is used (each is single-use and expires in 7 days).
    assert first
    active = staff_token(stack, "actif@asso.fr", role="committee", structures=[])
    active_id = stack.call("GET", api("/me"), token=active).json["account_id"]
    assert_error(stack.call("POST", api(f"/staff/{active_id}/invitation"), token=admin), 409, "conflict")


def test_unknown_or_archived_structures_are_refused(stack: Any) -> None:
    """Issue 13: a manager scoped to the typo « alef-brumat » was created without complaint."""
    admin = staff_token(stack)
    typo = stack.call("POST", api("/staff"), staff_body("brumath@asso.fr", structures=["alef-brumat"]), token=admin)
    error = assert_error(typo, 400, "validation_error", "structures")
    assert "alef-brumat" in error["message"]
    julie = created(stack, admin, email="julie2@asso.fr")
    edit = {"civility": "Mme", "first_name": "Julie", "last_name": "Schmitt", "role": "manager",
            "structures": ["acem-schweighouse", "alef-brumat"]}
    assert_error(stack.call("PUT", api(f"/staff/{julie['account_id']}"), edit, token=admin), 400,
                 "validation_error", "structures")
    known_structures(stack, "alef-brumath")
    fixed = stack.call("PUT", api(f"/staff/{julie['account_id']}"), {**edit, "structures": ["alef-brumath"]},
                       token=admin)
    assert fixed.status_code == 200 and fixed.json["structures"] == ["alef-brumath"]


def test_a_coordinator_or_manager_needs_structures(stack: Any) -> None:
    admin = staff_token(stack)
    for role in ("manager", "coordinator"):
        assert_error(stack.call("POST", api("/staff"), staff_body(f"{role}@asso.fr", role=role, structures=[]),
                                token=admin), 400, "validation_error", "structures")
    committee = stack.call("POST", api("/staff"), staff_body("commission@asso.fr", role="committee", structures=[]),
                           token=admin)
    assert committee.status_code == 201
