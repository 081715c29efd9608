"""One error model for every service: ``{"error": {"code", "message", "fields"}}`` with French messages.

Routes raise :class:`ApiError` (or let pydantic's ``ValidationError`` through); the HTTP middleware in
:mod:`shared.http` turns both into a JSON 4xx. Anything else becomes a 500 with a generic message and the
details only in the logs.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, code: str | None = None,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code
        if status:
            self.status = status

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class InvalidInput(ApiError):
    status = 400
    code = "validation_error"


class Unauthenticated(ApiError):
    status = 401
    code = "unauthenticated"

    def __init__(self, message: str = "Votre session a expiré ou n'est pas valide. Merci de vous reconnecter.",
                 **kw: Any) -> None:
        super().__init__(message, **kw)


class Forbidden(ApiError):
    status = 403
    code = "forbidden"

    def __init__(self, message: str = "Vous n'avez pas accès à cette ressource.", **kw: Any) -> None:
        super().__init__(message, **kw)


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class TooManyRequests(ApiError):
    status = 429
    code = "too_many_attempts"


# pydantic error type -> French sentence. ``{ctx}`` keys come from the error's context.
_MESSAGES: dict[str, str] = {
    "missing": "Ce champ est obligatoire.",
    "string_type": "Ce champ doit être un texte.",
    "string_too_short": "Ce champ doit contenir au moins {min_length} caractère(s).",
    "string_too_long": "Ce champ doit contenir au plus {max_length} caractères.",
    "string_pattern_mismatch": "Ce champ n'a pas le format attendu.",
    "bool_type": "Ce champ doit valoir vrai ou faux.",
    "bool_parsing": "Ce champ doit valoir vrai ou faux.",
    "int_type": "Ce champ doit être un nombre entier.",
    "int_parsing": "Ce champ doit être un nombre entier.",
    "float_type": "Ce champ doit être un nombre.",
    "float_parsing": "Ce champ doit être un nombre.",
    "greater_than_equal": "Ce champ doit être supérieur ou égal à {ge}.",
    "less_than_equal": "Ce champ doit être inférieur ou égal à {le}.",
    "literal_error": "Valeur non autorisée : choisissez parmi {expected}.",
    "enum": "Valeur non autorisée : choisissez parmi {expected}.",
    "date_type": "Ce champ doit être une date (AAAA-MM-JJ).",
    "date_parsing": "Ce champ doit être une date (AAAA-MM-JJ).",
    "date_from_datetime_parsing": "Ce champ doit être une date (AAAA-MM-JJ).",
    "datetime_parsing": "Ce champ doit être une date et une heure.",
    "time_parsing": "Ce champ doit être une heure (HH:MM).",
    "dict_type": "Ce champ doit être un objet.",
    "model_type": "Ce champ doit être un objet.",
    "list_type": "Ce champ doit être une liste.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
    "value_error": "{error}",
    "assertion_error": "{error}",
    "uuid_parsing": "Identifiant invalide.",
    "uuid_type": "Identifiant invalide.",
}


def _field_name(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def _french(error: dict[str, Any]) -> str:
    template = _MESSAGES.get(error["type"])
    ctx = dict(error.get("ctx") or {})
    if "error" in ctx:
        ctx["error"] = str(ctx["error"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if "expected" in ctx:  # pydantic joins the choices in English: "'M.' or 'Mme'"
        ctx["expected"] = str(ctx["expected"]).replace(" or ", " ou ")
    if template is None:
        return "Valeur invalide."
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return "Valeur invalide."


def from_validation_error(exc: ValidationError) -> InvalidInput:
    """Translate a pydantic error into our model, one French message per field (the first one wins)."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        fields.setdefault(_field_name(tuple(error["loc"])), _french(dict(error)))
    names = ", ".join(fields)
    return InvalidInput(f"Certains champs sont invalides : {names}.", fields=fields)
