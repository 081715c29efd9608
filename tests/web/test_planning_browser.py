"""« Mon planning » in a real browser, as the user guide tells it (section 3, and the séjours note):
"Ajouter", the establishment and the period, a click on the Monday, « Nouvelle présence », the slots,
« Recopier la sélection », « Valider », « Suivant », the recap, « Valider », the request number and
« Un mail récapitulatif vous a été adressé. »; then a slot's card, « Voir / modifier cette
réservation », « Demander l'annulation », « Suivant », « Valider », and the slot « Annulation
demandée » on the agenda.

Every test runs on the LIVE stack (``python -m infra.local.run`` on free ports): families validated
through the enrolment API by the demo staff, the real planning API behind the pages (issue 9 retired the
in-browser fake whose drift hid a broken step). What the portal sends is checked against each route's
own model by the ``page`` fixture (tests/web/contract.py)."""

from __future__ import annotations

import re
import time
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.web.test_family_file_browser import (
    DEMO_PASSWORD,
    MANAGER,
    PASSWORD,
    PDF,
    complete_file,
    http,
    log_in,
    log_out,
    new_family,
    ok,
    presigned_post,
    validate_file,
)

pytestmark = pytest.mark.browser

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


# --- helpers ---------------------------------------------------------------------------------------------


def month_title(d: date) -> str:
    return f"{MONTHS[d.month - 1].capitalize()} {d.year}"


def day_name(d: date) -> str:
    """The name of a day button: "lundi 11 janvier 2027"."""
    return f"{WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}"


def long_day(d: date) -> str:
    """The guide's "lundi 02 septembre 2024"."""
    return f"{WEEKDAYS[d.weekday()]} {d.day:02d} {MONTHS[d.month - 1]} {d.year}"


def day_button(page: Page, d: date):
    return page.get_by_role("button", name=re.compile(rf"^{re.escape(day_name(d))}(,| –|$)"))


def day_cell(page: Page, d: date):
    return page.locator("td").filter(has=day_button(page, d))


def go_to_month(page: Page, d: date) -> None:
    """The blue arrows, until the month of `d` shows."""
    heading = page.locator(".month-title")
    for _ in range(30):
        shown = heading.inner_text()
        if shown == month_title(d):
            return
        month, year = shown.split(" ")
        later = (int(year), MONTHS.index(month.lower()) + 1) < (d.year, d.month)
        page.get_by_role("button", name=re.compile("^Mois suivant" if later else "^Mois précédent")).click()
        expect(heading).not_to_have_text(shown)
    raise AssertionError(f"month {month_title(d)} never shown")


def open_planning(page: Page) -> None:
    page.get_by_role("banner").get_by_role("link", name="Mon planning").click()
    expect(page.get_by_role("heading", level=1, name="Mon planning")).to_be_visible()


def pick_slots(page: Page, d: date, slots: list[str], copy: str | None = None) -> None:
    """Click the day, « Nouvelle présence », tick the slots, « Recopier la sélection » (the weeks), « Valider »."""
    day_button(page, d).click()
    panel = page.get_by_role("dialog", name=f"Présences du {long_day(d)}")
    expect(panel).to_be_visible()
    panel.get_by_role("button", name=re.compile("^(Nouvelle présence|Modifier la sélection)")).click()
    title = f"{WEEKDAYS[d.weekday()].capitalize()} {d.day:02d} {MONTHS[d.month - 1].capitalize()} {d.year}"
    choice = page.get_by_role("dialog", name=title)
    expect(choice).to_be_visible()
    for slot in slots:
        choice.get_by_role("checkbox", name=re.compile(f"^{re.escape(slot)} ")).check()
    if copy:
        choice.get_by_role("button", name="Recopier la sélection").click()
        choice.get_by_role("radio", name=copy).check()
    choice.get_by_role("button", name=re.compile("^Valider")).click()
    expect(choice).to_be_hidden()
    expect(day_button(page, d)).to_be_focused()
    expect(page.locator(".preview-feedback .alert-error")).to_have_count(0)


def next_school_monday(start: date, calendar_days: dict[str, bool], weeks: int = 2) -> date:
    """A Monday at least `weeks` weeks ahead whose week is open (so that the copy books the next weeks)."""
    d = start + timedelta(days=7 * weeks - start.weekday())
    while not all(calendar_days.get((d + timedelta(days=i)).isoformat(), True) for i in (0, 1, 7, 8)):
        d += timedelta(days=7)
    return d


