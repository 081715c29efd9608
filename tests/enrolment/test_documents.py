"""Mes documents through HTTP and S3: an upload goes to S3 by presigned POST, the service checks what S3
received (size, magic bytes) on confirmation; refusals leave neither record nor object; a family never
reaches another family's document; staff review through the outbox."""

from __future__ import annotations

import io
import logging
from datetime import date
from typing import Any

import boto3
import pytest
import requests

from enrolment import documents
from enrolment.models import Document, Outbox, family_pk
from shared import clock, outbox, settings
from tests.enrolment.support import child, fill_file, periscolaire
from tests.helpers import confirmed_family, seed_catalogue, staff_token

E = "/api/enrolment"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
TEXT = b"Ceci n'est pas un PDF : juste du texte.\n" * 20


# --- helpers (test_editions uses them too) ---------------------------------------------------------------

def family_with_child(stack: Any, email: str, first_name: str = "Léa") -> tuple[str, str, str]:
    """A confirmed family with a filled-in file and one child: ``(token, family_id, child_id)``."""
    token, family_id = confirmed_family(stack, email)
    stack.drain()  # the family file is opened from AccountRegistered
    (child_id,) = fill_file(stack, token)
    if first_name != "Léa":
        created = stack.call("PUT", f"{E}/children/{child_id}", child(first_name), token=token)
        assert created.status_code == 200, created.json
    return token, family_id, child_id


def start(stack: Any, token: str, doc_type: str, *, child_id: str | None = None, filename: str = "scan.pdf",
          content_type: str = "application/pdf") -> Any:
    body: dict[str, Any] = {"type": doc_type, "filename": filename, "content_type": content_type}
    if child_id:
        body["child_id"] = child_id
    return stack.call("POST", f"{E}/documents", body, token=token)


def post_to_s3(upload: dict[str, Any], content: bytes, filename: str, content_type: str) -> None:
    """What the browser does with the presigned POST (moto intercepts the request)."""
    sent = requests.post(upload["url"], data=upload["fields"],
                         files={"file": (filename, io.BytesIO(content), content_type)}, timeout=30)
    assert sent.status_code in (200, 201, 204), sent.text


def upload(stack: Any, token: str, doc_type: str, content: bytes, *, child_id: str | None = None,
           filename: str = "scan.pdf", content_type: str = "application/pdf") -> tuple[str, Any]:
    """Start, send to S3, confirm: ``(document_id, confirmation response)``."""
    started = start(stack, token, doc_type, child_id=child_id, filename=filename, content_type=content_type)
    assert started.status_code == 201, started.json
    document_id = started.json["document"]["document_id"]
    post_to_s3(started.json["upload"], content, filename, content_type)
    return document_id, stack.call("POST", f"{E}/documents/{document_id}/confirm", token=token)


def s3_keys(family_id: str) -> list[str]:
    s3 = boto3.client("s3", region_name="eu-west-3")
    listed = s3.list_objects_v2(Bucket=settings.load().documents_bucket, Prefix=f"families/{family_id}/")
    return [item["Key"] for item in listed.get("Contents", [])]


def document_items(family_id: str) -> list[Document]:
    return list(Document.query(family_pk(family_id), Document.sk.startswith("DOC#"), consistent_read=True))


def listed(stack: Any, token: str) -> dict[str, dict[str, Any]]:
    got = stack.call("GET", f"{E}/family", token=token)
    assert got.status_code == 200, got.json
    return {d["document_id"]: d for d in got.json["documents"]}


def assert_refused(response: Any, code: str, field: str, message: str | None = None) -> dict[str, Any]:
    assert response.status_code == 400, (response.status_code, response.json)
    error = response.json["error"]
    assert error["code"] == code, error
    assert field in error["fields"], error
    if message is not None:
        assert error["message"] == message
    return error


@pytest.fixture
def family(stack: Any) -> tuple[str, str, str]:
    return family_with_child(stack, "claire@example.fr")


# --- the requirements -------------------------------------------------------------------------------------

def test_required_documents_per_activity(stack: Any, family: tuple[str, str, str]) -> None:
    token, _, _ = family
    got = stack.call("GET", f"{E}/documents/requirements", token=token)
    assert got.status_code == 200
    by_kind = {kind: {item["type"]: item["scope"] for item in items} for kind, items in got.json.items()}
    assert by_kind["periscolaire"] == {"vaccinations": "child", "health_form": "child", "insurance": "family",
                                       "mandatory_proofs": "family"}
    assert {"health_form", "vaccinations", "insurance", "caf_quotient", "rgpd_charter",
            "news_charter"} == set(by_kind["sejour"])
    assert "vaccinations" in by_kind["creche"] and "health_form" in by_kind["creche"]


