"""Mes documents: the family's uploads, checked by content, and the staff's review.

A family asks to upload a document (:func:`start_upload`): a ``Document`` item in status ``uploading`` and
an S3 presigned POST to ``families/<family_id>/<document_id>`` (10 MB at most, 15 minutes). The browser
sends the file straight to S3, then asks to confirm it (:func:`confirm`): the service reads what S3
received, its size and its first bytes (PDF, JPEG or PNG, whatever the file's name or declared type), and
either marks it ``pending`` or deletes the object and the record with a clear 400. Nothing of a refused
upload stays behind. Staff accept or reject a document (:func:`review`); the family is told through
``DocumentReviewed`` written in the same transaction as the decision.

The family id always comes from the caller's token; a document of another family is simply not found.
File names, child names and medical facts are never logged.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import Field, field_validator
from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action

from enrolment import completeness
from enrolment import family as family_file
from enrolment.models import Document, Outbox
from shared import clock, outbox, settings
from shared.ddb import transaction
from shared.errors import ApiError, Conflict, InvalidInput, NotFound
from shared.events import enrolment as ev
from shared.fields import Body
from shared.logs import get_logger

logger = get_logger("enrolment")

MAX_BYTES = 10 * 1024 * 1024
UPLOAD_SECONDS = 15 * 60
DOWNLOAD_SECONDS = 5 * 60
# An upload never confirmed (tab closed) disappears with the table's TTL in AWS.
UPLOADING_TTL = timedelta(days=1)
CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
SNIFF_BYTES = 16
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

CHILD_TYPES = frozenset(t for items in completeness.REQUIREMENTS.values() for t, scope in items if scope == "child")
# Types that may name a child without having to (the signed welcome contract concerns one child).
OPTIONAL_CHILD_TYPES = frozenset({"welcome_contract"})

WRONG_FORMAT = "Format refusé : seuls les fichiers PDF, JPEG ou PNG sont acceptés."
TOO_LARGE = "Le fichier dépasse la taille maximale de 10 Mo. Réduisez-le (ou scannez-le en qualité moindre) " \
            "puis recommencez l'envoi."
NOT_RECEIVED = "Le fichier n'a pas été reçu. Recommencez l'envoi du document."
EMPTY = "Le fichier reçu est vide. Recommencez l'envoi du document."


class UploadBody(Body):
    type: str = Field(max_length=40)
    child_id: str | None = Field(default=None, max_length=60)
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(max_length=100)

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in completeness.DOC_LABELS:
            raise ValueError("Type de document inconnu : choisissez parmi "
                             + ", ".join(completeness.DOC_LABELS) + ".")
        return value

    @field_validator("content_type")
    @classmethod
    def _content_type(cls, value: str) -> str:
        value = value.split(";")[0].strip().lower()
        if value == "image/jpg":
            value = "image/jpeg"
        if value not in CONTENT_TYPES:
            raise ValueError(WRONG_FORMAT)
        return value

    @field_validator("filename")
    @classmethod
    def _filename(cls, value: str) -> str:
        # Keep the last path component only, without control characters (shown back to people only).
        name = re.split(r"[\\/]", value)[-1]
        name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
        if not name:
            raise ValueError("Indiquez le nom du fichier.")
        return name


# --- S3 ----------------------------------------------------------------------------------------------

def _s3() -> Any:
    """S3 client: the local endpoint when one is set, else the regional virtual-hosted endpoint (a browser
    POST to the global endpoint of a bucket outside us-east-1 may get a redirect it cannot follow)."""
    import boto3  # with the first S3 call, not at the function's cold start (decision 37)

    conf = settings.load()
    style = "path" if conf.endpoint_url else "virtual"
    return boto3.client("s3", region_name=conf.region, endpoint_url=conf.endpoint_url,
                        config=Config(signature_version="s3v4", s3={"addressing_style": style}))


def _bucket() -> str:
    return settings.load().documents_bucket


def s3_key(family_id: str, document_id: str) -> str:
    return f"families/{family_id}/{document_id}"


def checked_key(family_id: str, document_id: str) -> str:
    """Where the checked copy lives: outside the prefix any presigned POST names, so no upload reaches it."""
    return f"checked/{family_id}/{document_id}"


def read_key(document: Document) -> str:
    """The object people download: the checked copy (documents confirmed before copies existed: the
    upload itself, whose presigned POST had expired long ago)."""
    return document.checked_key or document.s3_key


def _delete_object(key: str) -> None:
    try:
        _s3().delete_object(Bucket=_bucket(), Key=key)
    except ClientError:
        logger.warning("document object not deleted", extra={"outcome": "s3_delete_failed"})


def _status_code(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def sniff(head: bytes) -> str | None:
    """The content type the first bytes show (PDF, JPEG, PNG), or None."""
    return next((content_type for magic, content_type in MAGIC if head.startswith(magic)), None)


# --- helpers -----------------------------------------------------------------------------------------

def school_year_end(today: date) -> date:
    """31 August ending the school year ``today`` is in (a school year starts on 1 September)."""
    return date(today.year + 1 if today.month >= 9 else today.year, 8, 31)


def _get(family_id: str, document_id: str) -> Document:
    try:
        return Document.get(*Document.key(family_id, document_id), consistent_read=True)
    except DoesNotExist:
        raise NotFound("Ce document n'existe pas dans votre dossier.",
                       fields={"document_id": "Document inconnu."}) from None


def _refuse(document: Document, message: str, code: str, *, delete_object: bool) -> ApiError:
    """Delete what a refused upload left (object and record) and return the 400 to raise."""
    if delete_object:
        _delete_object(document.s3_key)
    document.delete()
    logger.info("document upload refused", extra={"document_id": document.document_id, "code": code})
    return InvalidInput(message, fields={"file": message}, code=code)


def _ascii_name(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r'[^A-Za-z0-9._ -]+', "_", ascii_name).strip() or "document"
    return ascii_name


def attachment_header(filename: str, disposition: str = "attachment") -> str:
    """``Content-Disposition`` for ``filename`` (ASCII fallback and the UTF-8 name, RFC 6266)."""
    return f"{disposition}; filename=\"{_ascii_name(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"


def label(document: Document, view: family_file.FileView | None = None) -> str:
    text = completeness.DOC_LABELS.get(document.type, document.type)
    if view is not None and document.child_id and document.child_id in view.children:
        text += f" ({view.child(document.child_id).first_name})"
    return text


def document_view(document: Document) -> dict[str, Any]:
    return {
        "document_id": document.document_id,
        "type": document.type,
        "label": completeness.DOC_LABELS.get(document.type, document.type),
        "child_id": document.child_id,
        "filename": document.filename,
        "content_type": document.content_type,
        "size": int(document.size) if document.size is not None else None,
        "status": document.status,
        "reason": document.reason,
        "valid_until": document.valid_until,
        "uploaded_at": document.uploaded_at.isoformat() if document.uploaded_at else None,
    }


# --- the family's side -------------------------------------------------------------------------------

def start_upload(family_id: str, body: UploadBody) -> tuple[Document, dict[str, Any]]:
    """Record an upload to come and the presigned POST the browser sends the file with."""
    view = family_file.load(family_id)
    child_id = body.child_id or None
    if body.type in CHILD_TYPES:
        if not child_id:
            raise InvalidInput("Choisissez l'enfant concerné par ce document.",
                               fields={"child_id": "Ce document concerne un enfant : choisissez lequel."})
        view.child(child_id)  # 404 unless it is one of this family's children
    elif child_id:
        if body.type not in OPTIONAL_CHILD_TYPES:
            raise InvalidInput("Ce document concerne toute la famille : ne choisissez pas d'enfant.",
                               fields={"child_id": "Document de la famille, sans enfant."})
        view.child(child_id)
    document_id = str(uuid.uuid4())
    now = clock.now()
    key = s3_key(family_id, document_id)
    document = Document(*Document.key(family_id, document_id), family_id=family_id, document_id=document_id,
                        type=body.type, child_id=child_id, filename=body.filename,
                        content_type=body.content_type, s3_key=key, status="uploading", created_at=now,
                        ttl=int((now + UPLOADING_TTL).timestamp()))
    document.save(condition=Document.pk.does_not_exist())
    post = _s3().generate_presigned_post(
        Bucket=_bucket(), Key=key, Fields={"Content-Type": body.content_type},
        Conditions=[{"Content-Type": body.content_type}, ["content-length-range", 1, MAX_BYTES]],
        ExpiresIn=UPLOAD_SECONDS)
    logger.info("document upload started", extra={"document_id": document_id, "type": body.type})
    return document, {"url": post["url"], "fields": post["fields"]}


def confirm(family_id: str, document_id: str) -> Document:
    """Check what S3 received: kept as ``pending`` if it is a PDF, JPEG or PNG of 10 MB at most;
    otherwise the object and the record are deleted and a 400 says why.

    The upload is first copied to a key no presigned POST can write (:func:`checked_key`), and the copy
    is what is checked and what people download: the same POST, still valid for its 15 minutes, may send
    other bytes to the upload key afterwards, but nobody reads them (and they are deleted).
    """
    document = _get(family_id, document_id)
    if document.status != "uploading":
        return document  # confirmed already (a second click): nothing to check again
    s3 = _s3()
    bucket = _bucket()
    copy = checked_key(family_id, document_id)
    try:
        s3.copy_object(Bucket=bucket, Key=copy, CopySource={"Bucket": bucket, "Key": document.s3_key},
                       MetadataDirective="COPY")
    except ClientError as exc:
        if _status_code(exc) in (403, 404):
            raise _refuse(document, NOT_RECEIVED, "file_not_received", delete_object=False) from None
        raise
    head = s3.head_object(Bucket=bucket, Key=copy)
    size = int(head["ContentLength"])
    detected = None
    if size > MAX_BYTES:
        refusal = (TOO_LARGE, "file_too_large")
    elif size == 0:
        refusal = (EMPTY, "file_empty")
    else:
        detected = sniff(s3.get_object(Bucket=bucket, Key=copy, Range=f"bytes=0-{SNIFF_BYTES - 1}")["Body"].read())
        refusal = (WRONG_FORMAT, "file_type_refused")
    if detected is None:
        _delete_object(copy)
        raise _refuse(document, refusal[0], refusal[1], delete_object=True)
    now = clock.now()
    actions: list[Action] = [
        Document.status.set("pending"), Document.size.set(size), Document.content_type.set(detected),
        Document.uploaded_at.set(now), Document.checked_key.set(copy), Document.ttl.remove()]
    if document.type == "insurance":
        actions.append(Document.valid_until.set(school_year_end(now.date()).isoformat()))
    try:
        document.update(actions=actions, condition=Document.status == "uploading")
    except UpdateError:
        document.refresh(consistent_read=True)  # a concurrent confirmation won: same outcome
    _delete_object(document.s3_key)  # the upload itself is never read again
    logger.info("document received", extra={"document_id": document_id, "size": size})
    return document


def download_url(family_id: str, document_id: str) -> str:
    """A presigned GET of 5 minutes, shown inline (« Ouvrir » opens it in a tab rather than downloading it)
    with the type its content showed on upload: only PDF, JPEG and PNG are ever kept."""
    document = _get(family_id, document_id)
    if document.status == "uploading":
        raise Conflict("Ce document n'a pas encore été reçu.", fields={"document_id": "Envoi non terminé."})
    return _s3().generate_presigned_url(
        "get_object",
        Params={"Bucket": _bucket(), "Key": read_key(document), "ResponseContentType": document.content_type,
                "ResponseContentDisposition": attachment_header(document.filename, "inline")},
        ExpiresIn=DOWNLOAD_SECONDS)


def delete(family_id: str, document_id: str) -> None:
    document = _get(family_id, document_id)
    if document.status == "accepted":
        raise Conflict("Ce document a été accepté : il ne peut plus être supprimé. Envoyez plutôt un nouveau "
                       "document si nécessaire.", fields={"document_id": "Document accepté."})
    try:
        document.delete(condition=Document.status != "accepted")
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":  # accepted meanwhile
            raise Conflict("Ce document a été accepté : il ne peut plus être supprimé.",
                           fields={"document_id": "Document accepté."}) from None
        raise
    _delete_object(document.s3_key)
    if document.checked_key:
        _delete_object(document.checked_key)
    logger.info("document deleted", extra={"document_id": document_id})


# --- staff -------------------------------------------------------------------------------------------

def review(view: family_file.FileView, document_id: str, decision: str, reason: str,
           correlation_id: str) -> Document:
    """Accept or reject a received document; the family is told (``DocumentReviewed``) in the same
    transaction."""
    document = view.documents.get(document_id)
    if document is None:
        raise NotFound("Ce document n'existe pas dans ce dossier.", fields={"document_id": "Document inconnu."})
    if document.status == "uploading":
        raise Conflict("Ce document n'a pas encore été reçu.", fields={"document_id": "Envoi non terminé."})
    reason = reason if decision == "rejected" else ""
    profile = view.profile
    first_name = profile.first_name if profile else view.family.first_name
    event = ev.DocumentReviewed.model_validate(dict(family_id=view.family.family_id, document_id=document_id,
                                email=view.family.email, first_name=first_name,
                                document_label=label(document, view), decision=decision, reason=reason,
                                correlation_id=correlation_id))
    try:
        with transaction() as tx:
            tx.update(document, actions=[Document.status.set(decision),
                                         Document.reason.set(reason) if reason else Document.reason.remove()],
                      condition=Document.status == document.status)
            tx.save(outbox.entry(Outbox, event))
    except TransactWriteError as exc:
        if exc.cause_response_code == "TransactionCanceledException":
            raise Conflict("Ce document a changé entre-temps : rechargez le dossier.",
                           fields={"document_id": "Document modifié."}) from None
        raise
    logger.info("document reviewed", extra={"document_id": document_id, "decision": decision})
    # The conditional write proves the document was as read: it is now that, reviewed (no second read).
    document.status, document.reason = decision, reason or None
    return document
