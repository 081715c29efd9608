"""The guide's planning steps that the fake API once hid (issue 9), in a real browser on the LIVE stack:
« Ajout d'une plage d'accueil à ma demande initiale » (Friday SOIR added to a request, the request shows
both, the recap e-mail lists the additions), and dates already booked re-selected in a new request
(the recap and the confirmation give the same count and name the dates left out)."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.web.test_family_file_browser import PASSWORD, complete_file, http, log_in, new_family, ok
from tests.web.test_planning_browser import (
    bookable_period,
    day_button,
    day_cell,
    go_to_month,
    long_day,
    open_planning,
    pick_slots,
    validate_request,
    validated_family,
)
from tests.web.test_signup_browser import wait_for_mail

pytestmark = pytest.mark.browser

SLOW_MS = 60_000  # writes on moto when the machine is loaded


def open_days(base: str, token: str, period: dict, months: int = 4) -> dict[str, bool]:
    """The period's calendar (open or closed per day) for the next months, from the API."""
    days: dict[str, bool] = {}
    first = max(date.today(), date.fromisoformat(period["start"])).replace(day=1)
    for offset in range(months):
        month = (first + timedelta(days=32 * offset)).strftime("%Y-%m")
        answer = ok(http(base, "GET", f"/api/planning/calendar?period_id={period['period_id']}&month={month}",
                         token=token))
        days.update({d["date"]: d["open"] for d in answer["days"]})
    return days


def first_open(days: dict[str, bool], weekday: int, after: date) -> date:
    """The first open day of that weekday at least three weeks after `after` (past any booking deadline)."""
    d = after + timedelta(days=21)
    d += timedelta(days=(weekday - d.weekday()) % 7)
    while not days.get(d.isoformat(), False):
        d += timedelta(days=7)
    return d


def test_adding_friday_evening_to_the_initial_request(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    family = validated_family(live_stack)
    period = bookable_period(base, family.token)
    body = {"child_id": family.child_id, "period_id": period["period_id"],
            "selection": [{"weekday": 0, "slot_code": "MIDI"}]}
    request = ok(http(base, "POST", "/api/planning/requests", body, family.token))
    days = open_days(base, family.token, period)
    friday = first_open(days, 4, date.today())

    log_in(page, base, family.email, PASSWORD)
    open_planning(page)
    page.get_by_role("link", name="Historique").click()
    card = page.get_by_role("article", name=re.compile(f"Demande N° {request['number']}"))
    card.get_by_role("link", name=re.compile("^Ajouter des présences")).click()
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1, name=f"Ajouter des présences – Demande N° {request['number']}")
           ).to_be_visible()
    expect(main).not_to_contain_text(re.compile(r"\bnull\b"))
    go_to_month(page, friday)
    pick_slots(page, friday, ["PERISCOLAIRE SOIR"])
    page.get_by_role("button", name=re.compile("^Suivant")).click()
    expect(page.get_by_role("heading", level=1, name="Récapitulatif de ma demande")).to_be_visible()
    table = page.get_by_role("table", name="Présences demandées")
    expect(table.get_by_role("row").filter(has_text="Vendredi")).to_contain_text("PERISCOLAIRE SOIR")
    added = int(table.get_by_role("row", name=re.compile("^Total")).get_by_role("cell").first.inner_text())
    page.get_by_role("button", name=re.compile("^Valider")).click()
    expect(main).to_contain_text("Les présences sont ajoutées à votre demande.", timeout=SLOW_MS)
    expect(main).to_contain_text(f"{added} présences ajoutées, en attente de réponse.")
    expect(main.get_by_role("alert")).to_have_count(0)

    # The request now holds both: Monday midday and Friday evening
    page.goto(f"{base}/mon-compte/planning/demandes/{request['request_id']}")
    total = request["line_count"] + added
    expect(main.locator("dd").filter(has_text=re.compile(r"^\d+ présences :"))).to_have_text(
        f"{total} présences : {total} en attente")
    go_to_month(page, friday)
    expect(day_cell(page, friday)).to_contain_text("PERISCOLAIRE SOIR")
    monday = friday - timedelta(days=4)
    if monday.month == friday.month and days[monday.isoformat()]:
        expect(day_cell(page, monday)).to_contain_text("PERISCOLAIRE MIDI")

    # The recap e-mail lists the additions (and only them)
    mail = wait_for_mail(live_stack, family.email, "ont été ajoutées à votre demande")
    assert f"Ajout à votre demande de réservation N° {request['number']}" in mail["subject"]
    assert "Vendredi, PERISCOLAIRE SOIR" in mail["text"]
    assert "Lundi, PERISCOLAIRE MIDI" not in mail["text"]
    assert f"Total ajouté : {added} présences" in mail["text"]


