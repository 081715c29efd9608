"""Mes éditions through HTTP: the health form pre-filled from the child's record, and the welcome contract
once planning's ``RequestDecided`` (accepted or partially accepted) went through the bus."""

from __future__ import annotations

import contextlib
import logging
import re
import zlib
from typing import Any

import boto3
import pytest

from enrolment import editions
from enrolment.models import Decision, family_pk
from shared.events.planning import RequestDecided
from tests.enrolment.support import child
from tests.enrolment.test_documents import family_with_child, logged

E = "/api/enrolment"
PDF_HEADERS = {"Accept": "application/pdf"}


def pdf_text(content: bytes) -> str:
    """The text drawn by the PDF's content streams (fpdf2 core fonts: cp1252 strings), searchable."""
    chunks = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        raw = match.group(1)
        with contextlib.suppress(zlib.error):
            raw = zlib.decompress(raw)
        chunks.extend(m.group(1) for m in re.finditer(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", raw))
    text = b" ".join(chunks)
    text = re.sub(rb"\\([()\\])", rb"\1", text)
    return text.decode("cp1252")


def decided(family_id: str, child_id: str, **overrides: Any) -> RequestDecided:
    data: dict[str, Any] = {
        "request_id": "pr-19", "request_number": "000019", "family_id": family_id, "child_id": child_id,
        "structure_id": "acem-schweighouse", "structure_name": "(cah)ACEM - SCHWEIGHOUSE",
        "period_name": "PERISCOLAIRE 2026 - 2027 - SCHWEIGHOUSE", "activity": "periscolaire",
        "answer": "partially_accepted", "accepted_slots": ["Lundi PERISCOLAIRE MIDI", "Jeudi PERISCOLAIRE SOIR"],
    }
    data.update(overrides)
    return RequestDecided.model_validate(data)


def publish(stack: Any, event: RequestDecided) -> None:
    """Planning's relay puts the event on the bus; the template's rule routes it to enrolment's queue."""
    result = boto3.client("events", region_name="eu-west-3").put_events(Entries=[{
        "Source": "portail.planning", "DetailType": "RequestDecided", "Detail": event.detail_json(),
        "EventBusName": stack.outputs["BusName"]}])
    assert result["FailedEntryCount"] == 0, result
    stack.drain()


@pytest.fixture
def family(stack: Any) -> tuple[str, str, str]:
    return family_with_child(stack, "claire@example.fr")


# --- the health form -----------------------------------------------------------------------------------

def test_the_health_form_is_prefilled_from_the_childs_record(stack: Any, family: tuple[str, str, str]) -> None:
    token, _, child_id = family
    record = child("Léa")
    record["medical"].update({"vaccinations": [{"name": "DTP", "date": "2019-06-01"},
                                               {"name": "ROR", "date": "2019-03-12"}],
                              "diet": "Sans porc", "treatments": "Ventoline en cas de crise d’asthme",
                              "notes": "Porte des lunettes – à surveiller"})
    assert stack.call("PUT", f"{E}/children/{child_id}", record, token=token).status_code == 200

    got = stack.call("GET", f"{E}/editions/health_form/{child_id}", token=token, headers=PDF_HEADERS)
    assert got.status_code == 200, got.data[:300]
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"] == 'attachment; filename="fiche-sanitaire-lea.pdf"'
    assert got.data.startswith(b"%PDF-")
    assert got.data.rstrip().endswith(b"%%EOF")
    text = pdf_text(got.data)
    for expected in ("Fiche sanitaire de liaison", "Léa", "Muller", "02/04/2018", "Fille",
                     "Mme Claire Muller", "3 rue des Tilleuls", "06 12 34 56 78", "M. Marc Muller",
                     "Dr Weber", "03 88 73 00 00", "DTP", "01/06/2019", "ROR", "12/03/2019", "Arachide",
                     "Sans porc", "Ventoline en cas de crise d’asthme", "Porte des lunettes – à surveiller",
                     "Anne Muller", "Grand-mère", "06 99 88 77 66", "Soins d'urgence", "CE1",
                     "Date et signature du responsable légal"):
        assert expected in text, expected
    # The PAI answer and the authorisations are written out.
    assert re.search(r"PAI \(projet d'accueil individualisé\)\s+Oui", text)
    assert re.search(r"Départ seul\s+Non", text)
    assert text.index("ROR") < text.index("DTP")  # vaccinations in date order


def test_a_browser_download_without_a_pdf_accept_header_still_works(stack: Any,
                                                                    family: tuple[str, str, str]) -> None:
    token, _, child_id = family
    got = stack.call("GET", f"{E}/editions/health_form/{child_id}", token=token, headers={"Accept": "*/*"})
    assert got.status_code == 200 and got.data.startswith(b"%PDF-")


def test_the_health_form_of_an_unknown_or_another_familys_child_is_not_found(stack: Any,
                                                                            family: tuple[str, str, str]) -> None:
    token, _, _ = family
    _, _, other_child = family_with_child(stack, "autre@example.fr", "Hugo")
    for child_id in ("nope", other_child):
        got = stack.call("GET", f"{E}/editions/health_form/{child_id}", token=token, headers=PDF_HEADERS)
        assert got.status_code == 404
        assert got.json["error"]["code"] == "not_found"


def test_the_health_form_of_a_sparse_record_leaves_blanks_to_fill(stack: Any, family: tuple[str, str, str]) -> None:
    token, _, _ = family
    sparse = {"last_name": "Muller", "first_name": "Éloïse", "sex": "F", "birth_date": "2021-02-03"}
    created = stack.call("POST", f"{E}/children", sparse, token=token)
    assert created.status_code == 201
    got = stack.call("GET", f"{E}/editions/health_form/{created.json['child_id']}", token=token,
                     headers=PDF_HEADERS)
    assert got.status_code == 200
    assert got.headers["Content-Disposition"] == 'attachment; filename="fiche-sanitaire-eloise.pdf"'
    text = pdf_text(got.data)
    assert "Éloïse" in text and "Non renseigné" in text and "......" in text


def test_the_health_form_logs_no_medical_data(stack: Any, family: tuple[str, str, str],
                                              caplog: pytest.LogCaptureFixture) -> None:
    token, _, child_id = family
    caplog.set_level(logging.INFO)
    caplog.clear()
    assert stack.call("GET", f"{E}/editions/health_form/{child_id}", token=token,
                      headers=PDF_HEADERS).status_code == 200
    assert stack.call("GET", f"{E}/editions", token=token).status_code == 200
    logs = logged(caplog)
    for secret in ("Arachide", "Dr Weber", "Léa", "Muller", "2018-04-02", "DTP"):
        assert secret not in logs, secret


# --- the list -------------------------------------------------------------------------------------------

def test_editions_list_a_health_form_per_child(stack: Any, family: tuple[str, str, str]) -> None:
    token, _, child_id = family
    second = stack.call("POST", f"{E}/children", child("Hugo", sex="M"), token=token).json["child_id"]
    got = stack.call("GET", f"{E}/editions", token=token)
    assert got.status_code == 200
    assert got.json == [
        {"edition_id": child_id, "kind": "health_form", "child_id": child_id,
         "label": "Fiche sanitaire de liaison – Léa", "available": True},
        {"edition_id": second, "kind": "health_form", "child_id": second,
         "label": "Fiche sanitaire de liaison – Hugo", "available": True},
    ]


# --- the welcome contract --------------------------------------------------------------------------------

def test_the_welcome_contract_comes_with_request_decided(stack: Any, family: tuple[str, str, str]) -> None:
    token, family_id, child_id = family
    before = stack.call("GET", f"{E}/editions/welcome_contract/pr-19", token=token, headers=PDF_HEADERS)
    assert before.status_code == 404
    assert "pas encore disponible" in before.json["error"]["message"]
    assert [e["kind"] for e in stack.call("GET", f"{E}/editions", token=token).json] == ["health_form"]

    publish(stack, decided(family_id, child_id))

    listed = stack.call("GET", f"{E}/editions", token=token).json
    contract = next(e for e in listed if e["kind"] == "welcome_contract")
    assert contract["edition_id"] == "pr-19" and contract["child_id"] == child_id
    assert contract["available"] is True
    assert contract["label"] == "Contrat d'accueil – N° 000019 – (cah)ACEM - SCHWEIGHOUSE – Léa"

    got = stack.call("GET", f"{E}/editions/welcome_contract/pr-19", token=token, headers=PDF_HEADERS)
    assert got.status_code == 200, got.data[:300]
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"] == 'attachment; filename="contrat-accueil-000019.pdf"'
    assert got.data.startswith(b"%PDF-")
    text = pdf_text(got.data)
    for expected in ("Contrat d'accueil", "N° 000019", "(cah)ACEM - SCHWEIGHOUSE",
                     "PERISCOLAIRE 2026 - 2027 - SCHWEIGHOUSE", "Accueil périscolaire", "Muller Léa",
                     "02/04/2018", "Demande partiellement acceptée", "Lundi PERISCOLAIRE MIDI",
                     "Jeudi PERISCOLAIRE SOIR", "Mme Claire Muller", "« Lu et approuvé »"):
        assert expected in text, expected


def test_a_refused_or_waitlisted_request_has_no_contract(stack: Any, family: tuple[str, str, str]) -> None:
    token, family_id, child_id = family
    publish(stack, decided(family_id, child_id, request_id="pr-20", request_number="000020", answer="refused",
                           accepted_slots=[]))
    publish(stack, decided(family_id, child_id, request_id="pr-21", request_number="000021", answer="waitlisted",
                           accepted_slots=[]))
    assert [e["kind"] for e in stack.call("GET", f"{E}/editions", token=token).json] == ["health_form"]
    for request_id in ("pr-20", "pr-21"):
        got = stack.call("GET", f"{E}/editions/welcome_contract/{request_id}", token=token, headers=PDF_HEADERS)
        assert got.status_code == 404
    # Stored all the same: a later acceptance replaces the waiting list.
    decisions = {d.request_id: d.available for d in
                 Decision.query(family_pk(family_id), Decision.sk.startswith("DECISION#"))}
    assert decisions == {"pr-20": False, "pr-21": False}
    publish(stack, decided(family_id, child_id, request_id="pr-21", request_number="000021", answer="accepted"))
    assert stack.call("GET", f"{E}/editions/welcome_contract/pr-21", token=token,
                      headers=PDF_HEADERS).status_code == 200


def test_another_family_never_gets_my_contract(stack: Any, family: tuple[str, str, str]) -> None:
    _, family_id, child_id = family
    publish(stack, decided(family_id, child_id))
    other, _, _ = family_with_child(stack, "autre@example.fr", "Hugo")
    got = stack.call("GET", f"{E}/editions/welcome_contract/pr-19", token=other, headers=PDF_HEADERS)
    assert got.status_code == 404
    assert [e["kind"] for e in stack.call("GET", f"{E}/editions", token=other).json] == ["health_form"]


def test_record_decision_keeps_the_latest_answer(stack: Any, family: tuple[str, str, str]) -> None:
    from datetime import timedelta

    _, family_id, child_id = family
    first = decided(family_id, child_id, answer="waitlisted", accepted_slots=[])
    later = decided(family_id, child_id, answer="accepted", occurred_at=first.occurred_at + timedelta(hours=1))
    assert editions.record_decision(later)["answer"] == "accepted"
    # A late redelivery of the older decision does not take the contract away.
    assert editions.record_decision(first)["outcome"] == "older_decision_ignored"
    assert editions.decision(family_id, "pr-19")["answer"] == "accepted"


def test_french_text_outside_cp1252_is_written_plainly() -> None:
    assert editions.pdf_text("d’asthme – «\u202fok\u202f» 10\u202f€ œuf") == "d’asthme – « ok » 10 € œuf"
    assert editions.pdf_text("Zoë 😀") == "Zoë ?"
    assert editions.french_phone("+33612345678") == "06 12 34 56 78"
    assert editions.slug("Léa-Marie") == "lea-marie"
