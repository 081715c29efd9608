"""The route table of the four Chalice apps, read from the apps themselves (``app.routes``, blueprints
included): each route's roles, path parameters, the pydantic models its view reads its body with, and the
query parameters the service reads. The authorization matrix and the fuzzer iterate over it, so a new
route is covered (or fails the matrix) without anyone listing it by hand."""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel

from shared.auth import Role
from tests.conftest import APPS, ROOT


@dataclass(frozen=True)
class Route:
    service: str
    path: str  # the app's own path, e.g. /children/{child_id}
    method: str
    roles: tuple[Role, ...] | None  # None: public
    view: Any = field(compare=False, repr=False)
    body_models: tuple[type[BaseModel], ...] = field(default=(), compare=False, repr=False)
    reads_body: bool = field(default=False, compare=False)

    @property
    def key(self) -> str:
        return f"{self.method} /{self.service}{self.path}"

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    def url(self, values: dict[str, str]) -> str:
        """The gateway path with ``values`` (quoted) in place of the path parameters."""
        path = re.sub(r"{(\w+)}", lambda m: quote(values[m.group(1)], safe=""), self.path)
        return f"/api/{self.service}{path}"

    def sample_path(self, fill: str = "inconnu") -> str:
        return self.url({p: fill for p in self.params})


def _original(view: Any) -> Any:
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return view


def _closure(function: Any, seen: set[int] | None = None) -> dict[str, Any]:
    """The variables ``function`` and the functions it closes over (recursively) closed over."""
    seen = seen if seen is not None else set()
    if id(function) in seen or not hasattr(function, "__code__"):
        return {}
    seen.add(id(function))
    found: dict[str, Any] = {}
    for name, cell in zip(function.__code__.co_freevars, function.__closure__ or (), strict=True):
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        found.setdefault(name, value)
        if callable(value) and hasattr(value, "__code__"):
            for inner, inner_value in _closure(value, seen).items():
                found.setdefault(inner, inner_value)
    return found


def _roles(wrapped: Any) -> tuple[Role, ...] | None:
    """The ``roles`` the shared ``Api.route`` decorator closed over."""
    cells = _closure(wrapped)
    assert "roles" in cells, f"{wrapped.__name__} is not registered through shared.http.Api.route"
    roles = cells["roles"]
    return None if roles is None else tuple(roles)


def _body_models(view: Any) -> tuple[bool, tuple[type[BaseModel], ...]]:
    """Whether the view reads a body, and the models of its ``req.body(<model>)`` calls that resolve."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(view)))
    scope = {**view.__globals__, **inspect.getclosurevars(view).nonlocals}
    models: list[type[BaseModel]] = []
    reads = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "body" \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "req":
            reads = True
            models.extend(_resolve(node.args[0], tree, scope))
    return reads, tuple(models)


def _resolve(expr: ast.expr, tree: ast.AST, scope: dict[str, Any]) -> list[type[BaseModel]]:
    """The model(s) ``expr`` names; a model picked at run time from a mapping (``model = MODELS.get(kind)``)
    gives every model of the mapping."""
    try:
        return [eval(compile(ast.Expression(expr), "<route>", "eval"), scope)]
    except NameError:
        pass
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(expr, ast.Name) \
                and any(isinstance(t, ast.Name) and t.id == expr.id for t in node.targets) \
                and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute):
            mapping = eval(compile(ast.Expression(node.value.func.value), "<route>", "eval"), scope)
            return [m for m in mapping.values() if isinstance(m, type) and issubclass(m, BaseModel)]
    return []


@cache
def query_names(service: str) -> tuple[str, ...]:
    """Every query parameter the service's code reads (``req.query.get("…")``)."""
    names: set[str] = set()
    for source in (ROOT / "services" / service / service).glob("*.py"):
        names.update(re.findall(r"req\.query\.get\(\"(\w+)\"", Path(source).read_text()))
    return tuple(sorted(names))


def _routes() -> list[Route]:
    found = []
    for service, app in APPS.items():
        for path, methods in app.routes.items():
            for method, entry in methods.items():
                view = _original(entry.view_function)
                reads, models = _body_models(view)
                found.append(Route(service, path, method, _roles(entry.view_function), view, models, reads))
    return sorted(found, key=lambda r: r.key)


ROUTES: list[Route] = _routes()


def body_routes() -> list[Route]:
    return [r for r in ROUTES if r.reads_body]
