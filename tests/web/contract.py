"""The portal's calls checked against the API's own request models (issue 9's contract test).

Every JSON body the browser sends to ``/api/<service>/...`` during the browser tests is recorded through
Playwright and validated against the pydantic model that the route itself reads (``req.body(Model)`` in
its view, found in the view's source and resolved in the view's own namespace): not a hand-written
copy of the contract, so a drift between web/ and a route fails the browser test that made the call.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from infra.local.apps import load_apps


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    pattern: re.Pattern[str]
    # one entry per ``req.body(...)`` of the view: the model(s) that read must accept the body (several
    # when the view picks the model from a table, e.g. by the request's kind); none: no body read
    reads: tuple[tuple[type[BaseModel], ...], ...]


def _models(value: Any) -> tuple[type[BaseModel], ...]:
    if isinstance(value, dict):
        value = tuple(value.values())
    if isinstance(value, type) and issubclass(value, BaseModel):
        return (value,)
    return tuple(v for v in value if isinstance(v, type) and issubclass(v, BaseModel)) \
        if isinstance(value, tuple) else ()


def _body_models(view: Any) -> tuple[tuple[type[BaseModel], ...], ...]:
    """What a view validates its body with: each ``req.body(<expr>)`` of its source, ``<expr>`` evaluated
    in the view's globals and closure; a local name assigned from a table (``TABLE.get(...)``,
    ``TABLE[...]``) stands for the table's models."""
    original = inspect.unwrap(view)
    tree = ast.parse(textwrap.dedent(inspect.getsource(original)))
    names = {**original.__globals__, **inspect.getclosurevars(original).nonlocals}
    tables = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            source = node.value.func.value if (isinstance(node.value, ast.Call) and isinstance(
                node.value.func, ast.Attribute) and node.value.func.attr == "get") else \
                node.value.value if isinstance(node.value, ast.Subscript) else None
            if source is not None:
                tables[node.targets[0].id] = source
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "body"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "req" and node.args):
            expr = node.args[0]
            if isinstance(expr, ast.Name) and expr.id in tables and expr.id not in names:
                expr = tables[expr.id]
            value = eval(compile(ast.Expression(expr), "<route>", "eval"), names)
            models = _models(value)
            assert models, f"{original.__qualname__}: req.body({ast.unparse(node.args[0])}) is no pydantic model"
            found.append(models)
    return tuple(found)


@cache
def routes() -> tuple[Route, ...]:
    """Every route of the four Chalice apps, with the body models its view reads."""
    found = []
    for service, app in load_apps().items():
        for path, methods in app.routes.items():
            regex = "/".join("[^/]+" if part.startswith("{") else re.escape(part) for part in path.split("/"))
            pattern = re.compile(f"^/api/{service}{regex}$")
            for method, entry in methods.items():
                found.append(Route(service, method, path, pattern, _body_models(entry.view_function)))
    return tuple(found)


def route_for(method: str, url: str) -> Route | None:
    path = urlsplit(url).path
    # a literal segment beats a parameter (``/requests/preview`` before ``/requests/{id}``)
    matches = [r for r in routes() if r.method == method and r.pattern.match(path)]
    return min(matches, key=lambda r: r.path.count("{"), default=None)


# What a drift between the portal and a route looks like: a field the route does not know or misses, a value
# of the wrong kind, a choice it does not offer. A value out of its bounds (too long, badly formed e-mail)
# is what a person types, which the route answers with its French 400: the tests type such values on
# purpose, so those are not contract breaks.
SHAPE_ERRORS = {"extra_forbidden", "missing", "model_type", "model_attributes_type", "list_type", "dict_type",
                "string_type", "int_type", "float_type", "bool_type", "literal_error", "enum",
                "union_tag_invalid", "union_tag_not_found", "is_instance_of"}


def _shape_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [e for e in exc.errors(include_url=False, include_input=False) if e["type"] in SHAPE_ERRORS]


def violation(method: str, url: str, body: str | None) -> str | None:
    """Why this call of the portal breaks its route's contract, or None when the route accepts it."""
    if not urlsplit(url).path.startswith("/api/") or method in ("GET", "HEAD", "OPTIONS"):
        return None
    route = route_for(method, url)
    where = f"{method} {urlsplit(url).path}"
    if route is None:
        return f"{where}: no such route in the API"
    if not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return f"{where}: the body is not JSON"
    if not route.reads:
        return None if data in ({}, None) else f"{where}: the route reads no body but got {sorted(data)}"
    for models in route.reads:
        errors = []
        for model in models:
            try:
                model.model_validate(data)
                break
            except ValidationError as exc:
                shape = _shape_errors(exc)
                if not shape:
                    break  # the body has the route's shape; its values are for the route to judge
                errors.append(f"{model.__name__}: {shape}")
        else:
            return f"{where}: " + "; ".join(errors)
    return None


class Recorder:
    """Records the API calls of a browser context; ``violations()`` checks them against the routes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None]] = []

    def attach(self, context: Any) -> Recorder:
        context.on("request", self._record)
        return self

    def _record(self, request: Any) -> None:
        if urlsplit(request.url).path.startswith("/api/"):
            self.calls.append((request.method, request.url, request.post_data))

    def violations(self) -> list[str]:
        return [v for v in (violation(*call) for call in self.calls) if v]