def bookable_period(base: str, token: str, structure_id: str = "acem-schweighouse") -> dict:
    """The structure's period open for booking today, once the family's validation has reached
    planning's read model (an event: bounded wait)."""
    deadline = time.monotonic() + 20
    while True:
        items = ok(http(base, "GET", "/api/planning/plannings", token=token))["items"]
        opened = [i for i in items if i["status"] == "open" and i["structure_id"] == structure_id]
        if opened:
            break
        assert time.monotonic() < deadline, f"planning never opened: {items}"
        time.sleep(0.3)
    today = date.today().isoformat()
    return next(p for p in opened[0]["periods"] if p["booking_opens"] <= today <= p["booking_closes"])


def screenshots(page: Page, artifacts_dir, name: str) -> None:
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifacts_dir / f"{name}-mobile.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(artifacts_dir / f"{name}-desktop.png"), full_page=True)


def book_and_cancel(page: Page, monday: date, period_name: str, number: str, artifacts_dir, tag: str) -> str:
    """The guide's journey from « Ajouter » to the cancellation of one slot; returns the request number."""
    main = page.get_by_role("main")
    open_planning(page)
    expect(page.get_by_role("navigation", name="Mon planning").get_by_role("link", name="Agenda")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("button", name="Aujourd'hui")).to_be_visible()
    expect(page.locator(".month-title")).to_have_text(month_title(date.today()))

    # « Ajouter »: the establishment and the period
    main.get_by_role("link", name="Ajouter", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Nouvelle demande de réservation")).to_be_visible()
    page.get_by_label(re.compile("^Enfant")).select_option(label="Léa")
    page.get_by_label(re.compile("^Établissement")).select_option(label="(cah)ACEM - SCHWEIGHOUSE")
    period = page.get_by_label(re.compile("^Période"))
    period.select_option(period.locator("option", has_text=period_name).get_attribute("value"))
    page.get_by_role("button", name="Ouvrir le planning").click()

    # The planning opens: a click on the Monday, « Nouvelle présence », midi and soir, every week
    expect(page.get_by_text("Le planning s'ouvre", exact=False)).to_be_visible()
    go_to_month(page, monday)
    day_button(page, monday).click()
    panel = page.get_by_role("dialog", name=f"Présences du {long_day(monday)}")
    expect(panel).to_contain_text("Aucune présence sur cette journée.")
    panel.get_by_role("button", name="Fermer").click()
    expect(day_button(page, monday)).to_be_focused()
    pick_slots(page, monday, ["PERISCOLAIRE MIDI", "PERISCOLAIRE SOIR"], copy="Toutes les semaines")
    # then the Tuesday, midi only
    tuesday = monday + timedelta(days=1)
    pick_slots(page, tuesday, ["PERISCOLAIRE MIDI"], copy="Toutes les semaines")

    # The selection is copied on the following weeks (the preview's lines on the grid)
    following = monday + timedelta(days=7)
    go_to_month(page, following)
    expect(day_cell(page, following)).to_contain_text("PERISCOLAIRE MIDI")
    expect(day_cell(page, following)).to_contain_text("PERISCOLAIRE SOIR")
    expect(day_cell(page, following + timedelta(days=1))).to_contain_text("PERISCOLAIRE MIDI")
    selection = page.get_by_role("complementary")
    expect(selection).to_contain_text("Lundi : PERISCOLAIRE MIDI, PERISCOLAIRE SOIR – toutes les semaines.")
    expect(selection).to_contain_text("Mardi : PERISCOLAIRE MIDI – toutes les semaines.")
    expect(main).to_contain_text("Votre sélection :")
    screenshots(page, artifacts_dir, f"planning-saisie-{tag}")

    # « Suivant » → the recap
    page.get_by_role("button", name=re.compile("^Suivant")).click()
    expect(page.get_by_role("heading", level=1, name="Récapitulatif de ma demande")).to_be_visible()
    table = page.get_by_role("table", name="Présences demandées")
    expect(table.get_by_role("columnheader", name="Nombre de dates")).to_be_visible()
    expect(table.get_by_role("row").filter(has_text="Lundi").filter(has_text="PERISCOLAIRE SOIR")).to_be_visible()
    expect(table.get_by_role("row").filter(has_text="Mardi").filter(has_text="PERISCOLAIRE MIDI")).to_be_visible()
    expect(table.get_by_role("row", name=re.compile("^Total"))).to_be_visible()
    screenshots(page, artifacts_dir, f"planning-recapitulatif-{tag}")

    # « Valider » → the confirmation with the request's number
    page.get_by_role("button", name=re.compile("^Valider")).click()
    expect(page.get_by_role("heading", level=1, name="Ma demande est complète")).to_be_visible()
    expect(main).to_contain_text("Un mail récapitulatif vous a été adressé.")
    shown = main.locator(".request-number").inner_text()
    assert re.fullmatch(rf"N° {number} \(le \d\d/\d\d/\d{{4}}\)", shown), shown
    request_number = shown.split(" ")[1]

    # The agenda shows the slots « En attente »; a click on one opens its card
    page.get_by_role("link", name="Voir mon planning").click()
    expect(page.get_by_role("heading", level=1, name="Mon planning")).to_be_visible()
    go_to_month(page, monday)
    cell = day_cell(page, monday)
    expect(cell.get_by_role("button", name=re.compile("^PERISCOLAIRE MIDI"))).to_contain_text("En attente")
    cell.get_by_role("button", name=re.compile("^PERISCOLAIRE MIDI")).click()
    card = page.get_by_role("dialog", name="PERISCOLAIRE MIDI")
    expect(card).to_contain_text(f"Le {monday:%d/%m/%Y}")
    expect(card).to_contain_text("En attente")
    expect(card.get_by_role("heading", name="Réservation")).to_be_visible()
    expect(card).to_contain_text(re.compile(rf"N° {request_number} \(le \d\d/\d\d/\d{{4}}\)"))
    expect(card).to_contain_text("(cah)ACEM - SCHWEIGHOUSE")
    expect(card).to_contain_text("PERISCOLAIRE")
    screenshots(page, artifacts_dir, f"planning-carte-{tag}")

    # « Voir / modifier cette réservation » → the card again, with « Demander l'annulation »
    card.get_by_role("link", name="Voir / modifier cette réservation").click()
    expect(page.get_by_role("heading", level=1, name=f"Demande N° {request_number}")).to_be_visible()
    card = page.get_by_role("dialog", name="PERISCOLAIRE MIDI")
    expect(card).to_contain_text(f"Le {monday:%d/%m/%Y}")
    card.get_by_role("button", name="Demander l'annulation").click()
    expect(card).to_be_hidden()
    basket = page.get_by_role("complementary")
    expect(basket).to_contain_text(f"{monday:%d/%m/%Y} – PERISCOLAIRE MIDI")
    expect(day_cell(page, monday).get_by_role("button", name=re.compile("^PERISCOLAIRE MIDI"))).to_contain_text(
        "À annuler"
    )

    # « Suivant » → the recap of the modification → « Valider »
    page.get_by_role("button", name=re.compile("^Suivant")).click()
    expect(page.get_by_role("heading", level=1, name="Récapitulatif de mes modifications")).to_be_visible()
    expect(main).to_contain_text("Annulation de 1 présence.")
    page.get_by_role("button", name=re.compile("^Valider")).click()
    expect(page.get_by_role("heading", level=1, name="Ma demande de modification est complète")).to_be_visible()
    expect(main).to_contain_text("Un mail récapitulatif vous a été adressé.")

    # Back on the agenda: that slot reads « Annulation demandée », the evening stays « En attente »
    page.get_by_role("link", name="Voir mon planning").click()
    go_to_month(page, monday)
    cell = day_cell(page, monday)
    expect(cell.get_by_role("button", name=re.compile("^PERISCOLAIRE MIDI"))).to_contain_text("Annulation demandée")
    expect(cell.get_by_role("button", name=re.compile("^PERISCOLAIRE SOIR"))).to_contain_text("En attente")
    screenshots(page, artifacts_dir, f"planning-agenda-{tag}")

    # Historique: the request, its counts and its history
    page.get_by_role("link", name="Historique").click()
    request = page.get_by_role("article", name=re.compile(f"Demande N° {request_number}"))
    expect(request).to_contain_text("Léa")
    expect(request).to_contain_text("1 annulation demandée")
    expect(request.get_by_role("heading", name="Historique de la demande")).to_be_visible()
    return request_number


# --- against the real planning API ---------------------------------------------------------------------


def validated_family(live_stack):
    """A family whose périscolaire request at Schweighouse is validated by the demo manager."""
    base = live_stack.base_url.rstrip("/")
    family = complete_file(live_stack, new_family(live_stack, f"Planning{uuid.uuid4().hex[:4]}", "Marie"))
    validate_file(base, family)
    return family


def test_guide_journey_on_the_live_planning_api(page, live_stack, artifacts_dir):
    base = live_stack.base_url.rstrip("/")
    family = validated_family(live_stack)
    period = bookable_period(base, family.token)
    calendar: dict[str, bool] = {}
    first = max(date.today(), date.fromisoformat(period["start"]))
    for offset in range(0, 4):
        month = (first.replace(day=1) + timedelta(days=32 * offset)).strftime("%Y-%m")
        days = ok(
            http(
                base, "GET", f"/api/planning/calendar?period_id={period['period_id']}&month={month}", token=family.token
            )
        )["days"]
        calendar.update({d["date"]: d["open"] for d in days})
    monday = next_school_monday(first, calendar, weeks=2)
    log_in(page, base, family.email, PASSWORD)
    number = book_and_cancel(page, monday, period["name"], r"\d{6}", artifacts_dir, "live")

    # « Agenda personnel (iCalendar) »: the secret address answers an iCalendar file without a token
    page.get_by_role("link", name="Agenda").click()
    feed = page.get_by_role("region", name="Agenda personnel (iCalendar)")
    feed.get_by_role("button", name="Créer mon lien d'agenda").click()
    address = feed.get_by_label("Adresse de mon agenda")
    expect(address).to_have_value(re.compile(r"/api/planning/feeds/.+\.ics$"))
    with urllib.request.urlopen(base + urlsplit(address.input_value()).path, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/calendar")
        assert response.read().startswith(b"BEGIN:VCALENDAR")
    page.reload()
    expect(page.get_by_role("region", name="Agenda personnel (iCalendar)")).to_contain_text("Un lien est actif.")

    # The structure's manager sees the day's occupancy, the request waiting and the cancellation asked
    log_out(page)
    log_in(page, base, MANAGER, DEMO_PASSWORD, staff=True)
    page.get_by_role("link", name="Demandes de réservation").click()
    page.get_by_label("Structure", exact=True).select_option(label="(cah)ACEM - SCHWEIGHOUSE")
    page.get_by_label("Jour", exact=True).fill(monday.isoformat())
    page.get_by_role("button", name="Afficher").click()
    occupancy = page.get_by_role("table", name=f"Occupation du {long_day(monday)}")
    expect(occupancy.get_by_role("row", name=re.compile("^PERISCOLAIRE MIDI"))).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("^Demandes en attente de réponse"))).to_contain_text(number)
    cancellations = page.get_by_role("table", name=re.compile("^Demandes avec des annulations à traiter"))
    expect(cancellations.get_by_role("row").filter(has_text=number)).to_contain_text(
        f"{monday:%d/%m/%Y} – PERISCOLAIRE MIDI"
    )