# --- accepted uploads ------------------------------------------------------------------------------------

def test_pdf_jpeg_and_png_are_received_and_listed_pending(stack: Any, family: tuple[str, str, str]) -> None:
    token, family_id, child_id = family
    insurance, confirmed = upload(stack, token, "insurance", PDF, filename="Attestation MAIF.pdf")
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["status"] == "pending"
    assert confirmed.json["size"] == len(PDF)
    assert confirmed.json["valid_until"] == documents.school_year_end(clock.now().date()).isoformat()
    vaccines, confirmed = upload(stack, token, "vaccinations", JPEG, child_id=child_id, filename="carnet.jpg",
                                 content_type="image/jpeg")
    assert confirmed.status_code == 200, confirmed.json
    health, confirmed = upload(stack, token, "health_form", PNG, child_id=child_id, filename="fiche.png",
                               content_type="image/png")
    assert confirmed.status_code == 200, confirmed.json

    docs = listed(stack, token)
    assert set(docs) == {insurance, vaccines, health}
    assert {d["status"] for d in docs.values()} == {"pending"}
    assert docs[vaccines]["child_id"] == child_id and docs[insurance]["child_id"] is None
    assert docs[vaccines]["content_type"] == "image/jpeg" and docs[health]["content_type"] == "image/png"
    assert docs[insurance]["label"] == "Attestation d'assurance"
    assert docs[insurance]["filename"] == "Attestation MAIF.pdf"
    assert docs[vaccines]["valid_until"] is None
    assert sorted(s3_keys(family_id)) == sorted(f"families/{family_id}/{d}" for d in docs)

    # Confirming again changes nothing.
    again = stack.call("POST", f"{E}/documents/{health}/confirm", token=token)
    assert again.status_code == 200 and again.json["status"] == "pending"


def test_the_type_is_read_from_the_content_not_the_declared_type(stack: Any, family: tuple[str, str, str]) -> None:
    token, _, child_id = family
    _, confirmed = upload(stack, token, "vaccinations", PNG, child_id=child_id, filename="photo.pdf",
                          content_type="application/pdf")
    assert confirmed.status_code == 200
    assert confirmed.json["content_type"] == "image/png"


def test_the_presigned_post_limits_size_type_and_time(stack: Any, family: tuple[str, str, str]) -> None:
    import base64
    import json

    token, family_id, _ = family
    started = start(stack, token, "insurance")
    fields = started.json["upload"]["fields"]
    assert fields["key"] == f"families/{family_id}/{started.json['document']['document_id']}"
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 10 * 1024 * 1024] in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    assert started.json["document"]["status"] == "uploading"
    # An upload in progress is not part of the family file yet.
    assert listed(stack, token) == {}


def test_insurance_is_valid_until_the_end_of_the_school_year() -> None:
    assert documents.school_year_end(date(2026, 9, 1)) == date(2027, 8, 31)
    assert documents.school_year_end(date(2026, 12, 31)) == date(2027, 8, 31)
    assert documents.school_year_end(date(2027, 8, 31)) == date(2027, 8, 31)
    assert documents.school_year_end(date(2027, 1, 15)) == date(2027, 8, 31)


# --- refused uploads leave nothing behind ---------------------------------------------------------------

def test_a_text_file_named_pdf_is_refused_and_leaves_nothing(stack: Any, family: tuple[str, str, str]) -> None:
    token, family_id, _ = family
    document_id, refused = upload(stack, token, "insurance", TEXT, filename="assurance.pdf")
    assert_refused(refused, "file_type_refused", "file",
                   "Format refusé : seuls les fichiers PDF, JPEG ou PNG sont acceptés.")
    assert s3_keys(family_id) == []
    assert document_items(family_id) == []
    assert listed(stack, token) == {}
    assert stack.call("POST", f"{E}/documents/{document_id}/confirm", token=token).status_code == 404


