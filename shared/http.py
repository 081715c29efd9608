"""Thin HTTP helpers around Chalice: one decorator gives every route the same error model, JSON bodies
validated by pydantic, the caller's principal, and a correlation id in the logs.

Chalice catches exceptions before its middleware sees them, so the translation lives in the decorator.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from chalice import Chalice, Response
from pydantic import BaseModel, ValidationError

from shared.audit import AuditNotInTransaction
from shared.audit import failed as audit_failed
from shared.auth import Principal, Role, principal_from_context, register_authorizer
from shared.errors import ApiError, InvalidInput, from_validation_error

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger  # created lazily: shared.logs

M = TypeVar("M", bound=BaseModel)
CORRELATION_HEADER = "x-correlation-id"
MAX_BODY_BYTES = 256 * 1024
# Our bodies nest four levels at most; deeper JSON is refused before it reaches pydantic (or recursion).
MAX_BODY_DEPTH = 32
# Every id in a path is a slug or a generated id: bounded so no key reaches DynamoDB's size limits.
PATH_PARAM = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,127}")  # a feed secret may start with "-"
MAX_QUERY_CHARS = 512
# Bodies are parsed as JSON whatever the header says, so that a wrong header gets our French 400.
ACCEPTED_CONTENT_TYPES = ["application/json", "text/plain", "application/x-www-form-urlencoded"]


@dataclass
class Req:
    """What a view needs of the request, already checked."""

    raw_body: bytes | None
    query: dict[str, str]
    headers: dict[str, str]
    correlation_id: str
    _principal: Principal | None
    client: str = ""  # the caller's IP address as API Gateway saw it (throttling), never logged

    @property
    def principal(self) -> Principal:
        assert self._principal is not None, "route declared without roles"
        return self._principal

    def body(self, model: type[M]) -> M:
        """The JSON body validated against ``model``; a French 400 naming the fields otherwise."""
        if self.raw_body and len(self.raw_body) > MAX_BODY_BYTES:
            raise InvalidInput("Le contenu envoyé est trop volumineux.", fields={"body": "Trop volumineux."})
        try:
            data = json.loads(self.raw_body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise InvalidInput("Le contenu envoyé n'est pas un JSON valide.",
                               fields={"body": "JSON invalide."}) from None
        except RecursionError:  # the C decoder recurses once per "[" or "{"
            raise _too_deep() from None
        if _depth(data) > MAX_BODY_DEPTH:
            raise _too_deep()
        if not isinstance(data, dict):
            raise InvalidInput("Le contenu envoyé doit être un objet JSON.", fields={"body": "Objet attendu."})
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise from_validation_error(exc) from None


def _too_deep() -> InvalidInput:
    return InvalidInput("Le contenu envoyé est trop imbriqué.",
                        fields={"body": f"Au plus {MAX_BODY_DEPTH} niveaux d'imbrication."})


def _depth(data: Any) -> int:
    """How deeply ``data`` nests lists and objects, counted without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_BODY_DEPTH:
                stack.extend((child, level + 1) for child in (value.values() if isinstance(value, dict) else value))
    return deepest


def check_params(path_params: dict[str, Any], query: dict[str, str]) -> None:
    """Ids in the path and query values are bounded before any use: a French 400 naming the parameter."""
    fields = {name: "Identifiant invalide : 128 caractères au plus (lettres, chiffres, « - », « _ », « . »)."
              for name, value in path_params.items() if not PATH_PARAM.fullmatch(str(value))}
    fields.update({name[:64]: f"{MAX_QUERY_CHARS} caractères au plus."
                   for name, value in query.items() if len(name) + len(value) > MAX_QUERY_CHARS})
    if fields:
        raise InvalidInput(f"Paramètre invalide : {', '.join(fields)}.", fields=fields)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body=body, status_code=status,
                    headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})


# Errors Chalice answers itself, before any view runs, in English: same status, our model, in French.
_FRAMEWORK_ERRORS = {
    "MethodNotAllowedError": ("method_not_allowed", "Cette action n'est pas possible à cette adresse."),
    "UnsupportedMediaType": ("unsupported_media_type",
                             "Envoyez le contenu au format JSON (en-tête Content-Type: application/json)."),
    "BadRequest": ("bad_request", "La requête n'est pas valide : indiquez le format de réponse attendu "
                                  "(en-tête Accept)."),
}