# --- more of the guide's screens, each on the live stack -------------------------------------------------

COORDINATOR = "sejours@demo.portail-familles.fr"
ADMIN = "admin@demo.portail-familles.fr"
SEJOUR_DOCS = [("health_form", True), ("vaccinations", True), ("insurance", False), ("caf_quotient", False),
               ("rgpd_charter", False), ("news_charter", False)]


def staff_token(base: str, email: str = MANAGER) -> str:
    return ok(http(base, "POST", "/api/accounts/login", {"email": email, "password": DEMO_PASSWORD}))["access_token"]


def upload(base: str, token: str, doc_type: str, child_id: str | None) -> None:
    started = ok(http(base, "POST", "/api/enrolment/documents", {
        "type": doc_type, "child_id": child_id, "filename": f"{doc_type}.pdf", "content_type": "application/pdf"},
        token))
    assert presigned_post(started["upload"]["url"], started["upload"]["fields"], f"{doc_type}.pdf", PDF,
                          "application/pdf") in (200, 201, 204)
    ok(http(base, "POST", f"/api/enrolment/documents/{started['document']['document_id']}/confirm", token=token))


def validate_request(base: str, family, request_id: str, staff_email: str = MANAGER) -> None:
    """The staff member accepts the family's documents and validates the pre-enrolment request."""
    token = staff_token(base, staff_email)
    for doc in ok(http(base, "GET", f"/api/enrolment/staff/families/{family.family_id}", token=token))["documents"]:
        if doc["status"] == "pending":
            ok(http(base, "POST", f"/api/enrolment/staff/families/{family.family_id}/documents/"
                                  f"{doc['document_id']}/review", {"decision": "accepted"}, token))
    ok(http(base, "POST", f"/api/enrolment/staff/requests/{request_id}/validate", {"family_id": family.family_id},
            token))


