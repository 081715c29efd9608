"""A local API Gateway and static host: ``/api/<service>/...`` to each Chalice app (through Chalice's
own LocalGateway, authorizers included), the portal at ``/``, the dev mailbox at ``/dev/mail``.

Gateway-level refusals get the same French bodies as the gateway responses of the AWS packaging.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
import os
import re
from pathlib import Path
from typing import Any

from chalice import Chalice
from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException
from werkzeug.wrappers import Request, Response

from infra.local import mailbox
from infra.local.apps import ROOT
from shared import settings

WEB_ROOT = ROOT / "web"
UNAUTHENTICATED = {"error": {"code": "unauthenticated", "fields": {},
                             "message": "Votre session a expiré ou n'est pas valide. Merci de vous reconnecter."}}
NOT_FOUND = {"error": {"code": "not_found", "fields": {}, "message": "Cette adresse n'existe pas."}}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def portal_csp() -> str:
    """The portal's content security policy; uploads go straight to S3 (moto locally) by presigned POST."""
    s3 = os.environ.get("AWS_ENDPOINT_URL") or f"https://{settings.load().documents_bucket}.s3.amazonaws.com"
    return (f"default-src 'self'; img-src 'self' data: blob:; style-src 'self'; connect-src 'self' {s3}; "
            "frame-src 'self' blob:; object-src 'none'; frame-ancestors 'none'")


def _json(body: Any, status: int) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    content_type="application/json; charset=utf-8", headers=SECURITY_HEADERS)


class Gateway:
    def __init__(self, apps: dict[str, Chalice]) -> None:
        self.gateways = {name: LocalGateway(app, Config.create()) for name, app in apps.items()}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/api/"):
            return self.api(request)
        if path == "/dev/mail.json":
            return _json(mailbox.messages(), 200)
        if path == "/dev/mail/count":
            return _json({"count": mailbox.count()}, 200)
        if path == "/dev/mail":
            return self.mail_page()
        return self.static(path)

    def api(self, request: Request) -> Response:
        _, _, service, *rest = request.path.split("/", 3)
        gateway = self.gateways.get(service)
        if gateway is None:
            return _json(NOT_FOUND, 404)
        path = "/" + (rest[0] if rest else "")
        if request.query_string:
            path += "?" + request.query_string.decode("latin-1")
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            result = gateway.handle_request(method=request.method, path=path, headers=headers,
                                            body=request.get_data() or b"")
        except LocalGatewayException as exc:
            body = exc.body or b""
            if b"Missing Authentication Token" in body or b"requires 'Credential'" in body:
                return _json(NOT_FOUND, 404)
            return _json(UNAUTHENTICATED, 401)
        body = result.get("body") or b""
        if result.get("isBase64Encoded"):
            body = base64.b64decode(body)
        response = Response(body, status=result["statusCode"], headers=SECURITY_HEADERS)
        for key, value in (result.get("headers") or {}).items():
            response.headers[key] = value
        for key, values in (result.get("multiValueHeaders") or {}).items():
            for value in values:
                response.headers.add(key, value)
        return response

    def static(self, path: str) -> Response:
        relative = path.lstrip("/") or "index.html"
        target = (WEB_ROOT / relative).resolve()
        if not target.is_relative_to(WEB_ROOT.resolve()) or not target.is_file():
            if "." in Path(relative).name:
                return Response("Introuvable", status=404, content_type="text/plain; charset=utf-8")
            target = WEB_ROOT / "index.html"  # the portal routes its own paths
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        return Response(target.read_bytes(), content_type=content_type,
                        headers={**SECURITY_HEADERS, "Content-Security-Policy": portal_csp(),
                                 "Cache-Control": "no-cache"})

    def mail_page(self) -> Response:
        rows = []
        for mail in reversed(mailbox.messages()):
            text = html.escape(mail["text"])
            text = re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', text)
            rows.append(
                f"<article><h2>{html.escape(mail['subject'])}</h2>"
                f"<p><strong>À :</strong> {html.escape(mail['to'])} — <strong>Envoyé le :</strong> "
                f"{html.escape(mail['sent_at'] or '')}</p><pre>{text}</pre></article>"
            )
        body = "".join(rows) or "<p>Aucun e-mail envoyé pour l'instant.</p>"
        page = (
            "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<title>Boîte de réception de développement</title>"
            "<style>body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}"
            "article{border:1px solid #ccc;border-radius:6px;padding:0 1rem;margin:1rem 0}"
            "pre{white-space:pre-wrap}a{color:#1d3d6b}</style></head><body>"
            "<h1>E-mails envoyés (SES local)</h1><p>Les plus récents d'abord. "
            "<a href='/dev/mail.json'>Version JSON</a></p>" + body + "</body></html>"
        )
        csp = "default-src 'none'; style-src 'unsafe-inline'"
        return Response(page, content_type="text/html; charset=utf-8",
                        headers={**SECURITY_HEADERS, "Content-Security-Policy": csp})
