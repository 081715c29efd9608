"""Builders of a family file through the enrolment API, for the enrolment tests and journeys."""

from __future__ import annotations

from typing import Any

PROFILE = {"civility": "Mme", "last_name": "Muller", "first_name": "Claire",
           "address": {"line1": "3 rue des Tilleuls", "line2": "", "postal_code": "67590",
                       "city": "Schweighouse-sur-Moder"},
           "mobile_phone": "06 12 34 56 78", "profession": "Infirmière", "employer": "CH de Haguenau",
           "work_phone": "03 88 06 30 00"}
HOUSEHOLD = {"spouse": {"civility": "M.", "last_name": "Muller", "first_name": "Marc", "mobile_phone": "0711223344",
                        "profession": "Menuisier"},
             "billing": {"name": "Claire Muller", "address": PROFILE["address"]},
             "allocataire": {"regime": "CAF", "number": "1234567"},
             "quotient": {"value": 850, "date": "2026-01-15"},
             "other_children": []}


def child(first_name: str = "Léa", birth_date: str = "2018-04-02", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "last_name": "Muller", "first_name": first_name, "sex": "F", "birth_date": birth_date,
        "medical": {"doctor_name": "Dr Weber", "doctor_phone": "03 88 73 00 00",
                    "vaccinations": [{"name": "DTP", "date": "2019-06-01"}], "allergies": "Arachide",
                    "diet": "", "pai": True, "treatments": "", "notes": ""},
        "authorisations": {"photos": True, "leave_alone": False, "transport": True, "emergency_care": True},
        "authorised_persons": [{"name": "Anne Muller", "relationship": "Grand-mère", "phone": "0699887766"}],
        "school": {"school_id": "schweighouse-elementaire", "school_name": "École élémentaire de Schweighouse-sur-Moder",
                   "class_level": "CE1", "school_year": "2026-2027"},
    }
    body.update(overrides)
    return body


def fill_file(stack: Any, token: str, children: int = 1) -> list[str]:
    """Profile, household and ``children`` complete children; returns the children's ids."""
    assert stack.call("PUT", "/api/enrolment/family/profile", PROFILE, token=token).status_code == 200
    assert stack.call("PUT", "/api/enrolment/family/household", HOUSEHOLD, token=token).status_code == 200
    ids = []
    for index in range(children):
        created = stack.call("POST", "/api/enrolment/children", child(("Léa", "Hugo", "Emma")[index]), token=token)
        assert created.status_code == 201, created.json
        ids.append(created.json["child_id"])
    return ids


def periscolaire(stack: Any, token: str, child_id: str, wednesday: bool = True) -> dict[str, Any]:
    body = {"kind": "periscolaire", "child_id": child_id, "structure_id": "acem-schweighouse",
            "desired_start": "2027-01-04"}
    if wednesday:
        body["wednesday_structure_id"] = "acem-haguenau-mercredi"
    created = stack.call("POST", "/api/enrolment/requests", body, token=token)
    assert created.status_code == 201, created.json
    return dict(created.json)