def test_a_file_over_10_mb_is_refused_by_its_size_in_s3(stack: Any, family: tuple[str, str, str]) -> None:
    token, family_id, _ = family
    big = PDF + b"0" * (10 * 1024 * 1024 + 1 - len(PDF))  # moto does not enforce the policy: S3 would
    _, refused = upload(stack, token, "insurance", big)
    error = assert_refused(refused, "file_too_large", "file")
    assert "10 Mo" in error["message"]
    assert s3_keys(family_id) == []
    assert document_items(family_id) == []


def test_exactly_10_mb_is_accepted(stack: Any, family: tuple[str, str, str]) -> None:
    token, family_id, _ = family
    started = start(stack, token, "insurance")
    document_id = started.json["document"]["document_id"]
    content = PDF + b"0" * (10 * 1024 * 1024 - len(PDF))
    boto3.client("s3", region_name="eu-west-3").put_object(
        Bucket=settings.load().documents_bucket, Key=f"families/{family_id}/{document_id}", Body=content)
    confirmed = stack.call("POST", f"{E}/documents/{document_id}/confirm", token=token)
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["size"] == 10 * 1024 * 1024


def test_an_empty_file_is_refused(stack: Any, family: tuple[str, str, str]) -> None:
    token, family_id, _ = family
    started = start(stack, token, "insurance")
    document_id = started.json["document"]["document_id"]
    boto3.client("s3", region_name="eu-west-3").put_object(
        Bucket=settings.load().documents_bucket, Key=f"families/{family_id}/{document_id}", Body=b"")
    assert_refused(stack.call("POST", f"{E}/documents/{document_id}/confirm", token=token), "file_empty", "file")
    assert s3_keys(family_id) == [] and document_items(family_id) == []


def test_confirming_a_file_never_uploaded_is_refused_and_leaves_no_record(stack: Any,
                                                                          family: tuple[str, str, str]) -> None:
    token, family_id, _ = family
    started = start(stack, token, "insurance")
    document_id = started.json["document"]["document_id"]
    refused = stack.call("POST", f"{E}/documents/{document_id}/confirm", token=token)
    error = assert_refused(refused, "file_not_received", "file")
    assert error["message"].startswith("Le fichier n'a pas été reçu")
    assert document_items(family_id) == []
    assert stack.call("POST", f"{E}/documents/{document_id}/confirm", token=token).status_code == 404


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"type": "insurance", "filename": "a.txt", "content_type": "text/plain"}, "content_type",
     "Format refusé : seuls les fichiers PDF, JPEG ou PNG sont acceptés."),
    ({"type": "passport", "filename": "a.pdf", "content_type": "application/pdf"}, "type", None),
    ({"type": "vaccinations", "filename": "a.pdf", "content_type": "application/pdf"}, "child_id", None),
    ({"type": "insurance", "child_id": "CHILD", "filename": "a.pdf", "content_type": "application/pdf"},
     "child_id", None),
    ({"type": "insurance", "filename": "", "content_type": "application/pdf"}, "filename", None),
    ({"type": "insurance", "filename": "a.pdf"}, "content_type", None),
    ({"type": "insurance", "filename": "a.pdf", "content_type": "application/pdf", "family_id": "x"},
     "family_id", None),
])
def test_an_invalid_request_names_the_field_in_french(stack: Any, family: tuple[str, str, str], body: dict[str, Any],
                                                      field: str, message: str | None) -> None:
    token, family_id, child_id = family
    body = {k: (child_id if v == "CHILD" else v) for k, v in body.items()}
    refused = stack.call("POST", f"{E}/documents", body, token=token)
    assert refused.status_code == 400, refused.json
    error = refused.json["error"]
    assert field in error["fields"], error
    if message:
        assert error["fields"][field] == message
    assert document_items(family_id) == []


def test_a_child_of_another_family_is_unknown(stack: Any, family: tuple[str, str, str]) -> None:
    token, _, _ = family
    _, other_family, other_child = family_with_child(stack, "autre@example.fr", "Hugo")
    refused = start(stack, token, "vaccinations", child_id=other_child)
    assert refused.status_code == 404
    assert document_items(other_family) == []


# --- a family only reaches its own documents --------------------------------------------------------------