def validated_sejour_family(live_stack):
    """A family whose séjour request (Vosges) is validated by the demo coordinator."""
    base = live_stack.base_url.rstrip("/")
    family = complete_file(live_stack, new_family(live_stack, f"Sejour{uuid.uuid4().hex[:4]}", "Marie"),
                           documents=False, submit=False)
    request = ok(http(base, "POST", "/api/enrolment/requests", {
        "kind": "sejour", "child_id": family.child_id, "sejour_ids": ["sejour-vosges-2027"]}, family.token))
    for doc_type, for_child in SEJOUR_DOCS:
        upload(base, family.token, doc_type, family.child_id if for_child else None)
    ok(http(base, "POST", f"/api/enrolment/requests/{request['request_id']}/submit", token=family.token))
    validate_request(base, family, request["request_id"], COORDINATOR)
    return family


@contextmanager
def period_changed(base: str, period_id: str, **changes):
    """A period of the catalogue changed by the administrator for a test, put back afterwards."""
    token = staff_token(base, ADMIN)
    before = next(p for p in ok(http(base, "GET", "/api/planning/catalogue", token=token))["periods"]
                  if p["period_id"] == period_id)
    fields = {"structure_id", "name", "activity", "start", "end", "weekdays", "type", "booking_opens",
              "booking_closes", "booking_deadline", "cancellation_deadline", "slots", "sejour_id", "decision_mode",
              "waitlist_mode", "auto_confirm_cancellations", "pre_enrolment", "offer_reply_days"}
    slot_fields = ("code", "label", "start", "end", "capacity")
    current = {k: v for k, v in before.items() if k in fields}
    current["slots"] = [{k: s[k] for k in slot_fields} for s in before["slots"]]
    ok(http(base, "PUT", f"/api/planning/catalogue/periods/{period_id}", {**current, **changes}, token))
    try:
        yield
    finally:
        ok(http(base, "PUT", f"/api/planning/catalogue/periods/{period_id}", current, staff_token(base, ADMIN)))


