"""Property-based fuzzing (hypothesis) of every route of the four apps, from their route table: path
parameters (real ids and arbitrary text), the query parameters the service reads, and bodies derived from
the pydantic models the view reads (valid, one field wrong, any JSON, any bytes). Whatever comes in: no
answer ≥ 500, and every error is the French model ``{"error": {"code", "message", "fields"}}``.

``make test`` runs the ``ci`` profile: derandomized, a few examples per route (about a minute). Set
``PORTAIL_FUZZ=deep`` (and optionally ``PORTAIL_FUZZ_EXAMPLES``) for long runs."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from pydantic import BaseModel
from werkzeug.test import Client

from infra import bootstrap
from infra.local.gateway import Gateway
from shared.auth import Role
from tests.conftest import APPS, PREFIX, Stack
from tests.planning.support import at
from tests.security.routes import ROUTES, Route, query_names
from tests.security.world import NOW, PERIODS, STRUCTURE_1, World, build_light

DEEP = os.environ.get("PORTAIL_FUZZ") == "deep"
EXAMPLES = int(os.environ.get("PORTAIL_FUZZ_EXAMPLES") or (200 if DEEP else 6))
settings.register_profile("portail-ci", max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck), print_blob=True)
settings.register_profile("portail-deep", max_examples=EXAMPLES, deadline=None,
                          suppress_health_check=list(HealthCheck), print_blob=True)
PROFILE = settings.get_profile("portail-deep" if DEEP else "portail-ci")
COUNTS = {"requests": 0, "5xx": 0, "not_french_model": 0}


@pytest.fixture(scope="module")
def fuzz_world() -> Iterator[World]:
    with mock_aws():
        outputs = bootstrap.deploy(PREFIX)
        yield build_light(Stack(Client(Gateway(APPS)), outputs))


# --- strategies ------------------------------------------------------------------------------------------

JUNK = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                 st.floats(allow_nan=False), st.text(max_size=30), st.just("²" * 4), st.just("x" * 3000),
                 st.just("9999-12-31"), st.just("0000-01-01"), st.lists(st.integers(), max_size=3),
                 st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
ANY_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=4), max_leaves=12)


def from_schema(schema: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Valid values for a pydantic JSON schema (the subset our models use)."""
    if "$ref" in schema:
        return from_schema(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema(s, defs) for s in schema[key]])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        if not props and isinstance(schema.get("additionalProperties"), dict):
            keys = from_schema(schema.get("propertyNames", {"type": "string", "maxLength": 20}), defs)
            return st.dictionaries(keys, from_schema(schema["additionalProperties"], defs), max_size=3)
        return st.fixed_dictionaries({k: from_schema(v, defs) for k, v in props.items() if k in required},
                                     optional={k: from_schema(v, defs) for k, v in props.items()
                                               if k not in required})
    if kind == "array":
        items = from_schema(schema.get("items", {}), defs)
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=min(schema.get("maxItems", 4), 4))
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date":
            return st.dates().map(lambda d: d.isoformat())
        if fmt == "date-time":
            return st.datetimes().map(lambda d: d.isoformat())
        if fmt == "email":
            return st.emails()
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 40), 40))
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if kind == "number":
        return st.floats(min_value=schema.get("minimum"), max_value=schema.get("maximum"), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return ANY_JSON


def model_bodies(model: type[BaseModel]) -> st.SearchStrategy[Any]:
    """Valid bodies of ``model``, and the same with one field replaced by junk or removed."""
    schema = model.model_json_schema()
    valid = from_schema(schema, schema.get("$defs", {}))

    def broken(body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        if not body:
            return st.fixed_dictionaries({"inattendu": JUNK})
        return st.tuples(st.sampled_from(sorted(body)), JUNK, st.booleans()).map(
            lambda t: {k: v for k, v in body.items() if not (t[2] and k == t[0])} | ({} if t[2] else {t[0]: t[1]}))

    return st.one_of(valid, valid.flatmap(broken))


def body_strategy(route: Route) -> st.SearchStrategy[tuple[Any, bytes | None]]:
    """``(json_body, raw_bytes)``: one of the two is used."""
    bodies = [model_bodies(m).map(lambda b: (b, None)) for m in route.body_models]
    anything = st.one_of(ANY_JSON.map(lambda b: (b, None)), st.binary(max_size=64).map(lambda b: (None, b)))
    return st.one_of(*bodies, anything) if bodies else st.one_of(st.just((None, None)), anything)


def known_values(world: World) -> dict[str, list[str]]:
    """Real ids by parameter name, so the fuzzer reaches past the lookups."""
    return {
        "child_id": [*world.child_ids.values(), "child-anatole"],
        "family_id": list(world.family_ids.values()),
        "request_id": [*world.enrolment_requests.values(), *world.planning_requests.values()],
        "document_id": list(world.documents.values()),
        "change_id": ["inconnu"],
        "period_id": list(PERIODS.values()),
        "structure_id": [STRUCTURE_1, "sejours", "creche-les-lutins"],
        "job_id": list(world.jobs.values()),
        "name": list(world.feeds.values()),
        "month": ["2026-11", "2027-07"],
        "date": ["2026-11-16"],
        "status": ["all", "pending", "submitted"],
        "after": ["0", "1"],
        "q": ["Anatole"],
    }


def text_value() -> st.SearchStrategy[str]:
    return st.one_of(st.text(max_size=40), st.just("x" * 5000), st.just("²"), st.just("../../etc"),
                     st.just("0000-01"), st.just("9999-12"), st.just("%00"))


def actor_for(route: Route) -> str:
    """A caller the route's role check lets through, so the fuzzer reaches the view."""
    roles = route.roles
    if roles is None:
        return "anonymous"
    if Role.FAMILY in roles:
        return "family_a"
    if Role.ADMIN in roles:
        return "admin"
    return "committee"


def check_answer(route: Route, response: Any, sent: str) -> None:
    COUNTS["requests"] += 1
    status = response.status_code
    if status >= 500:
        COUNTS["5xx"] += 1
    assert status < 500, f"{route.key}: {status} for {sent}\n{response.get_data()[:500]!r}"
    if status >= 400:
        try:
            error = json.loads(response.get_data())["error"]
            ok = set(error) == {"code", "message", "fields"} and isinstance(error["fields"], dict) \
                and isinstance(error["message"], str) and error["message"] and isinstance(error["code"], str)
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            COUNTS["not_french_model"] += 1
        assert ok, f"{route.key}: {status} not in the error model for {sent}: {response.get_data()[:300]!r}"
        assert "Traceback" not in error["message"] and "Error" not in error["message"], error


@pytest.mark.parametrize("route", ROUTES, ids=[r.key for r in ROUTES])
def test_route_never_fails(fuzz_world: World, route: Route) -> None:
    at(NOW)
    known = known_values(fuzz_world)
    names = query_names(route.service)
    actor = actor_for(route)

    @PROFILE
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        values = {p: data.draw(st.one_of(st.sampled_from(known.get(p, ["inconnu"])), text_value()), label=p)
                  for p in route.params}
        path = re.sub(r"{(\w+)}", lambda m: quote(values[m.group(1)], safe=""), route.path)
        wanted = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)), label="query") \
            if names else []
        query = {n: data.draw(st.one_of(st.sampled_from(known.get(n, ["x"])), text_value()), label=n)
                 for n in wanted}
        url = f"/api/{route.service}{path}" + (f"?{urlencode(query)}" if query else "")
        body, raw = data.draw(body_strategy(route), label="body") if route.method != "GET" else (None, None)
        response = fuzz_world.call(route.method, url, actor, body, raw=raw)
        check_answer(route, response, f"{route.method} {url} body={body!r:.200} raw={raw!r:.60}")

    run()


def test_fuzz_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs after the routes (same module): the figures the README quotes."""
    with capsys.disabled():
        print(f"\nfuzz: {len(ROUTES)} routes, {COUNTS['requests']} requests, {COUNTS['5xx']} answers ≥ 500, "
              f"{COUNTS['not_french_model']} errors outside the French model")
    assert COUNTS["5xx"] == 0 and COUNTS["not_french_model"] == 0
    if COUNTS["requests"]:  # the whole module ran (not a single route picked with -k)
        assert COUNTS["requests"] >= len(ROUTES) * min(EXAMPLES, 2)
