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
        "school": {"school_id": "schweighouse-elementaire",
                   "school_name": "École élémentaire de Schweighouse-sur-Moder", "class_level": "CE1",
                   "school_year": "2026-2027"},
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


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PERISCOLAIRE_DOCUMENTS = (("vaccinations", True), ("health_form", True), ("insurance", False),
                          ("mandatory_proofs", False))


def upload(stack: Any, token: str, doc_type: str, child_id: str | None = None, content: bytes = PDF) -> str:
    """Upload a document as the portal does: presigned POST to S3, then confirm. Returns its id."""
    import requests

    body = {"type": doc_type, "filename": f"{doc_type}.pdf", "content_type": "application/pdf"}
    if child_id:
        body["child_id"] = child_id
    started = stack.call("POST", "/api/enrolment/documents", body, token=token)
    assert started.status_code == 201, started.json
    upload = started.json["upload"]
    sent = requests.post(upload["url"], data=upload["fields"],
                         files={"file": (body["filename"], content, "application/pdf")}, timeout=10)
    assert sent.status_code in (200, 201, 204), sent.text
    document_id = started.json["document"]["document_id"]
    confirmed = stack.call("POST", f"/api/enrolment/documents/{document_id}/confirm", token=token)
    assert confirmed.status_code == 200, confirmed.json
    return str(document_id)


def upload_periscolaire_documents(stack: Any, token: str, child_ids: list[str]) -> list[str]:
    ids = []
    for doc_type, per_child in PERISCOLAIRE_DOCUMENTS:
        for child_id in (child_ids if per_child else [None]):
            ids.append(upload(stack, token, doc_type, child_id))
    return ids