def calendar_of(base: str, token: str, period_id: str, first: date, months: int = 4) -> dict[str, bool]:
    days: dict[str, bool] = {}
    for offset in range(months):
        month = (first.replace(day=1) + timedelta(days=32 * offset)).strftime("%Y-%m")
        answer = ok(http(base, "GET", f"/api/planning/calendar?period_id={period_id}&month={month}", token=token))
        days.update({d["date"]: d["open"] for d in answer["days"]})
    return days


def open_on_or_after(days: dict[str, bool], d: date) -> date:
    while not days.get(d.isoformat(), False):
        d += timedelta(days=1)
    return d


def choose_schweighouse(page: Page, live_stack) -> None:
    """A validated family with a bookable period, logged in, on « Ajouter » with ACEM - SCHWEIGHOUSE chosen."""
    base = live_stack.base_url.rstrip("/")
    family = validated_family(live_stack)
    bookable_period(base, family.token)
    log_in(page, base, family.email, PASSWORD)
    page.goto(f"{base}/mon-compte/planning/ajouter")
    page.get_by_label(re.compile("^Établissement")).select_option(label="(cah)ACEM - SCHWEIGHOUSE")


def test_even_weeks_overlaps_and_closed_days(page, live_stack):
    choose_schweighouse(page, live_stack)
    page.get_by_role("button", name="Ouvrir le planning").click()

    # February 2027: the winter holidays of zone B are greyed, with their reason for screen readers
    go_to_month(page, date(2027, 2, 1))
    holiday = date(2027, 2, 22)
    expect(day_button(page, holiday)).to_have_accessible_name(f"{day_name(holiday)} – Vacances scolaires")
    expect(day_cell(page, holiday)).to_have_attribute("title", "Vacances scolaires")
    day_button(page, holiday).click()
    panel = page.get_by_role("dialog", name=f"Présences du {long_day(holiday)}")
    expect(panel).to_contain_text("Jour fermé : Vacances scolaires.")
    expect(panel.get_by_role("button", name=re.compile("Nouvelle présence"))).to_have_count(0)
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()

    # Thursday midday on even weeks (overlapping slots: the Wednesday test of test_guide_live_browser.py)
    thursday = date(2027, 2, 4)
    day_button(page, thursday).click()
    page.get_by_role("button", name=re.compile("^Nouvelle présence")).click()
    choice = page.get_by_role("dialog", name="Jeudi 04 Février 2027")
    choice.get_by_role("checkbox", name=re.compile("^PERISCOLAIRE MIDI ")).check()
    choice.get_by_role("button", name="Recopier la sélection").click()
    expect(choice.get_by_role("button", name="Recopier la sélection")).to_have_attribute("aria-expanded", "true")
    choice.get_by_role("radio", name="Semaines paires").check()
    choice.get_by_role("button", name=re.compile("^Valider")).click()

    # Even ISO weeks only: 4 February 2027 is in week 5 (odd), 11 February in week 6 (even)
    expect(day_cell(page, date(2027, 2, 11))).to_contain_text("PERISCOLAIRE MIDI")
    expect(day_cell(page, date(2027, 2, 4))).not_to_contain_text("PERISCOLAIRE MIDI")
    expect(page.get_by_role("complementary")).to_contain_text("Jeudi : PERISCOLAIRE MIDI – semaines paires.")

    # The keyboard moves between days; « Aujourd'hui » comes back to this month
    day_button(page, date(2027, 2, 11)).focus()
    page.keyboard.press("ArrowRight")
    expect(day_button(page, date(2027, 2, 12))).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(day_button(page, date(2027, 2, 19))).to_be_focused()
    page.get_by_role("button", name="Aujourd'hui").click()
    expect(page.locator(".month-title")).to_have_text(month_title(date.today()))

    # « Retirer » empties the Thursday; « Suivant » with nothing says what to do
    page.get_by_role("complementary").get_by_role("button", name="Retirer : Jeudi").click()
    page.get_by_role("button", name=re.compile("^Suivant")).click()
    expect(page.get_by_role("alert")).to_contain_text("Choisissez au moins une plage d'accueil")