def test_another_family_cannot_confirm_download_or_delete_my_document(stack: Any,
                                                                      family: tuple[str, str, str]) -> None:
    token, family_id, child_id = family
    document_id, confirmed = upload(stack, token, "vaccinations", PDF, child_id=child_id)
    assert confirmed.status_code == 200
    pending = start(stack, token, "insurance")
    pending_id = pending.json["document"]["document_id"]
    post_to_s3(pending.json["upload"], PDF, "a.pdf", "application/pdf")

    other, _ = confirmed_family(stack, "intrus@example.fr")
    stack.drain()
    for target in (document_id, pending_id):
        for method, path in (("POST", f"/documents/{target}/confirm"), ("GET", f"/documents/{target}/download"),
                             ("DELETE", f"/documents/{target}")):
            answer = stack.call(method, E + path, token=other)
            assert answer.status_code == 404, (method, path, answer.json)
    assert len(document_items(family_id)) == 2
    assert len(s3_keys(family_id)) == 2
    # The unconfirmed one is still mine to confirm.
    assert stack.call("POST", f"{E}/documents/{pending_id}/confirm", token=token).status_code == 200


def test_without_a_token_nothing_is_reachable(stack: Any, family: tuple[str, str, str]) -> None:
    token, _, child_id = family
    document_id, _ = upload(stack, token, "vaccinations", PDF, child_id=child_id)
    assert stack.call("GET", f"{E}/documents/{document_id}/download").status_code == 401
    assert stack.call("POST", f"{E}/documents", {"type": "insurance"}).status_code == 401


def test_download_serves_the_file_inline(stack: Any, family: tuple[str, str, str]) -> None:
    token, _, child_id = family
    document_id, _ = upload(stack, token, "vaccinations", JPEG, child_id=child_id, filename="carnet Léa.jpg",
                            content_type="image/jpeg")
    got = stack.call("GET", f"{E}/documents/{document_id}/download", token=token)
    assert got.status_code == 200
    assert "X-Amz-Expires=300" in got.json["url"]
    fetched = requests.get(got.json["url"], timeout=30)
    assert fetched.status_code == 200
    assert fetched.content == JPEG
    # « Ouvrir » shows it in the new tab (issue 13: it left a blank tab and downloaded the file).
    assert fetched.headers["Content-Disposition"].startswith('inline; filename="carnet Lea.jpg"')
    assert fetched.headers["Content-Type"] == "image/jpeg"
    assert "UTF-8''carnet%20L%C3%A9a.jpg" in fetched.headers["Content-Disposition"]


def test_a_pending_document_can_be_deleted(stack: Any, family: tuple[str, str, str]) -> None:
    token, family_id, child_id = family
    document_id, _ = upload(stack, token, "vaccinations", PDF, child_id=child_id)
    assert stack.call("DELETE", f"{E}/documents/{document_id}", token=token).status_code == 204
    assert document_items(family_id) == [] and s3_keys(family_id) == []
    assert stack.call("DELETE", f"{E}/documents/{document_id}", token=token).status_code == 404


# --- staff review -------------------------------------------------------------------------------------------

def _submitted_family(stack: Any) -> tuple[str, str, str, dict[str, str]]:
    """A family with a submitted périscolaire request and its four documents pending."""
    seed_catalogue(stack)
    token, family_id, child_id = family_with_child(stack, "claire@example.fr")
    ids = {}
    for doc_type, scope in (("vaccinations", "child"), ("health_form", "child"), ("insurance", "family"),
                            ("mandatory_proofs", "family")):
        ids[doc_type], confirmed = upload(stack, token, doc_type, PDF, child_id=child_id if scope == "child" else None)
        assert confirmed.status_code == 200, confirmed.json
    request = periscolaire(stack, token, child_id, wednesday=False)
    submitted = stack.call("POST", f"{E}/requests/{request['request_id']}/submit", token=token)
    assert submitted.status_code == 200, submitted.json
    stack.drain()
    return token, family_id, request["request_id"], ids