def _french_framework_errors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and body.get("Code") in _FRAMEWORK_ERRORS:
        code, message = _FRAMEWORK_ERRORS[body["Code"]]
        headers = {k: str(v) for k, v in response.headers.items() if k.lower() != "content-type"}
        return json_response({"error": {"code": code, "message": message, "fields": {}}}, response.status_code,
                             headers)
    return response


class Api:
    """Registers routes on a Chalice app with the shared conventions."""

    def __init__(self, app: Chalice, logger: Logger, revocations: type[Any] | None = None) -> None:
        """``revocations``: the service's ended-session model (``shared.sessions``); without it every
        token is refused, so a service with authenticated routes cannot forget ended sessions."""
        self.app = app
        self.logger = logger
        self.authorizer = register_authorizer(app, revocations)
        app.register_middleware(_french_framework_errors, "http")
        # Called before each staff write's view with (method, path, principal, params, raw body,
        # correlation id); returns None or the function to call with the view's result (or
        # ``audit.failed()``): the audit log's recorder (shared.audit), set by the service's api module.
        self.before_write: Callable[..., Callable[[Any], None] | None] | None = None

    def route(self, path: str, methods: tuple[str, ...] = ("GET",), *, roles: tuple[Role, ...] | None = None,
              status: int = 200) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """``roles=None`` makes a public route; otherwise the authorizer runs and the role is checked."""

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def wrapped(**params: Any) -> Response:
                request = self.app.current_request
                assert request is not None  # Chalice sets it before calling a view
                headers = {k.lower(): v for k, v in (request.headers or {}).items()}
                # Set afresh on every invocation (a warm Lambda must not carry the last request's id),
                # and answered in a header so the caller can quote it to support.
                correlation_id = headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
                self.logger.set_correlation_id(correlation_id)
                response = answer(request, headers, correlation_id, params)
                response.headers[CORRELATION_HEADER] = correlation_id
                return response

            def answer(request: Any, headers: dict[str, str], correlation_id: str, params: dict[str, Any]) -> Response:
                try:
                    principal = None
                    if roles is not None:
                        principal = principal_from_context(request.context).require(*roles)
                    query = dict(request.query_params or {})
                    check_params(params, query)
                    client = str(((request.context or {}).get("identity") or {}).get("sourceIp") or "")
                    req = Req(request.raw_body, query, headers, correlation_id, principal, client)
                    finish = None
                    if self.before_write is not None and principal is not None and request.method != "GET":
                        finish = self.before_write(request.method, path, principal, params, request.raw_body,
                                                   correlation_id)
                    try:
                        result = view(req, **params)
                    except BaseException:
                        if finish is not None:
                            finish(audit_failed())
                        raise
                    if finish is not None:
                        self._record(finish, result, path)
                    if isinstance(result, Response):
                        return result
                    if result is None:
                        return Response(body="", status_code=204)
                    return json_response(result, status)
                except ApiError as exc:
                    self.logger.info("request refused", extra={"path": path, "code": exc.code,
                                                                 "status": exc.status})
                    return json_response(exc.body(), exc.status)
                except Exception:
                    self.logger.exception("unexpected error", extra={"path": path})
                    return json_response(
                        {"error": {"code": "internal_error", "fields": {},
                                   "message": "Une erreur inattendue est survenue. Merci de réessayer plus tard."}},
                        500)

            kwargs: dict[str, Any] = {"methods": list(methods), "content_types": ACCEPTED_CONTENT_TYPES}
            if roles is not None:
                kwargs["authorizer"] = self.authorizer
            self.app.route(path, **kwargs)(wrapped)
            return view

        return decorator

    def _record(self, finish: Callable[[Any], None], result: Any, path: str) -> None:
        """End a staff action's audit: nothing to do when its transaction carried the event; otherwise the
        fallback write, whose failure is logged (without personal data) and does not undo the action."""
        try:
            finish(result)
        except AuditNotInTransaction:
            raise
        except Exception:
            self.logger.exception("staff action not recorded", extra={"path": path})

    def health(self, service: str) -> None:
        @self.route("/health")
        def health(req: Req) -> dict[str, str]:
            return {"status": "ok", "service": service}