def test_a_month_answering_late_never_takes_the_place_of_the_month_shown(page, live_stack):
    """Clicking through months quickly: January's calendar answers after February is shown. The day panel
    used to read the last answer (January's), so a February holiday opened as a bookable day."""
    choose_schweighouse(page, live_stack)
    held = []
    page.route(re.compile(r"/calendar\?period_id=[^&]+&month=2027-01"), lambda route: held.append(route))
    page.get_by_role("button", name="Ouvrir le planning").click()

    go_to_month(page, date(2027, 2, 1))
    holiday = date(2027, 2, 22)
    expect(day_button(page, holiday)).to_have_accessible_name(f"{day_name(holiday)} – Vacances scolaires")
    assert held, "January's calendar was never asked"
    with page.expect_response(re.compile(r"month=2027-01")):
        for route in held:
            route.continue_()
    # let the page's event loop run what January's answer schedules (its JSON, then the month's load)
    page.evaluate("() => new Promise((done) => setTimeout(() => setTimeout(done, 0), 0))")
    expect(page.locator(".month-title")).to_have_text(month_title(holiday))

    day_button(page, holiday).click()
    panel = page.get_by_role("dialog", name=f"Présences du {long_day(holiday)}")
    expect(panel).to_contain_text("Jour fermé : Vacances scolaires.")
    expect(panel.get_by_role("button", name=re.compile("Nouvelle présence"))).to_have_count(0)


