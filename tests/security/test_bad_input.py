"""Bad input that answered 500 (issue #10, « Bad input »): each now answers a French 4xx naming the field,
and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto import mock_aws
from werkzeug.test import Client

from infra import bootstrap
from infra.local.gateway import Gateway
from tests.conftest import APPS, PREFIX, Stack
from tests.helpers import seed_catalogue, staff_token
from tests.planning.support import at
from tests.security.routes import ROUTES, body_routes

PERIOD = "periscolaire-2026-2027-schweighouse"


def assert_french_4xx(response: Any, field: str) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data()[:300])
    error = response.json["error"]
    assert set(error) == {"code", "message", "fields"}
    assert field in error["fields"], error
    assert "Traceback" not in response.get_data(as_text=True)
    return dict(error)


NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[Stack, str]]:
    """One stack for the module (each test only reads, or writes what no other test looks at)."""
    with mock_aws():
        stack = Stack(Client(Gateway(APPS)), bootstrap.deploy(PREFIX))
        seed_catalogue(stack)
        at(NOW)
        yield stack, staff_token(stack, "admin@asso.fr", "admin", [])


@pytest.fixture
def stack(deployed: tuple[Stack, str]) -> Stack:
    at(NOW)  # the admin's token was issued at NOW
    return deployed[0]


@pytest.fixture
def admin(deployed: tuple[Stack, str]) -> str:
    return deployed[1]


@pytest.mark.parametrize("raw", [b"[" * 100_000, b"{\"a\":" * 50_000, b"[" * 40 + b"]" * 40,
                                 b"{\"name\": " + b"[" * 33 + b"]" * 33 + b"}"],
                         ids=["brackets", "objects", "nested-list", "nested-field"])
def test_deeply_nested_json_is_refused_on_every_body_route(stack: Any, admin: str, raw: bytes) -> None:
    """Every route that reads a body (found in the route table) refuses it before pydantic or the decoder
    recurse; routes refused earlier by the role check answer 401/403, never 500."""
    tried = 0
    for route in body_routes():  # (a route that reads no body would act: a logout would end the session)
        path = route.sample_path()
        response = stack.call(route.method, path, raw=raw, token=admin)
        assert response.status_code < 500, (route.method, path, response.status_code)
        if response.status_code == 400:
            error = response.json["error"]
            assert error["fields"] and set(error) == {"code", "message", "fields"}
        tried += 1
    assert tried == len(body_routes()) >= 36


def test_nested_body_names_the_body(stack: Any, admin: str) -> None:
    response = stack.call("POST", "/api/accounts/login", raw=b"[" * 100_000)
    error = assert_french_4xx(response, "body")
    assert "imbriqué" in error["message"]


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1999-12", "2100-01"])
def test_calendar_and_board_refuse_months_out_of_range(stack: Any, admin: str, month: str) -> None:
    calendar = stack.call("GET", f"/api/planning/calendar?period_id={PERIOD}&month={month}", token=admin)
    assert "AAAA-MM" in assert_french_4xx(calendar, "month")["message"]
    board = stack.call("GET", f"/api/planning/staff/board?period_id={PERIOD}&month={month}", token=admin)
    assert_french_4xx(board, "month")
    agenda_ok = stack.call("GET", f"/api/planning/calendar?period_id={PERIOD}&month=2026-09", token=admin)
    assert agenda_ok.status_code == 200


def test_committee_rank_must_be_ascii_digits(stack: Any, admin: str) -> None:
    job = stack.call("POST", f"/api/planning/staff/committee/{PERIOD}/jobs", {}, token=admin)
    assert job.status_code == 202, job.json
    stack.drain()
    path = f"/api/planning/staff/committee/{PERIOD}/jobs/{job.json['job_id']}"
    assert stack.call("GET", path, token=admin).json["status"] == "simulated"
    for after in ("%C2%B2", "-1", "1e3", "9" * 30):
        assert_french_4xx(stack.call("GET", f"{path}?after={after}", token=admin), "after")
    assert stack.call("GET", f"{path}?after=0", token=admin).status_code == 200


def test_long_ids_are_refused_and_nothing_is_written(stack: Any, admin: str) -> None:
    body = {"name": "Nouvelle", "commune": "Haguenau", "departement": "67", "zone": "B", "activities": ["creche"]}
    long_id = "s" * 5000
    response = stack.call("PUT", f"/api/planning/catalogue/structures/{long_id}", body, token=admin)
    assert "structure_id" in assert_french_4xx(response, "structure_id")["message"]
    for odd in ("a%20b", "%C3%A9cole", "..", ".cache"):
        assert_french_4xx(stack.call("PUT", f"/api/planning/catalogue/structures/{odd}", body, token=admin),
                          "structure_id")
    catalogue = stack.call("GET", "/api/planning/catalogue", token=admin).json
    assert all(len(s["structure_id"]) < 100 for s in catalogue["structures"])
    assert stack.call("PUT", "/api/planning/catalogue/structures/nouvelle-creche", body, token=admin).status_code == 200


def test_every_path_parameter_is_bounded(stack: Any, admin: str) -> None:
    """A 5,000-character id on any route with a path parameter: a French 4xx, never a 500."""
    tried = 0
    for route in ROUTES:
        if not route.params:
            continue
        path = route.sample_path(fill="i" * 5000)
        response = stack.call(route.method, path, body={}, token=admin)
        assert 400 <= response.status_code < 500, (route.method, path[:80], response.status_code)
        tried += 1
    assert tried >= 30


@pytest.mark.parametrize("departement", ["٦٧", "٩٧٤", "00", "20", "975"])
def test_structure_departement_is_ascii(stack: Any, admin: str, departement: str) -> None:
    body = {"name": "Nouvelle", "commune": "Haguenau", "departement": departement, "zone": "B",
            "activities": ["creche"]}
    assert_french_4xx(stack.call("PUT", "/api/planning/catalogue/structures/nouvelle", body, token=admin),
                      "departement")


def test_ids_the_services_generate_pass_the_bound() -> None:
    """The bound refuses no real id: uuids, slugs, dates, and feed secrets (token_urlsafe may start with
    "-" or "_")."""
    import secrets
    import uuid

    from shared.errors import InvalidInput
    from shared.http import check_params

    for value in (str(uuid.uuid4()), "periscolaire-2026-2027-schweighouse", "2027-08-16", "-x_Y.ics",
                  "_abc.ics", *(secrets.token_urlsafe(32) + ".ics" for _ in range(200))):
        check_params({"id": value}, {"q": "x" * 500})
    for value in ("", ".", "..", "a b", "é", "a/b", "i" * 129):
        with pytest.raises(InvalidInput) as refused:
            check_params({"id": value}, {})
        assert "id" in refused.value.fields
    with pytest.raises(InvalidInput) as long_query:
        check_params({}, {"q": "x" * 600})
    assert "q" in long_query.value.fields
