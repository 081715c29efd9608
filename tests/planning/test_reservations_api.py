"""The planning API beyond the guide's example: access, even and odd weeks, the séjour week copy,
overlapping slots, deadlines, additions, cancellations, the calendar feed, staff views, bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.helpers import confirmed_family, seed_catalogue, staff_token
from tests.planning.support import at, login, validated_family

PERI = "periscolaire-2026-2027-schweighouse"
MERCREDI = "mercredi-2026-2027-haguenau"


@pytest.fixture
def family(stack: Any) -> tuple[str, str]:
    seed_catalogue(stack)
    at(datetime(2026, 8, 17, 8, 0, tzinfo=UTC))
    return validated_family(stack, "claire@example.fr", [("acem-schweighouse", "periscolaire"),
                                                          ("acem-haguenau-mercredi", "mercredi"),
                                                          ("sejours", "sejour")])


def preview(stack: Any, token: str, **body: Any) -> Any:
    return stack.call("POST", "/api/planning/requests/preview", {"child_id": "child-1", **body}, token=token)


def test_the_planning_stays_closed_until_validation(stack: Any) -> None:
    seed_catalogue(stack)
    token, _ = confirmed_family(stack, "pas.encore@example.fr")
    listed = stack.call("GET", "/api/planning/plannings", token=token).json
    assert listed["items"] == [] and "validé par le responsable" in listed["message"]
    refused = preview(stack, token, period_id=PERI, selection=[{"weekday": 0, "slot_code": "MIDI"}])
    assert refused.status_code == 403 and refused.json["error"]["code"] == "not_validated"


def test_even_and_odd_weeks_split_the_weekly_copy(stack: Any, family: tuple[str, str]) -> None:
    token, _ = family
    every = preview(stack, token, period_id=PERI, selection=[{"weekday": 0, "slot_code": "SOIR"}]).json["lines"]
    even = preview(stack, token, period_id=PERI,
                   selection=[{"weekday": 0, "slot_code": "SOIR", "parity": "even"}]).json["lines"]
    odd = preview(stack, token, period_id=PERI,
                  selection=[{"weekday": 0, "slot_code": "SOIR", "parity": "odd"}]).json["lines"]
    assert even and odd
    assert all(date.fromisoformat(ln["date"]).isocalendar().week % 2 == 0 for ln in even)
    assert all(date.fromisoformat(ln["date"]).isocalendar().week % 2 == 1 for ln in odd)
    assert sorted(ln["date"] for ln in even + odd) == sorted(ln["date"] for ln in every)


def test_a_sejour_copies_the_first_day_over_its_week(stack: Any, family: tuple[str, str]) -> None:
    at(datetime(2027, 3, 1, 8, 0, tzinfo=UTC))
    token = login(stack, "claire@example.fr")  # access tokens last an hour
    result = preview(stack, token, period_id="sejour-vosges-2027", first_day_slots=["SEJOUR"])
    assert result.status_code == 200, result.json
    lines = result.json["lines"]
    # 12 to 16 July 2027, 14 July included: the children are away at the camp.
    assert [ln["date"] for ln in lines] == ["2027-07-12", "2027-07-13", "2027-07-14", "2027-07-15", "2027-07-16"]


def test_overlapping_slots_are_refused(stack: Any, family: tuple[str, str]) -> None:
    token, _ = family
    clash = preview(stack, token, period_id=MERCREDI, selection=[{"weekday": 2, "slot_code": "JOURNEE"},
                                                                {"weekday": 2, "slot_code": "MATIN"}])
    assert clash.status_code == 400
    assert "se chevauchent" in clash.json["error"]["message"] and "selection" in clash.json["error"]["fields"]
    # Across two requests too: a day already held in one request cannot be overlapped by another.
    assert stack.call("POST", "/api/planning/requests", {"child_id": "child-1", "period_id": MERCREDI,
                      "selection": [{"weekday": 2, "slot_code": "JOURNEE"}]}, token=token).status_code == 201
    again = stack.call("POST", "/api/planning/requests", {"child_id": "child-1", "period_id": MERCREDI,
                       "selection": [{"weekday": 2, "slot_code": "APRESMIDI"}]}, token=token)
    assert again.status_code == 400 and "se chevauchent" in again.json["error"]["message"]


def test_booking_deadline_skips_dates_too_close(stack: Any, family: tuple[str, str]) -> None:
    # Friday 4 September 2026 at 09:00 Paris: Monday 7 is past its deadline (J-2 working days, 10:00:
    # Thursday 3), Tuesday 8 is not yet (Friday 4 at 10:00).
    at(datetime(2026, 9, 4, 7, 0, tzinfo=UTC))
    token = login(stack, "claire@example.fr")
    result = preview(stack, token, period_id=PERI, selection=[{"weekday": 0, "slot_code": "MIDI"},
                                                              {"weekday": 1, "slot_code": "MIDI"}]).json
    dates = [ln["date"] for ln in result["lines"]]
    assert "2026-09-07" not in dates and "2026-09-08" in dates and "2026-09-14" in dates
    skipped = {s["date"] for s in result["skipped"]}
    assert "2026-09-07" in skipped and "2026-09-08" not in skipped
    assert "closes" in result["skipped"][0]["reason"]


def test_outside_the_booking_window_nothing_is_booked(stack: Any, family: tuple[str, str]) -> None:
    at(datetime(2025, 12, 1, 8, 0, tzinfo=UTC))
    token = login(stack, "claire@example.fr")
    refused = preview(stack, token, period_id=PERI, selection=[{"weekday": 0, "slot_code": "MIDI"}])
    assert refused.status_code == 400 and refused.json["error"]["code"] == "booking_closed"


def test_adding_slots_and_cancelling_with_deadlines(stack: Any, family: tuple[str, str]) -> None:
    token, _ = family
    created = stack.call("POST", "/api/planning/requests", {"child_id": "child-1", "period_id": PERI,
                         "selection": [{"weekday": 0, "slot_code": "MIDI"}]}, token=token).json
    added = stack.call("POST", f"/api/planning/requests/{created['request_id']}/lines",
                       {"selection": [{"weekday": 3, "slot_code": "MIDI"}, {"weekday": 0, "slot_code": "MIDI"}]},
                       token=token)
    assert added.status_code == 200
    assert added.json["line_count"] == created["line_count"] + added.json["recap"]["total_lines"]
    assert all(r["weekday"] == "Jeudi" for r in added.json["recap"]["rows"])  # Mondays were there already
    stack.drain()
    assert any("Ajout" in m["subject"] for m in stack.mail_to("claire@example.fr"))

    # From a date onward, then a date past the cancellation deadline.
    at(datetime(2027, 3, 15, 8, 0, tzinfo=UTC))  # a Monday of school: today is past its deadline
    token = login(stack, "claire@example.fr")
    from_april = stack.call("POST", f"/api/planning/requests/{created['request_id']}/cancel",
                            {"from": "2027-04-01"}, token=token)
    assert from_april.status_code == 200 and from_april.json["line_count"] > 0
    too_late = stack.call("POST", f"/api/planning/requests/{created['request_id']}/cancel",
                          {"lines": [{"date": "2027-03-15", "slot_code": "MIDI"}]}, token=token)
    assert too_late.status_code == 400 and too_late.json["error"]["code"] == "deadline_passed"
    lines = stack.call("GET", f"/api/planning/requests/{created['request_id']}", token=token).json["lines"]
    assert {ln["status"] for ln in lines if ln["date"] >= "2027-04-01"} == {"cancel_requested"}
    assert {ln["status"] for ln in lines if ln["date"] < "2027-04-01"} == {"pending"}


def test_requests_are_numbered_in_sequence(stack: Any, family: tuple[str, str]) -> None:
    token, _ = family
    numbers = [stack.call("POST", "/api/planning/requests", {"child_id": "child-1", "period_id": PERI,
               "selection": [{"weekday": day, "slot_code": "MATIN"}]}, token=token).json["number"]
               for day in (0, 1)]
    assert int(numbers[1]) == int(numbers[0]) + 1 and len(numbers[0]) == 6


def test_another_family_cannot_touch_my_request(stack: Any, family: tuple[str, str]) -> None:
    token, _ = family
    created = stack.call("POST", "/api/planning/requests", {"child_id": "child-1", "period_id": PERI,
                         "selection": [{"weekday": 0, "slot_code": "MIDI"}]}, token=token).json
    other, _ = validated_family(stack, "autre@example.fr", [("acem-schweighouse", "periscolaire")])
    for method, suffix, body in (("GET", "", None), ("POST", "/cancel", {"all": True}),
                                 ("POST", "/lines", {"selection": [{"weekday": 1, "slot_code": "MIDI"}]})):
        assert stack.call(method, f"/api/planning/requests/{created['request_id']}{suffix}", body,
                          token=other).status_code == 404
    assert stack.call("GET", "/api/planning/agenda?month=2026-09", token=other).json["lines"] == []


def test_the_calendar_feed_is_secret_and_revocable(stack: Any, family: tuple[str, str]) -> None:
    token, _ = family
    url = stack.call("POST", "/api/planning/feed", token=token).json["url"]
    path = url.split("portail.test", 1)[1]
    feed = stack.call("GET", path)
    assert feed.status_code == 200 and feed.data.startswith(b"BEGIN:VCALENDAR")
    renewed = stack.call("POST", "/api/planning/feed", token=token).json["url"]
    assert stack.call("GET", path).status_code == 404
    assert stack.call("DELETE", "/api/planning/feed", token=token).status_code == 204
    assert stack.call("GET", renewed.split("portail.test", 1)[1]).status_code == 404


def test_a_feed_address_of_the_first_format_works_until_renewed(stack: Any, family: tuple[str, str]) -> None:
    """Addresses made before the feed named its family (``/feeds/<secret>.ics``, found through ``FEED#<hash>``)
    keep working for the calendar apps subscribed to them, until the family renews or revokes its feed; a
    secret is only good with its own family."""
    from planning.models import FamilyFeed, Feed
    from shared.tokens import new_secret

    token, family_id = family
    secret, hashed = new_secret()  # what the first format stored
    Feed(*Feed.key(hashed), family_id=family_id).save()
    FamilyFeed(*FamilyFeed.key(family_id), secret_hash=hashed).save()
    old = f"/api/planning/feeds/{secret}.ics"
    assert stack.call("GET", old).status_code == 200
    assert stack.call("GET", f"/api/planning/feeds/{family_id}.{secret}.ics").status_code == 200
    other, other_id = validated_family(stack, "autre@example.fr", [("acem-schweighouse", "periscolaire")])
    assert stack.call("GET", f"/api/planning/feeds/{other_id}.{secret}.ics").status_code == 404
    assert stack.call("POST", "/api/planning/feed", token=other).status_code == 201
    renewed = stack.call("POST", "/api/planning/feed", token=token).json["url"]
    assert renewed.endswith(".ics") and f"/feeds/{family_id}." in renewed
    assert stack.call("GET", old).status_code == 404
    assert stack.call("GET", renewed.split("portail.test", 1)[1]).status_code == 200


def test_staff_see_occupancy_and_pending_requests_of_their_structures(stack: Any, family: tuple[str, str]) -> None:
    token, _ = family
    created = stack.call("POST", "/api/planning/requests", {"child_id": "child-1", "period_id": PERI,
                         "selection": [{"weekday": 0, "slot_code": "MIDI"}]}, token=token).json
    manager = staff_token(stack, "responsable@asso.fr", "manager", ["acem-schweighouse"])
    board = stack.call("GET", "/api/planning/staff/occupancy?structure_id=acem-schweighouse&date=2026-09-07",
                       token=manager).json
    midi = next(s for s in board["slots"] if s["code"] == "MIDI")
    assert midi == {**midi, "capacity": 60, "pending": 1, "accepted": 0}
    pending = stack.call("GET", "/api/planning/staff/requests?structure_id=acem-schweighouse", token=manager).json
    assert [i["request_id"] for i in pending["items"]] == [created["request_id"]]
    elsewhere = staff_token(stack, "creche@asso.fr", "manager", ["creche-les-lutins"])
    assert stack.call("GET", "/api/planning/staff/occupancy?structure_id=acem-schweighouse&date=2026-09-07",
                      token=elsewhere).status_code == 403
    assert stack.call("GET", "/api/planning/staff/occupancy?structure_id=acem-schweighouse&date=2026-09-07",
                      token=token).status_code == 403


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/api/planning/requests/preview", {"child_id": "child-1", "period_id": PERI,
                                        "selection": [{"weekday": 9, "slot_code": "MIDI"}]}, "selection.0.weekday"),
    ("/api/planning/requests/preview", {"child_id": "child-1", "period_id": PERI,
                                        "selection": [{"weekday": 0, "slot_code": "MIDI", "parity": "x"}]},
     "selection.0.parity"),
    ("/api/planning/requests/preview", {"child_id": "child-1", "period_id": PERI,
                                        "selection": [{"weekday": 0, "slot_code": "GOUTER"}]}, "selection"),
    ("/api/planning/requests/preview", {"child_id": "child-1", "period_id": "inconnue", "selection": []},
     "period_id"),
    ("/api/planning/requests", {"period_id": PERI, "selection": []}, "child_id"),
])
def test_bad_input_is_refused_in_french(stack: Any, family: tuple[str, str], path: str, body: dict[str, Any],
                                        field: str) -> None:
    token, _ = family
    refused = stack.call("POST", path, body, token=token)
    assert 400 <= refused.status_code < 500
    assert field in refused.json["error"]["fields"]


def test_bad_month_and_date_queries(stack: Any, family: tuple[str, str]) -> None:
    token, _ = family
    assert stack.call("GET", "/api/planning/agenda?month=2026-13", token=token).json["error"]["fields"] == {
        "month": "Format AAAA-MM, de 2000-01 à 2099-12."}
    assert stack.call("GET", f"/api/planning/calendar?period_id={PERI}&month=sept", token=token).status_code == 400


def test_staff_keep_the_catalogue_and_closures_close_days(stack: Any, family: tuple[str, str]) -> None:
    token, _ = family
    manager = staff_token(stack, "responsable@asso.fr", "manager", ["acem-schweighouse"])
    before = preview(stack, token, period_id=PERI, selection=[{"weekday": 0, "slot_code": "MIDI"}]).json["lines"]
    assert any(ln["date"] == "2026-09-14" for ln in before)
    closed = stack.call("POST", "/api/planning/catalogue/structures/acem-schweighouse/closures",
                        {"start": "2026-09-14", "end": "2026-09-14", "label": "Formation de l'équipe"}, token=manager)
    assert closed.status_code == 201
    after = preview(stack, token, period_id=PERI, selection=[{"weekday": 0, "slot_code": "MIDI"}]).json["lines"]
    assert not any(ln["date"] == "2026-09-14" for ln in after)
    grid = stack.call("GET", f"/api/planning/calendar?period_id={PERI}&month=2026-09", token=token).json["days"]
    assert next(d for d in grid if d["date"] == "2026-09-14")["reason"] == "Fermeture de la structure"
    # A manager cannot touch another structure's catalogue, nor publish structures (admin only).
    assert stack.call("POST", "/api/planning/catalogue/structures/creche-les-lutins/closures",
                      {"start": "2026-09-14", "end": "2026-09-14", "label": "x"}, token=manager).status_code == 403
    assert stack.call("PUT", "/api/planning/catalogue/structures/nouvelle", {"name": "X", "commune": "Y",
                      "departement": "67", "zone": "B", "activities": ["periscolaire"]},
                      token=manager).status_code == 403
    bad = stack.call("PUT", f"/api/planning/catalogue/periods/{PERI}", {"structure_id": "acem-schweighouse"},
                     token=manager)
    assert bad.status_code == 400 and "name" in bad.json["error"]["fields"]


def test_a_new_structure_reaches_enrolments_catalogue(stack: Any) -> None:
    seed_catalogue(stack)
    admin = staff_token(stack, "admin@asso.fr", "admin", [])
    created = stack.call("PUT", "/api/planning/catalogue/structures/acem-bischwiller", {
        "name": "ACEM - BISCHWILLER", "commune": "Bischwiller", "departement": "67", "zone": "B",
        "activities": ["periscolaire"]}, token=admin)
    assert created.status_code == 200
    stack.drain()
    family, _ = confirmed_family(stack, "nouvelle@example.fr")
    listed = stack.call("GET", "/api/enrolment/catalogue", token=family).json["structures"]
    assert "ACEM - BISCHWILLER" in {s["name"] for s in listed}
