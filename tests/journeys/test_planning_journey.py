"""The guide's planning example on « PERISCOLAIRE 2024 - 2025 - SCHWEIGHOUSE »: Monday midi and soir,
Tuesday midi and Thursday midi copied over the school year, the recap e-mail, then the cancellation of
Tuesday 3 September midi. Expected dates are derived from the official data, independently of the
service: the `holidays` package for Bas-Rhin and `vacances-scolaires-france` for zone B."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import holidays
from vacances_scolaires_france import SchoolHolidayDates

from tests.enrolment.support import fill_file, periscolaire, upload_periscolaire_documents
from tests.helpers import confirmed_family, seed_catalogue, staff_token
from tests.planning.support import at

PERIOD = "periscolaire-2024-2025-schweighouse"
SELECTION = [{"weekday": 0, "slot_code": "MIDI"}, {"weekday": 0, "slot_code": "SOIR"},
             {"weekday": 1, "slot_code": "MIDI"}, {"weekday": 3, "slot_code": "MIDI"}]


def official_school_days(weekdays: set[int]) -> list[date]:
    public = holidays.France(subdiv="6AE", years=[2024, 2025])
    school = SchoolHolidayDates()
    ascension = next(d for d, name in public.items() if "Ascension" in name and d.year == 2025)
    days, day = [], date(2024, 9, 2)
    while day <= date(2025, 7, 4):
        if (day.weekday() in weekdays and day not in public and not school.is_holiday_for_zone(day, "B")
                and day != ascension + timedelta(days=1)):
            days.append(day)
        day += timedelta(days=1)
    return days


def test_the_guides_example_over_the_school_year(stack: Any) -> None:
    seed_catalogue(stack)
    manager = staff_token(stack, "responsable@asso.fr", "manager", ["acem-schweighouse"])
    token, family_id = confirmed_family(stack, "claire.muller@example.fr")
    (lea,) = fill_file(stack, token)
    request = periscolaire(stack, token, lea, wednesday=False)
    documents = upload_periscolaire_documents(stack, token, [lea])
    assert stack.call("POST", f"/api/enrolment/requests/{request['request_id']}/submit", token=token).status_code == 200
    for document_id in documents:
        stack.call("POST", f"/api/enrolment/staff/families/{family_id}/documents/{document_id}/review",
                   {"decision": "accepted"}, token=manager)
    assert stack.call("POST", f"/api/enrolment/staff/requests/{request['request_id']}/validate",
                      {"family_id": family_id}, token=manager).status_code == 200
    stack.drain()

    at(datetime(2024, 6, 3, 9, 0, tzinfo=UTC))  # during the 2024 pre-enrolment window
    body = {"child_id": lea, "period_id": PERIOD, "selection": SELECTION}
    preview = stack.call("POST", "/api/planning/requests/preview", body, token=token)
    assert preview.status_code == 200, preview.json
    created = stack.call("POST", "/api/planning/requests", body, token=token)
    assert created.status_code == 201, created.json
    number = created.json["number"]
    assert len(number) == 6 and number.isdigit()

    mondays, tuesdays, thursdays = (official_school_days({d}) for d in (0, 1, 3))
    expected = sorted([(d, "MIDI") for d in mondays] + [(d, "SOIR") for d in mondays]
                      + [(d, "MIDI") for d in tuesdays] + [(d, "MIDI") for d in thursdays])
    got = sorted((date.fromisoformat(ln["date"]), ln["slot_code"]) for ln in preview.json["lines"])
    assert got == expected
    assert created.json["line_count"] == len(expected)
    days = {d for d, _ in got}
    assert date(2024, 11, 11) not in days  # Armistice
    assert date(2025, 5, 30) not in days  # the Friday after Ascension
    assert date(2024, 10, 21) not in days and date(2025, 2, 10) not in days  # Toussaint, hiver (zone B)
    assert date(2024, 9, 2) in days and date(2024, 11, 4) in days

    # The recap, as after « Suivant », and the same in the e-mail.
    rows = {(r["weekday"], r["slot"]): r for r in created.json["recap"]["rows"]}
    assert rows[("Lundi", "PERISCOLAIRE MIDI")]["count"] == len(mondays)
    assert rows[("Mardi", "PERISCOLAIRE MIDI")]["first"] == "2024-09-03"
    assert rows[("Jeudi", "PERISCOLAIRE MIDI")]["last"] == thursdays[-1].isoformat()
    stack.drain()
    (mail,) = [m for m in stack.mail_to("claire.muller@example.fr") if number in m["subject"]]
    assert "Récapitulatif" in mail["subject"]
    assert str(len(tuesdays)) in mail["text"] and "PERISCOLAIRE SOIR" in mail["text"]

    # The agenda of September 2024 shows the lines, « En attente ».
    september = stack.call("GET", "/api/planning/agenda?month=2024-09", token=token).json["lines"]
    assert {(ln["date"], ln["slot_code"]) for ln in september} == {
        (d.isoformat(), s) for d, s in expected if d.month == 9 and d.year == 2024}
    card = next(ln for ln in september if ln["date"] == "2024-09-03")
    assert card["status_label"] == "En attente" and card["request_number"] == number
    assert card["period_name"] == "PERISCOLAIRE 2024 - 2025 - SCHWEIGHOUSE"
    assert card["structure_name"] == "(cah)ACEM - SCHWEIGHOUSE"

    # Cancel Tuesday 3 September midi: « Demander l'annulation », « Suivant » (recap), « Valider ».
    at(datetime(2024, 8, 26, 9, 0, tzinfo=UTC))
    one = {"lines": [{"date": "2024-09-03", "slot_code": "MIDI"}]}
    recap = stack.call("POST", f"/api/planning/requests/{created.json['request_id']}/cancel",
                       {**one, "preview": True}, token=token)
    assert recap.status_code == 200 and recap.json["line_count"] == 1
    done = stack.call("POST", f"/api/planning/requests/{created.json['request_id']}/cancel", one, token=token)
    assert done.status_code == 200, done.json
    september = stack.call("GET", "/api/planning/agenda?month=2024-09", token=token).json["lines"]
    statuses = {(ln["date"], ln["slot_code"]): ln["status"] for ln in september}
    assert statuses[("2024-09-03", "MIDI")] == "cancel_requested"
    assert statuses[("2024-09-02", "MIDI")] == "pending"
    stack.drain()
    assert any("annulation" in m["subject"].lower() for m in stack.mail_to("claire.muller@example.fr"))
    history = stack.call("GET", "/api/planning/requests", token=token).json["items"]
    assert [h["what"] for h in history[0]["history"]][-1].startswith("Annulation demandée de 1")
