"""The contract checker of the browser tests (tests/web/contract.py) reads the routes' real models: it
refuses the body that broke « Ajouter des présences » (issue 9) and accepts what the portal sends now."""

from __future__ import annotations

from tests.web.contract import route_for, routes, violation

BASE = "http://127.0.0.1:1"


def test_every_route_that_reads_a_body_names_its_model():
    posts = [r for r in routes() if r.method in ("POST", "PUT")]
    assert posts
    assert {m.__name__ for r in posts for models in r.reads for m in models} >= {"AddBody", "PreviewBody", "Login"}


def test_the_old_body_of_adding_lines_is_refused_and_the_new_one_accepted():
    url = f"{BASE}/api/planning/requests/abc/lines"
    refused = violation("POST", url, '{"child_id": "c", "period_id": "p", "selection": []}')
    assert refused and "AddBody" in refused and "child_id" in refused and "period_id" in refused
    assert violation("POST", url, '{"selection": [{"weekday": 4, "slot_code": "SOIR", "parity": "all"}]}') is None


def test_a_literal_segment_wins_over_a_parameter_and_unknown_routes_are_reported():
    assert route_for("POST", f"{BASE}/api/planning/requests/preview").path == "/requests/preview"
    assert route_for("POST", f"{BASE}/api/planning/requests/x/cancel").path == "/requests/{request_id}/cancel"
    assert "no such route" in violation("POST", f"{BASE}/api/planning/nowhere", "{}")
    assert violation("GET", f"{BASE}/api/planning/anything", None) is None
    assert "reads no body" in violation("POST", f"{BASE}/api/accounts/logout", '{"x": 1}')


def test_a_body_picked_by_kind_must_fit_one_of_the_kinds():
    url = f"{BASE}/api/enrolment/requests"
    assert violation("POST", url, '{"kind": "periscolaire", "unexpected": true}')


def test_values_out_of_bounds_are_the_routes_to_judge_not_a_contract_break():
    url = f"{BASE}/api/accounts/signup"
    assert violation("POST", f"{BASE}/api/accounts/password/forgot", '{"email": "pas-une-adresse"}') is None
    assert "extra_forbidden" in violation("POST", f"{BASE}/api/accounts/password/forgot",
                                          '{"email": "a@b.fr", "kind": "x"}')
    assert "missing" in violation("POST", url, "{}")