def test_sejour_first_day_copies_across_the_week(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    family = validated_sejour_family(live_stack)
    bookable_period(base, family.token, "sejours")
    log_in(page, base, family.email, PASSWORD)
    page.goto(f"{base}/mon-compte/planning/ajouter")
    page.get_by_label(re.compile("^Établissement")).select_option(label="ALEF - Séjours de vacances")
    page.get_by_label(re.compile("^Période")).select_option("sejour-vosges-2027")
    page.get_by_role("button", name="Ouvrir le planning").click()
    expect(page.get_by_text("en cliquant sur le premier jour du séjour", exact=False)).to_be_visible()
    expect(page.locator(".month-title")).to_have_text("Juillet 2027")

    # Another day than the first: the panel says where to click
    day_button(page, date(2027, 7, 13)).click()
    expect(page.get_by_role("dialog")).to_contain_text("cliquez sur le premier jour (lundi 12 juillet 2027)")
    page.keyboard.press("Escape")

    pick_slots(page, date(2027, 7, 12), ["SEJOUR"])
    for day in range(12, 17):
        expect(day_cell(page, date(2027, 7, day))).to_contain_text("SEJOUR")
    expect(day_cell(page, date(2027, 7, 19))).not_to_contain_text("SEJOUR")
    page.get_by_role("button", name=re.compile("^Suivant")).click()
    expect(
        page.get_by_role("table", name="Présences demandées").get_by_role("row", name=re.compile("^Total"))
    ).to_contain_text("5")
    page.get_by_role("button", name=re.compile("^Valider")).click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Le coordinateur séjours reviendra vers vous.", timeout=60_000)
    # the périscolaire hint about a Wednesday structure does not concern a séjour (issue 9, point 11)
    expect(main).not_to_contain_text("deuxième établissement")
    mine = ok(http(base, "GET", "/api/planning/requests", token=family.token))["items"]
    assert [(r["period_id"], r["line_count"]) for r in mine] == [("sejour-vosges-2027", 5)], mine


def test_cancellation_past_the_deadline_is_refused_in_french(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    family = validated_family(live_stack)
    period = bookable_period(base, family.token)
    days = calendar_of(base, family.token, period["period_id"], date.today())
    soon = open_on_or_after(days, date.today() + timedelta(days=5))
    later = soon + timedelta(days=35)
    while not days.get(later.isoformat(), False):
        later += timedelta(days=7)
    # cancellations close ten days ahead: the first date is bookable but no longer cancellable
    with period_changed(base, period["period_id"], cancellation_deadline={"days_before": 10, "hour": "10:00"}):
        request = ok(http(base, "POST", "/api/planning/requests", {
            "child_id": family.child_id, "period_id": period["period_id"],
            "selection": [{"weekday": soon.weekday(), "slot_code": "MIDI"}]}, family.token))
        log_in(page, base, family.email, PASSWORD)
        page.goto(f"{base}/mon-compte/planning/demandes/{request['request_id']}?mois={soon:%Y-%m}")
        expect(page.get_by_role("heading", level=1, name=f"Demande N° {request['number']}")).to_be_visible()
        day_cell(page, soon).get_by_role("button", name=re.compile("^PERISCOLAIRE MIDI")).click()
        card = page.get_by_role("dialog", name="PERISCOLAIRE MIDI")
        expect(card).to_contain_text("En attente")
        card.get_by_role("button", name="Demander l'annulation").click()
        page.get_by_role("button", name=re.compile("^Suivant")).click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Cette annulation ne peut pas être demandée")
        expect(alert).to_contain_text("n'est plus possible : elle devait être demandée avant le")
        expect(page.get_by_role("button", name=re.compile("^Valider"))).to_have_count(0)

        # « Annuler à partir d'une date » instead: the date past the deadline stays, the later ones go
        page.get_by_role("link", name=re.compile("Modifier ma demande d'annulation")).click()
        page.get_by_role("complementary").get_by_role("button", name=re.compile("^Retirer")).first.click()
        page.get_by_role("button", name="Annuler à partir d'une date").click()
        page.get_by_label(re.compile("^À partir du")).fill(later.isoformat())
        page.get_by_role("button", name="Ajouter à ma demande d'annulation").click()
        expect(page.get_by_role("complementary")).to_contain_text(
            f"Toutes les présences à partir du {later:%d/%m/%Y}")
        page.get_by_role("button", name=re.compile("^Suivant")).click()
        expect(page.get_by_role("table", name="Récapitulatif par jour et plage")).to_contain_text(f"{later:%d/%m/%Y}")
        page.get_by_role("button", name=re.compile("^Valider")).click()
        expect(page.get_by_role("main")).to_contain_text("Un mail récapitulatif vous a été adressé.", timeout=60_000)
    lines = {ln["date"]: ln["status"] for ln in ok(http(
        base, "GET", f"/api/planning/requests/{request['request_id']}", token=family.token))["lines"]}
    assert lines[soon.isoformat()] == "pending"
    assert lines[later.isoformat()] != "pending"


def test_planning_not_open_says_what_is_missing(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    family = complete_file(live_stack, new_family(live_stack, f"Attente{uuid.uuid4().hex[:4]}", "Marie"),
                           documents=False, submit=False)
    log_in(page, base, family.email, PASSWORD)
    # Before validation the header has no « Mon planning » (« Mon compte » says it appears after) ...
    expect(page.get_by_role("heading", level=1, name="Mon compte")).to_be_visible()
    banner = page.get_by_role("banner")
    expect(banner.locator("nav[data-planning='closed']")).to_have_count(1)  # the header knows, then says
    expect(banner.get_by_role("link", name="Mon planning")).to_have_count(0)
    # ... and its address, from a bookmark, says what is missing.
    page.goto(f"{base}/mon-compte/planning")
    expect(page.get_by_role("heading", level=1, name="Mon planning")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Votre compte doit être validé par le responsable de la structure")
    expect(main.get_by_role("link", name="Copie des vaccins")).to_have_attribute(
        "href", re.compile("^/mon-compte/documents"))
    expect(main.get_by_role("table")).to_have_count(0)
    expect(main.get_by_role("link", name="Ajouter", exact=True)).to_have_count(0)


def test_calendar_feed_is_created_copied_renewed_and_revoked(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    family = validated_family(live_stack)
    bookable_period(base, family.token)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    log_in(page, base, family.email, PASSWORD)
    open_planning(page)
    feed = page.get_by_role("region", name="Agenda personnel (iCalendar)")
    feed.get_by_role("button", name="Créer mon lien d'agenda").click()
    address = feed.get_by_label("Adresse de mon agenda")
    expect(address).to_have_value(re.compile(r"/api/planning/feeds/.+\.ics$"))
    first = address.input_value()
    feed.get_by_role("button", name="Copier le lien").click()
    expect(feed).to_contain_text("Le lien est copié")
    assert page.evaluate("navigator.clipboard.readText()") == first
    page.once("dialog", lambda d: d.accept())
    feed.get_by_role("button", name="Renouveler le lien").click()
    expect(feed).to_contain_text("l'ancien ne fonctionne plus")
    expect(address).not_to_have_value(first)
    page.once("dialog", lambda d: d.accept())
    feed.get_by_role("button", name="Désactiver le lien").click()
    expect(feed).to_contain_text("Le lien est désactivé.")
    expect(feed.get_by_role("button", name="Créer mon lien d'agenda")).to_be_focused()


def test_a_day_of_the_agenda_leads_to_ajouter_and_a_whole_request_is_cancelled(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    family = validated_family(live_stack)
    period = bookable_period(base, family.token)
    days = calendar_of(base, family.token, period["period_id"], date.today())
    monday = open_on_or_after(days, date.today() + timedelta(days=21))
    while monday.weekday() != 0 or not days.get(monday.isoformat(), False):
        monday += timedelta(days=1)
    request = ok(http(base, "POST", "/api/planning/requests", {
        "child_id": family.child_id, "period_id": period["period_id"],
        "selection": [{"weekday": 0, "slot_code": "MIDI"}]}, family.token))
    log_in(page, base, family.email, PASSWORD)
    open_planning(page)

    # A day of the agenda: « Nouvelle présence » leads to « Ajouter » with that day open
    go_to_month(page, monday)
    day_button(page, monday).click()
    panel = page.get_by_role("dialog", name=f"Présences du {long_day(monday)}")
    expect(panel.get_by_role("button", name=re.compile("^PERISCOLAIRE MIDI"))).to_contain_text("En attente")
    panel.get_by_role("link", name=re.compile("^Nouvelle présence")).click()
    expect(page.get_by_role("heading", level=1, name="Nouvelle demande de réservation")).to_be_visible()
    page.get_by_label(re.compile("^Établissement")).select_option(label="(cah)ACEM - SCHWEIGHOUSE")
    page.get_by_role("button", name="Ouvrir le planning").click()
    panel = page.get_by_role("dialog", name=f"Présences du {long_day(monday)}")
    expect(panel).to_contain_text("Déjà réservé")
    page.keyboard.press("Escape")

    # « Annuler toute la demande » from the request's page
    page.get_by_role("link", name="Annuler la saisie").click()
    page.goto(f"{base}/mon-compte/planning/demandes/{request['request_id']}")
    page.get_by_role("button", name="Annuler toute la demande").click()
    expect(page.get_by_role("complementary")).to_contain_text("Toute la demande")
    page.get_by_role("button", name=re.compile("^Suivant")).click()
    expect(page.get_by_role("main")).to_contain_text("Annulation de toute la demande.")
    page.get_by_role("button", name=re.compile("^Valider")).click()
    expect(page.get_by_role("heading", level=1, name="Ma demande de modification est complète")).to_be_visible(
        timeout=60_000)
    statuses = {ln["status"] for ln in ok(http(
        base, "GET", f"/api/planning/requests/{request['request_id']}", token=family.token))["lines"]}
    assert "pending" not in statuses, statuses