def test_dates_already_booked_are_named_and_counted_alike(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    family = validated_family(live_stack)
    period = bookable_period(base, family.token)
    days = open_days(base, family.token, period)
    monday = first_open(days, 0, date.today())
    # a first request holds Monday midday every week
    first = ok(http(base, "POST", "/api/planning/requests",
                    {"child_id": family.child_id, "period_id": period["period_id"],
                     "selection": [{"weekday": 0, "slot_code": "MIDI"}]}, family.token))

    # a new request re-selects Monday midday, with Monday evening
    log_in(page, base, family.email, PASSWORD)
    page.goto(f"{base}/mon-compte/planning/ajouter")
    page.get_by_label(re.compile("^Établissement")).select_option(label="(cah)ACEM - SCHWEIGHOUSE")
    period_select = page.get_by_label(re.compile("^Période"))
    period_select.select_option(period["period_id"])
    page.get_by_role("button", name="Ouvrir le planning").click()
    go_to_month(page, monday)
    pick_slots(page, monday, ["PERISCOLAIRE MIDI", "PERISCOLAIRE SOIR"])
    page.get_by_role("button", name=re.compile("^Suivant")).click()
    expect(page.get_by_role("heading", level=1, name="Récapitulatif de ma demande")).to_be_visible()
    main = page.get_by_role("main")
    recap_total = main.get_by_role("table", name="Présences demandées").get_by_role(
        "row", name=re.compile("^Total")).get_by_role("cell").first.inner_text()
    already = main.get_by_role("list", name="Dates déjà demandées")
    expect(already.get_by_role("listitem").first).to_contain_text(f"déjà demandée (demande N° {first['number']})")
    named = already.get_by_role("listitem").count()
    assert named > 0
    expect(main.get_by_role("table", name="Présences demandées").get_by_role("row").filter(
        has_text="PERISCOLAIRE MIDI")).to_have_count(0)

    page.get_by_role("button", name=re.compile("^Valider")).click()
    expect(page.get_by_role("heading", level=1, name="Ma demande est complète")).to_be_visible(timeout=SLOW_MS)
    expect(main).to_contain_text(f"{recap_total} présences demandées, en attente de réponse.")
    expect(main.get_by_role("list", name="Dates déjà demandées").get_by_role("listitem")).to_have_count(named)
    expect(main.get_by_role("table", name="Présences demandées").get_by_role(
        "row", name=re.compile("^Total")).get_by_role("cell").first).to_have_text(recap_total)


def school_days_and_wednesdays_family(live_stack):
    """The guide's multi-site case: one périscolaire request for school days at Schweighouse and
    Wednesdays at Haguenau, validated by the demo manager (both structures are hers)."""
    base = live_stack.base_url.rstrip("/")
    family = complete_file(live_stack, new_family(live_stack, f"Deuxsites{uuid.uuid4().hex[:4]}", "Marie"),
                           submit=False)
    ok(http(base, "DELETE", f"/api/enrolment/requests/{family.request_id}", token=family.token))
    request = ok(http(base, "POST", "/api/enrolment/requests", {
        "kind": "periscolaire", "child_id": family.child_id, "structure_id": "acem-schweighouse",
        "wednesday_structure_id": "acem-haguenau-mercredi", "desired_start": "2027-01-04"}, family.token))
    ok(http(base, "POST", f"/api/enrolment/requests/{request['request_id']}/submit", token=family.token))
    validate_request(base, family, request["request_id"])
    return family


def test_school_days_and_wednesdays_show_open_and_booked_in_one_agenda(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    family = school_days_and_wednesdays_family(live_stack)
    school = bookable_period(base, family.token)
    wednesdays = bookable_period(base, family.token, "acem-haguenau-mercredi")
    days = open_days(base, family.token, school)
    monday = first_open(days, 0, date.today())
    wednesday = monday + timedelta(days=2)
    while not open_days(base, family.token, wednesdays).get(wednesday.isoformat()):
        monday, wednesday = monday + timedelta(days=7), wednesday + timedelta(days=7)

    # Before any booking: both structures' days are open in the agenda
    log_in(page, base, family.email, PASSWORD)
    open_planning(page)
    go_to_month(page, monday)
    expect(day_button(page, monday)).to_have_accessible_name(re.compile(r"^lundi \d+ \w+ \d{4}$"))
    expect(day_button(page, wednesday)).to_have_accessible_name(re.compile(r"^mercredi \d+ \w+ \d{4}$"))
    expect(page.locator(".month-note")).to_contain_text(wednesdays["name"])

    # Two requests, one per structure (the guide: « il faudra faire deux demandes »)
    for period, weekday, slot in ((school, 0, "MIDI"), (wednesdays, 2, "JOURNEE")):
        ok(http(base, "POST", "/api/planning/requests", {
            "child_id": family.child_id, "period_id": period["period_id"],
            "selection": [{"weekday": weekday, "slot_code": slot}]}, family.token))
    page.reload()
    go_to_month(page, monday)
    expect(day_cell(page, monday)).to_contain_text("PERISCOLAIRE MIDI")
    expect(day_cell(page, wednesday)).to_contain_text("MERCREDI JOURNEE")
    expect(day_cell(page, wednesday)).not_to_have_class(re.compile(r"\bclosed\b"))
    day_button(page, wednesday).click()
    panel = page.get_by_role("dialog", name=f"Présences du {long_day(wednesday)}")
    expect(panel).not_to_contain_text("Jour fermé")
    expect(panel.get_by_role("button", name=re.compile("^MERCREDI JOURNEE"))).to_contain_text("En attente")
    states = panel.get_by_role("list", name="Ouverture par enfant et période")
    expect(states).to_contain_text(f"{wednesdays['name']} : ouvert")
    expect(states).to_contain_text(f"{school['name']} : fermé")
    page.keyboard.press("Escape")

    # Entry mode at Haguenau: two Wednesday slots that overlap are refused in French before anything is sent
    page.goto(f"{base}/mon-compte/planning/ajouter")
    page.get_by_label(re.compile("^Établissement")).select_option(label="ACEM - HAGUENAU (mercredis)")
    page.get_by_role("button", name="Ouvrir le planning").click()
    later = wednesday + timedelta(days=7)
    go_to_month(page, later)
    day_button(page, later).click()
    page.get_by_role("button", name=re.compile("^(Nouvelle présence|Modifier la sélection)")).click()
    choice = page.get_by_role("dialog", name=re.compile(f"^Mercredi {later.day:02d} "))
    choice.get_by_role("checkbox", name=re.compile("^MERCREDI JOURNEE ")).check()
    choice.get_by_role("checkbox", name=re.compile("^MERCREDI MATIN ")).check()
    choice.get_by_role("button", name=re.compile("^Valider")).click()
    expect(choice.get_by_role("alert")).to_contain_text("se chevauchent")
