"""Rules behind the portal's screens (issue 9), through the HTTP API: the dates a new request or an
addition leaves out are the same in the preview and in the answer, named with the request that holds
them; a refusal's motif typed with its full stop is not doubled; the contract lists the week in order."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from planning import catalogue, decisions
from planning.models import ReservationLine
from planning.reservations import PeriodContext
from tests.helpers import seed_catalogue, staff_token
from tests.planning.support import at, validated_family

PERIOD = "periscolaire-2026-2027-schweighouse"
STRUCTURE = "acem-schweighouse"
API = "/api/planning"


@pytest.fixture
def family(stack: Any) -> tuple[str, str]:
    seed_catalogue(stack)
    at(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    return validated_family(stack, "claire@example.fr", [(STRUCTURE, "periscolaire")], "c-lea", "Léa")


def plan(child: str = "c-lea", **extra: Any) -> dict[str, Any]:
    return {"child_id": child, "period_id": PERIOD, **extra}


def test_preview_and_request_agree_on_the_dates_already_requested(stack: Any, family: tuple[str, str]) -> None:
    token, _ = family
    first = stack.call("POST", f"{API}/requests", plan(selection=[{"weekday": 0, "slot_code": "MIDI"}]), token=token)
    assert first.status_code == 201, first.json
    mondays = first.json["line_count"]

    again = plan(selection=[{"weekday": 0, "slot_code": "MIDI"}, {"weekday": 0, "slot_code": "SOIR"}])
    preview = stack.call("POST", f"{API}/requests/preview", again, token=token).json
    created = stack.call("POST", f"{API}/requests", again, token=token)
    assert created.status_code == 201, created.json
    assert preview["recap"]["total_lines"] == created.json["recap"]["total_lines"] == created.json["line_count"] \
        == mondays
    already = [s for s in created.json["skipped"] if s["kind"] == "already_requested"]
    assert already == [s for s in preview["skipped"] if s["kind"] == "already_requested"]
    assert len(already) == mondays and {s["slot_code"] for s in already} == {"MIDI"}
    assert already[0]["reason"] == f"déjà demandée (demande N° {first.json['number']})"

    # Everything already asked: a French 400, nothing written
    refused = stack.call("POST", f"{API}/requests/preview", plan(selection=[{"weekday": 0, "slot_code": "SOIR"}]),
                         token=token)
    assert refused.status_code == 400 and refused.json["error"]["message"] == "Ces présences sont déjà demandées."


def test_preview_of_an_addition_reads_the_request_and_the_addition_takes_only_the_selection(
        stack: Any, family: tuple[str, str]) -> None:
    token, _ = family
    first = stack.call("POST", f"{API}/requests", plan(selection=[{"weekday": 0, "slot_code": "MIDI"}]),
                       token=token).json
    body = {"selection": [{"weekday": 0, "slot_code": "MIDI"}, {"weekday": 4, "slot_code": "SOIR"}]}
    # the request fixes child and period, whatever the preview's body says
    preview = stack.call("POST", f"{API}/requests/preview",
                         {**plan("someone-else", request_id=first["request_id"]), **body}, token=token)
    assert preview.status_code == 200, preview.json
    with_child = stack.call("POST", f"{API}/requests/{first['request_id']}/lines", {**plan(), **body}, token=token)
    assert with_child.status_code == 400 and set(with_child.json["error"]["fields"]) == {"child_id", "period_id"}
    added = stack.call("POST", f"{API}/requests/{first['request_id']}/lines", body, token=token)
    assert added.status_code == 200, added.json
    assert added.json["recap"]["total_lines"] == preview.json["recap"]["total_lines"]
    assert {r["slot_code"] for r in added.json["recap"]["rows"]} == {"SOIR"}
    assert len(added.json["skipped"]) == len(preview.json["skipped"]) == first["line_count"]


def test_a_motif_typed_with_its_full_stop_is_not_doubled(stack: Any, family: tuple[str, str]) -> None:
    token, family_id = family
    manager = staff_token(stack, "responsable@asso.fr", "manager", [STRUCTURE])
    request = stack.call("POST", f"{API}/requests", plan(selection=[{"weekday": 0, "slot_code": "SOIR"}]),
                         token=token).json
    decided = stack.call("POST", f"{API}/staff/requests/{family_id}/{request['request_id']}/decide", {"elements": [
        {"weekday": 0, "slot_code": "SOIR", "decision": "refused", "reason": "Pas de transport le soir."}]},
        token=manager)
    assert decided.status_code == 200, decided.json
    mine = stack.call("GET", f"{API}/requests/{request['request_id']}", token=token).json
    assert mine["explanation"] == "Votre demande n'a pas pu être acceptée. Motif : Pas de transport le soir."


def test_the_contract_lists_the_week_from_monday_then_the_slots_in_the_period_order() -> None:
    data = next(p for p in catalogue.DEMO_PERIODS if p["period_id"] == PERIOD)
    ctx = PeriodContext(data, {}, None)  # type: ignore[arg-type]
    lines = [ReservationLine(date=d.isoformat(), slot_code=code) for d, code in (
        (date(2027, 1, 7), "SOIR"), (date(2027, 1, 4), "SOIR"), (date(2027, 1, 7), "MATIN"),
        (date(2027, 1, 4), "MIDI"), (date(2027, 1, 11), "MIDI"))]
    assert decisions.slot_names(ctx, lines) == ["Lundi PERISCOLAIRE MIDI", "Lundi PERISCOLAIRE SOIR",
                                                "Jeudi PERISCOLAIRE MATIN", "Jeudi PERISCOLAIRE SOIR"]


def test_several_periods_month_grids_come_from_one_catalogue_query(stack: Any, family: tuple[str, str]) -> None:
    from tests.planning.test_answers_api import dynamodb_calls

    token, _ = family
    both = f"{PERIOD},mercredi-2026-2027-haguenau"
    with dynamodb_calls() as calls:
        answer = stack.call("GET", f"{API}/calendars?period_ids={both}&month=2027-01", token=token)
    assert answer.status_code == 200, answer.json
    # the catalogue once, whatever the number of periods (dynamodb_calls leaves out the authorizer's session check)
    assert calls == ["Query"], calls
    grids = {p["period_id"]: {d["date"]: d for d in p["days"]} for p in answer.json["periods"]}
    assert grids[PERIOD]["2027-01-06"]["open"] is False  # a Wednesday: not a day of the school-days period
    assert grids["mercredi-2026-2027-haguenau"]["2027-01-06"]["open"] is True
    assert grids[PERIOD]["2027-01-04"]["bookable"] is True  # seen from June 2026
    too_many = stack.call("GET", f"{API}/calendars?period_ids={','.join(['p'] * 3 + [str(i) for i in range(11)])}"
                                 "&month=2027-01", token=token)
    assert too_many.status_code == 400 and "period_ids" in too_many.json["error"]["fields"]
