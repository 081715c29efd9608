"""Every family and staff action on reservations near its floor of DynamoDB calls (issue 12), counted
through botocore (each AWS call is one ``_make_api_call``): counts, never times. The lists cost the same
whatever the number of requests and lines behind them."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import botocore.client
import pytest

from tests.helpers import seed_catalogue, staff_token
from tests.planning.support import at, authorizer, validated_family

API = "/api/planning"
PERIOD = "periscolaire-2026-2027-schweighouse"
STRUCTURE = "acem-schweighouse"
GRANT = [(STRUCTURE, "periscolaire")]


@contextmanager
def calls() -> Iterator[list[tuple[str, str]]]:
    """The DynamoDB calls made meanwhile, as (operation, index or table)."""
    seen: list[tuple[str, str]] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(client: Any, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name == "dynamodb" and not authorizer(operation, params):
            seen.append((operation, params.get("IndexName", "table")))
        return original(client, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
        yield seen


@pytest.fixture
def manager(stack: Any) -> str:
    seed_catalogue(stack)
    at(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    token = staff_token(stack, "responsable@asso.fr", "manager", [STRUCTURE])
    body = {"decision_mode": "manual", "waitlist_mode": "manual", "auto_confirm_cancellations": False,
            "capacities": {"MIDI": 1}}
    assert stack.call("PUT", f"{API}/staff/periods/{PERIOD}/settings", body, token=token).status_code == 200
    return token


def _book(stack: Any, token: str, child: str, weekdays: tuple[int, ...] = (0,), key: str | None = None) -> Any:
    return stack.call("POST", f"{API}/requests", {"child_id": child, "period_id": PERIOD, "selection": [
        {"weekday": d, "slot_code": "MIDI"} for d in weekdays]}, token=token,
        headers={"Idempotency-Key": key} if key else None)


def test_a_request_is_written_without_preliminary_queries(stack: Any, manager: str) -> None:
    token, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    with calls() as seen:
        created = _book(stack, token, "c-lea", (0, 1, 3, 4))  # a school year of lunches: 140-odd lines
    assert created.status_code == 201 and created.json["line_count"] > 130
    # The catalogue, the family's partition (validations and requests), the request's number, then the
    # lines 48-odd a transaction, each with its date × slot cell (counted there while the cell is open:
    # decision 106), the last one with the request and its event: no Query per month.
    assert seen == [("Query", "table"), ("Query", "table"), ("UpdateItem", "table"),
                    *[("TransactWriteItems", "table")] * 3], seen
    with calls() as seen:
        keyed = _book(stack, token, "c-lea", (0,), key="floor-key-0001")
    # A second request of the child in that period reads the first one's lines (one Query, not one per
    # month) to leave out what is already asked: here everything, a 400, and the key's claim is released.
    assert keyed.status_code == 400, keyed.json
    assert seen == [("PutItem", "table"), ("Query", "table"), ("Query", "table"), ("Query", "gsi2"),
                    ("DeleteItem", "table")], seen


def test_cancelling_one_line_updates_that_line_only(stack: Any, manager: str) -> None:
    token, _ = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    created = _book(stack, token, "c-lea", (0, 1, 3, 4)).json
    with calls() as seen:
        cancelled = stack.call("POST", f"{API}/requests/{created['request_id']}/cancel",
                               {"lines": [{"date": "2026-09-07", "slot_code": "MIDI"}]}, token=token)
    assert cancelled.status_code == 200 and cancelled.json["line_count"] == 1
    # The request with the family's contact (one Query of its partition), the catalogue (the deadline), the
    # line by its key, one transaction (the line from its read state, the request's counts and history, the
    # event): never the request's lines.
    assert sorted(seen) == sorted([("Query", "table"), ("Query", "table"), ("BatchGetItem", "table"),
                                   ("TransactWriteItems", "table")]), seen
    assert ("Query", "gsi2") not in seen


def test_lists_cost_one_query_a_page_whatever_their_size(stack: Any, manager: str) -> None:
    families = [validated_family(stack, f"famille{n}@example.fr", GRANT, f"c-{n}", f"Enfant{n}", f"Nom{n}")
                for n in range(3)]
    made = [(family_id, _book(stack, token, f"c-{n}", (0, 1)).json["request_id"])
            for n, (token, family_id) in enumerate(families)]
    for family_id, request_id in made:  # one place a date: the first accepted, the others wait
        decided = stack.call("POST", f"{API}/staff/requests/{family_id}/{request_id}/decide",
                             {"elements": [{"weekday": 0, "slot_code": "MIDI", "decision": "accepted"}]},
                             token=manager)
        assert decided.status_code == 200, decided.json
    token = families[0][0]
    assert stack.call("POST", f"{API}/requests/{made[0][1]}/cancel",
                      {"lines": [{"date": "2026-09-07", "slot_code": "MIDI"}]}, token=token).status_code == 200

    with calls() as seen:
        queue = stack.call("GET", f"{API}/staff/requests?structure_id={STRUCTURE}&status=pending", token=manager)
    assert len(queue.json["items"]) == 3 and all(i["counts"]["pending"] > 30 for i in queue.json["items"])
    assert seen == [("Query", "table"), ("Query", "gsi1")], seen  # the catalogue, then the page

    with calls() as seen:
        asked = stack.call("GET", f"{API}/staff/cancellations?structure_id={STRUCTURE}", token=manager)
    assert [(i["request_id"], i["lines"]) for i in asked.json["items"]] == \
        [(made[0][1], [{"date": "2026-09-07", "slot_code": "MIDI"}])]
    assert seen == [("Query", "table"), ("Query", "gsi1")], seen
    confirmed = stack.call("POST", f"{API}/staff/requests/{made[0][0]}/{made[0][1]}/cancellations/confirm", {},
                           token=manager)
    assert confirmed.status_code == 200 and confirmed.json["freed"] == 1

    with calls() as seen:
        waiting = stack.call("GET", f"{API}/staff/waitlist?structure_id={STRUCTURE}", token=manager)
    items = waiting.json["items"]
    assert [(i["request_id"], i["rank"]) for i in items] == [(made[1][1], 1), (made[2][1], 2)]
    assert items[0]["placeable"] == items[1]["placeable"] == 1  # 7 September, given back (promotion is manual)
    assert seen == [("Query", "table"), ("Query", "gsi2"), ("Query", "table")], seen  # catalogue, page, counters

    with calls() as seen:
        mine = stack.call("GET", f"{API}/requests", token=token)
    assert mine.json["items"][0]["counts"]["cancelled"] == 1
    assert seen == [("Query", "table"), ("Query", "table")], seen  # the family's partition, the catalogue

    with calls() as seen:
        month = stack.call("GET", f"{API}/agenda?month=2026-09", token=token)
    assert month.status_code == 200 and seen == [("Query", "table")]


def test_a_page_cursor_only_continues_its_own_list(stack: Any, manager: str) -> None:
    bad = stack.call("GET", f"{API}/staff/requests?structure_id={STRUCTURE}&after=not-a-cursor", token=manager)
    assert bad.status_code == 400 and bad.json["error"]["fields"] == {"after": "Curseur invalide."}
    other = base64.urlsafe_b64encode(json.dumps({"gsi1pk": {"S": "STRUCTURE#sejours"}, "gsi1sk": {"S": "x"},
                                                 "pk": {"S": "a"}, "sk": {"S": "b"}}).encode()).decode()
    foreign = stack.call("GET", f"{API}/staff/requests?structure_id={STRUCTURE}&after={other}", token=manager)
    assert foreign.status_code == 400


def test_a_full_year_is_decided_in_as_many_transactions_as_its_lines_fill(stack: Any, manager: str) -> None:
    token, family_id = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    created = _book(stack, token, "c-lea", (0, 1, 3, 4)).json
    lines = created["line_count"]
    path = f"{API}/staff/requests/{family_id}/{created['request_id']}"
    with calls() as seen:
        opened = stack.call("GET", path, token=manager)
    assert opened.status_code == 200 and len(opened.json["lines"]) == lines
    # The request with its family's partition (the score's facts), its lines (they carry the names shown),
    # the criteria: no catalogue.
    assert sorted(seen) == sorted([("Query", "table"), ("Query", "gsi2"), ("GetItem", "table")]), seen
    year = {"elements": [{"weekday": d, "slot_code": "MIDI", "decision": "refused", "reason": "Complet"}
                         for d in (0, 1, 3, 4)]}
    with calls() as seen:
        decided = stack.call("POST", f"{path}/decide", year, token=manager)
    assert decided.status_code == 200 and decided.json["answer"] == "refused", decided.json
    # The same reads and the catalogue (capacities), then ~96 lines a transaction (no place changes hands:
    # one item a line), the answer (history, event) in the last one; the view is built from what was
    # written, without reading again.
    writes = [op for op in seen if op[0] == "TransactWriteItems"]
    assert len(writes) == -(-lines // 96), (lines, seen)
    assert len(seen) == 4 + len(writes), seen


def test_the_calendar_feed_reads_the_family_once(stack: Any, manager: str) -> None:
    token, family_id = validated_family(stack, "claire@example.fr", GRANT, "c-lea", "Léa")
    created = _book(stack, token, "c-lea").json
    assert stack.call("POST", f"{API}/staff/requests/{family_id}/{created['request_id']}/decide",
                      {"elements": [{"weekday": 0, "slot_code": "MIDI", "decision": "accepted"}]},
                      token=manager).status_code == 200
    with calls() as seen:
        url = stack.call("POST", f"{API}/feed", token=token).json["url"]
    assert seen == [("GetItem", "table"), ("TransactWriteItems", "table")], seen  # the old feed, then the new
    with calls() as seen:
        feed = stack.call("GET", url.split("portail.test", 1)[1])
    assert feed.status_code == 200 and feed.data.count(b"BEGIN:VEVENT") == created["line_count"]
    # The family's partition (its feed and requests), the accepted request's lines, the catalogue.
    assert seen == [("Query", "table"), ("Query", "gsi2"), ("Query", "table")], seen
    with calls() as seen:
        assert stack.call("DELETE", f"{API}/feed", token=token).status_code == 204
    assert seen == [("GetItem", "table"), ("TransactWriteItems", "table")], seen
    assert stack.call("GET", url.split("portail.test", 1)[1]).status_code == 404
