"""After confirmation, the same presigned POST can still send other bytes to the upload key for its
15 minutes; staff and the family read the checked copy, never those bytes (issue 10, « Uploads »)."""

from __future__ import annotations

from typing import Any

import requests

from tests.enrolment.support import PDF
from tests.enrolment.test_documents import post_to_s3, start
from tests.enrolment.test_staff_races import submitted_family
from tests.helpers import seed_catalogue, staff_token

E = "/api/enrolment"
EVIL = b"MZ\x90\x00<script>alert(1)</script>" + b"\x00" * 100


def test_a_reupload_after_confirmation_never_reaches_the_readers(stack: Any) -> None:
    seed_catalogue(stack)
    manager = staff_token(stack, "schweighouse@asso.fr", "manager", ["acem-schweighouse"])
    token, family_id, lea, _, _ = submitted_family(stack, "copie@example.fr", wednesday=False)
    started = start(stack, token, "health_form", child_id=lea)
    assert started.status_code == 201, started.json
    document_id = started.json["document"]["document_id"]
    post_to_s3(started.json["upload"], PDF, "fiche.pdf", "application/pdf")
    assert stack.call("POST", f"{E}/documents/{document_id}/confirm", token=token).status_code == 200

    post_to_s3(started.json["upload"], EVIL, "fiche.pdf", "application/pdf")  # the same POST, other bytes

    staff_url = stack.call("GET", f"{E}/staff/families/{family_id}/documents/{document_id}/download",
                           token=manager).json["url"]
    family_url = stack.call("GET", f"{E}/documents/{document_id}/download", token=token).json["url"]
    for url in (staff_url, family_url):
        got = requests.get(url, timeout=30)
        assert got.status_code == 200 and got.content == PDF
    # Confirming again changes nothing: the document was checked once, its copy stands.
    assert stack.call("POST", f"{E}/documents/{document_id}/confirm", token=token).status_code == 200
    assert requests.get(stack.call("GET", f"{E}/documents/{document_id}/download", token=token).json["url"],
                        timeout=30).content == PDF