def test_staff_reject_a_document_and_the_family_is_told(stack: Any) -> None:
    token, family_id, _, ids = _submitted_family(stack)
    manager = staff_token(stack, "resp@asso.fr", "manager", ["acem-schweighouse"])
    base = f"{E}/staff/families/{family_id}/documents"

    download = stack.call("GET", f"{base}/{ids['vaccinations']}/download", token=manager)
    assert download.status_code == 200
    assert requests.get(download.json["url"], timeout=30).content == PDF

    no_reason = stack.call("POST", f"{base}/{ids['insurance']}/review", {"decision": "rejected"}, token=manager)
    assert no_reason.status_code == 400 and "reason" in no_reason.json["error"]["fields"]

    rejected = stack.call("POST", f"{base}/{ids['insurance']}/review",
                          {"decision": "rejected", "reason": "L'attestation a expiré."}, token=manager)
    assert rejected.status_code == 200, rejected.json
    assert rejected.json["status"] == "rejected" and rejected.json["reason"] == "L'attestation a expiré."
    events = [outbox.decode(item) for item in Outbox.pending.query(outbox.PENDING)
              if item.detail_type == "DocumentReviewed"]
    assert len(events) == 1
    assert events[0]["decision"] == "rejected" and events[0]["email"] == "claire@example.fr"
    assert events[0]["first_name"] == "Claire" and events[0]["document_label"] == "Attestation d'assurance"
    stack.drain()
    mails = [m for m in stack.mail_to("claire@example.fr") if "L'attestation a expiré." in m["text"]]
    assert len(mails) == 1
    assert listed(stack, token)[ids["insurance"]]["status"] == "rejected"

    accepted = stack.call("POST", f"{base}/{ids['vaccinations']}/review", {"decision": "accepted"}, token=manager)
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    assert accepted.json["reason"] is None
    # An accepted document stays in the file.
    kept = stack.call("DELETE", f"{E}/documents/{ids['vaccinations']}", token=token)
    assert kept.status_code == 409
    assert ids["vaccinations"] in listed(stack, token)


def test_staff_outside_the_familys_structures_are_refused(stack: Any) -> None:
    _, family_id, _, ids = _submitted_family(stack)
    other = staff_token(stack, "creche@asso.fr", "manager", ["creche-les-lutins"])
    base = f"{E}/staff/families/{family_id}/documents/{ids['insurance']}"
    assert stack.call("GET", f"{base}/download", token=other).status_code == 403
    refused = stack.call("POST", f"{base}/review", {"decision": "accepted"}, token=other)
    assert refused.status_code == 403
    assert {d.status for d in document_items(family_id)} == {"pending"}


def test_a_family_cannot_use_the_staff_routes(stack: Any) -> None:
    token, family_id, _, ids = _submitted_family(stack)
    answer = stack.call("POST", f"{E}/staff/families/{family_id}/documents/{ids['insurance']}/review",
                        {"decision": "accepted"}, token=token)
    assert answer.status_code == 403


def test_rejecting_a_mandatory_document_revokes_a_validation(stack: Any) -> None:
    _, family_id, request_id, ids = _submitted_family(stack)
    manager = staff_token(stack, "resp@asso.fr", "manager", ["acem-schweighouse"])
    base = f"{E}/staff/families/{family_id}/documents"
    for document_id in ids.values():
        assert stack.call("POST", f"{base}/{document_id}/review", {"decision": "accepted"},
                          token=manager).status_code == 200
    validated = stack.call("POST", f"{E}/staff/requests/{request_id}/validate", {"family_id": family_id},
                           token=manager)
    assert validated.status_code == 200, validated.json
    assert validated.json["status"] == "validated"

    rejected = stack.call("POST", f"{base}/{ids['health_form']}/review",
                          {"decision": "rejected", "reason": "Fiche non signée."}, token=manager)
    assert rejected.status_code == 200
    file = stack.call("GET", f"{E}/staff/families/{family_id}", token=manager).json
    assert next(r for r in file["requests"] if r["request_id"] == request_id)["status"] == "revoked"


# --- no personal data in the logs ---------------------------------------------------------------------------

def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record of the call with its structured extras (what the JSON log lines carry)."""
    return "\n".join(repr(record.__dict__) for record in caplog.records)


def test_uploads_log_no_file_name_nor_identity(stack: Any, family: tuple[str, str, str],
                                               caplog: pytest.LogCaptureFixture) -> None:
    token, _, child_id = family
    caplog.set_level(logging.INFO)
    caplog.clear()
    upload(stack, token, "vaccinations", PDF, child_id=child_id, filename="Vaccins-Lea-Muller-2018.pdf")
    upload(stack, token, "insurance", TEXT, filename="Assurance-Muller-Secret.pdf")
    stack.call("POST", f"{E}/documents", {"type": "vaccinations", "child_id": child_id, "filename": "Muller.exe",
                                          "content_type": "application/x-msdownload"}, token=token)
    logs = logged(caplog)
    assert "document received" in logs and "document upload refused" in logs and "document_id" in logs
    for secret in ("Muller", "Lea", "Léa", "Vaccins-", "Assurance-", "claire@example.fr", "Arachide"):
        assert secret not in logs, secret
