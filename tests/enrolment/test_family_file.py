"""The family file through the API: sections saved and read back, French errors naming the field,
and a family never reaching another family's data."""

from __future__ import annotations

from typing import Any

import pytest

from tests.enrolment.support import HOUSEHOLD, PROFILE, child, fill_file, periscolaire
from tests.helpers import confirmed_family, seed_catalogue


@pytest.fixture
def family(stack: Any) -> tuple[str, str]:
    seed_catalogue(stack)
    return confirmed_family(stack, "claire@example.fr")


def test_a_new_account_gets_an_empty_family_file(stack: Any, family: tuple[str, str]) -> None:
    token, family_id = family
    got = stack.call("GET", "/api/enrolment/family", token=token)
    assert got.status_code == 200
    assert got.json["family_id"] == family_id
    assert got.json["profile"] is None and got.json["children"] == [] and got.json["validated"] is False


def test_sections_are_saved_and_normalised(stack: Any, family: tuple[str, str]) -> None:
    token, _ = family
    (child_id,) = fill_file(stack, token)
    got = stack.call("GET", "/api/enrolment/family", token=token).json
    assert got["profile"]["mobile_phone"] == "+33612345678"
    assert got["profile"]["work_phone"] == "+33388063000"
    assert got["household"]["allocataire"] == {"regime": "CAF", "number": "1234567"}
    assert got["household"]["spouse"]["first_name"] == "Marc"
    (saved,) = got["children"]
    assert saved["child_id"] == child_id
    assert saved["medical"]["vaccinations"] == [{"name": "DTP", "date": "2019-06-01"}]
    assert saved["authorised_persons"][0]["phone"] == "+33699887766"
    school = {"school_id": None, "school_name": "École Jean Moulin (Strasbourg)", "class_level": "CM1",
              "school_year": "2026-2027"}
    assert stack.call("PUT", f"/api/enrolment/children/{child_id}/school", school, token=token).status_code == 200
    again = stack.call("GET", "/api/enrolment/family", token=token).json
    assert again["children"][0]["school"] == school


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/enrolment/family/profile", {**PROFILE, "mobile_phone": "0388000000"}, "mobile_phone"),
    ("/api/enrolment/family/profile", {**PROFILE, "address": {**PROFILE["address"], "postal_code": "6759"}},
     "address.postal_code"),
    ("/api/enrolment/family/profile", {k: v for k, v in PROFILE.items() if k != "last_name"}, "last_name"),
    ("/api/enrolment/family/household", {**HOUSEHOLD, "allocataire": {"regime": "CAF", "number": ""}},
     "allocataire.number"),
    ("/api/enrolment/family/household", {**HOUSEHOLD, "allocataire": {"regime": "RSA"}}, "allocataire.regime"),
    ("/api/enrolment/family/household", {**HOUSEHOLD, "quotient": {"value": 800, "date": "2999-01-01"}},
     "quotient.date"),
    ("/api/enrolment/children", child(birth_date="2030-01-01"), "birth_date"),
    ("/api/enrolment/children", child(sex="X"), "sex"),
    ("/api/enrolment/children", child(school={"school_name": "X", "class_level": "CP", "school_year": "2026"}),
     "school.school_year"),
    ("/api/enrolment/children", {**child(), "medical": {"vaccinations": [{"name": "DTP", "date": "hier"}]}},
     "medical.vaccinations.0.date"),
], ids=["landline-as-mobile", "postal-code", "missing-name", "caf-number", "regime", "future-quotient",
        "future-birth", "sex", "school-year", "vaccination-date"])
def test_bad_input_is_refused_in_french_naming_the_field(stack: Any, family: tuple[str, str], path: str,
                                                         body: dict[str, Any], field: str) -> None:
    token, _ = family
    method = "POST" if path.endswith("children") else "PUT"
    refused = stack.call(method, path, body, token=token)
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "validation_error"
    assert field in refused.json["error"]["fields"]
    assert refused.json["error"]["message"].startswith("Certains champs sont invalides")
    got = stack.call("GET", "/api/enrolment/family", token=token).json
    assert got["profile"] is None and got["household"] is None and got["children"] == []


def test_another_family_never_reaches_my_file_even_with_my_ids(stack: Any, family: tuple[str, str]) -> None:
    token, family_id = family
    (child_id,) = fill_file(stack, token)
    request = periscolaire(stack, token, child_id)
    intruder, _ = confirmed_family(stack, "intrus@example.fr")
    assert stack.call("PUT", f"/api/enrolment/children/{child_id}", child(first_name="Pirate"),
                      token=intruder).status_code == 404
    assert stack.call("DELETE", f"/api/enrolment/children/{child_id}", token=intruder).status_code == 404
    assert stack.call("GET", f"/api/enrolment/requests/{request['request_id']}/completeness",
                      token=intruder).status_code == 404
    assert stack.call("POST", f"/api/enrolment/requests/{request['request_id']}/submit",
                      token=intruder).status_code == 404
    assert stack.call("DELETE", f"/api/enrolment/requests/{request['request_id']}", token=intruder).status_code == 404
    # Asking for a request for my child from their account fails too.
    stolen = stack.call("POST", "/api/enrolment/requests", {"kind": "periscolaire", "child_id": child_id,
                        "structure_id": "acem-schweighouse", "desired_start": "2027-01-04"}, token=intruder)
    assert stolen.status_code == 404
    # Family routes never take a family id: the intruder's own file is all they see.
    theirs = stack.call("GET", "/api/enrolment/family", token=intruder).json
    assert theirs["family_id"] != family_id and theirs["children"] == []
    # Staff routes are closed to families.
    assert stack.call("GET", f"/api/enrolment/staff/families/{family_id}", token=intruder).status_code == 403
    mine = stack.call("GET", "/api/enrolment/family", token=token).json
    assert mine["children"][0]["first_name"] == "Léa"


def test_routes_need_a_valid_token(stack: Any) -> None:
    missing = stack.call("GET", "/api/enrolment/family")
    assert missing.status_code == 401
    assert missing.json["error"]["code"] == "unauthenticated"
    assert stack.call("GET", "/api/enrolment/family", token="not-a-token").status_code == 401


def test_a_child_with_a_request_cannot_be_deleted(stack: Any, family: tuple[str, str]) -> None:
    token, _ = family
    (child_id,) = fill_file(stack, token)
    periscolaire(stack, token, child_id)
    refused = stack.call("DELETE", f"/api/enrolment/children/{child_id}", token=token)
    assert refused.status_code == 409
    assert "child_id" in refused.json["error"]["fields"]
