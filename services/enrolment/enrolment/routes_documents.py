"""HTTP routes of "Mes documents" and "Mes éditions" (the family) and of the staff's document review.

The family's id is the account id of the token; a document id of another family answers 404.
``GET /documents/requirements`` lives in :mod:`enrolment.api` (every role reads it).
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from enrolment import documents, editions, family, schemas, staff
from shared.auth import Role
from shared.http import Api, Req

FAMILY = (Role.FAMILY,)
STAFF = (Role.MANAGER, Role.COORDINATOR, Role.ADMIN)
PDF = "application/pdf"


def pdf_response(content: bytes, filename: str) -> Response:
    return Response(body=content, status_code=200,
                    headers={"Content-Type": PDF, "Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def register(api: Api) -> None:
    # API Gateway returns a PDF intact only when its type is a binary media type of the API.
    if PDF not in api.app.api.binary_types:
        api.app.api.binary_types.append(PDF)

    # --- Mes documents ----------------------------------------------------------------------------------

    @api.route("/documents", ("POST",), roles=FAMILY, status=201)
    def start_upload(req: Req) -> dict[str, Any]:
        document, upload = documents.start_upload(req.principal.account_id, req.body(documents.UploadBody))
        return {"document": documents.document_view(document), "upload": upload}

    @api.route("/documents/{document_id}/confirm", ("POST",), roles=FAMILY)
    def confirm_upload(req: Req, document_id: str) -> dict[str, Any]:
        return documents.document_view(documents.confirm(req.principal.account_id, document_id))

    @api.route("/documents/{document_id}/download", roles=FAMILY)
    def download_document(req: Req, document_id: str) -> dict[str, Any]:
        return {"url": documents.download_url(req.principal.account_id, document_id)}

    @api.route("/documents/{document_id}", ("DELETE",), roles=FAMILY)
    def delete_document(req: Req, document_id: str) -> None:
        documents.delete(req.principal.account_id, document_id)

    # --- Mes éditions -----------------------------------------------------------------------------------

    @api.route("/editions", roles=FAMILY)
    def list_editions(req: Req) -> list[dict[str, Any]]:
        view = family.load(req.principal.account_id)
        return editions.list_editions(view, list(view.decisions.values()))

    @api.route("/editions/health_form/{child_id}", roles=FAMILY)
    def health_form(req: Req, child_id: str) -> Response:
        view = family.load(req.principal.account_id)
        content = editions.health_form_pdf(view, child_id)
        return pdf_response(content, editions.health_form_filename(view, child_id))

    @api.route("/editions/welcome_contract/{request_id}", roles=FAMILY)
    def welcome_contract(req: Req, request_id: str) -> Response:
        family_id = req.principal.account_id
        data = editions.decision(family_id, request_id)
        content = editions.welcome_contract_pdf(family.load(family_id), data)
        return pdf_response(content, editions.welcome_contract_filename(data))

    # --- staff ------------------------------------------------------------------------------------------

    @api.route("/staff/families/{family_id}/documents/{document_id}/download", roles=STAFF)
    def staff_download_document(req: Req, family_id: str, document_id: str) -> dict[str, Any]:
        view = staff.family_for(req.principal, family_id)  # 404 unknown family, 403 out of scope
        staff.document_in_scope(req.principal, view, document_id)  # 403 a child outside their requests
        return {"url": documents.download_url(view.family.family_id, document_id)}

    @api.route("/staff/families/{family_id}/documents/{document_id}/review", ("POST",), roles=STAFF)
    def staff_review_document(req: Req, family_id: str, document_id: str) -> dict[str, Any]:
        body = req.body(schemas.ReviewBody)
        view = staff.family_for(req.principal, family_id)
        staff.document_in_scope(req.principal, view, document_id)
        document = documents.review(view, document_id, body.decision, body.reason, req.correlation_id)
        if body.decision == "rejected":
            # Only the reviewer's own requests: a rejection in one structure never revokes another's. On the
            # file as read with this rejection (decision 24).
            staff.recheck_validations(view.family.family_id, req.correlation_id, req.principal, view)
        return documents.document_view(document)
