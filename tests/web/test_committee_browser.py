"""« Commission d'attribution » and « Liste d'attente » in a real browser (issue 5).

The period PERISCOLAIRE 2026 - 2027 - SCHWEIGHOUSE is set, through the staff API, to leave its answers
to the committee (pre-enrolment window around today), its waiting list to the manager, and one place
on PERISCOLAIRE MATIN. Two validated families ask for « Lundi – PERISCOLAIRE MATIN » over the whole
period; the one that asked second has a situation flagged by the team (50 points more).

In the browser the demo manager opens the committee, chooses the structure and the period, starts a
simulation and reads it: the flagged family first and accepted, the other one on the waiting list,
each with its score and its parts; nothing is told before « Publier les réponses » and its
confirmation, then the families have their answers. « Liste d'attente » shows the waiting request with
no free place; the accepted family cancels, the manager confirms (API), the screen now offers the
freed places, and « Attribuer les places libérées » gives them: the waiting family is accepted and
e-mailed. The period's settings are put back at the end (the live stack is shared by the session)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.web.test_family_file_browser import DEMO_PASSWORD, MANAGER, http, log_in, ok
from tests.web.test_planning_browser import bookable_period, screenshots, validated_family
from tests.web.test_signup_browser import wait_for_mail

pytestmark = pytest.mark.browser

STRUCTURE = "(cah)ACEM - SCHWEIGHOUSE"
STRUCTURE_ID = "acem-schweighouse"
PERIOD_ID = "periscolaire-2026-2027-schweighouse"
SLOT = "MATIN"  # on Mondays: no other browser test books Monday mornings, these rows are this test's own
ELEMENT = "Lundi – PERISCOLAIRE MATIN"
RESIDENT = "Résident du territoire : 30"
FLAGGED = "Situation signalée par l'équipe : 50"
SETTINGS = ("decision_mode", "waitlist_mode", "auto_confirm_cancellations", "pre_enrolment", "offer_reply_days",
            "partial_answers")
WAITLIST_COLUMNS = [
    "Rang",
    "N° demande",
    "Enfant",
    "Période",
    "Score",
    "Date de la demande",
    "Présences en attente",
    "Dates",
    "Places libres",
    "Place proposée",
]
JOB_TIMEOUT_MS = 90_000  # a queued job on moto; the publication writes every date of the period


def manager_token(base: str) -> str:
    return ok(http(base, "POST", "/api/accounts/login", {"email": MANAGER, "password": DEMO_PASSWORD}))["access_token"]


@pytest.fixture
def committee_period(live_stack):
    """The period answered by the committee, its waiting list left to the manager, one MATIN place;
    its settings and capacity as they were afterwards."""
    base = live_stack.base_url.rstrip("/")
    token = manager_token(base)
    catalogue = ok(http(base, "GET", "/api/planning/catalogue", token=token))
    before = next(p for p in catalogue["periods"] if p["period_id"] == PERIOD_ID)
    today = date.today()
    settings = {
        "decision_mode": "manual",
        "waitlist_mode": "manual",
        "auto_confirm_cancellations": False,
        "offer_reply_days": 0,  # a freed place is given, not offered
        "pre_enrolment": {
            "start": (today - timedelta(days=7)).isoformat(),
            "end": (today + timedelta(days=7)).isoformat(),
        },
        "capacities": {SLOT: 1},
    }
    changed = ok(http(base, "PUT", f"/api/planning/staff/periods/{PERIOD_ID}/settings", settings, token))
    assert next(s["capacity"] for s in changed["slots"] if s["code"] == SLOT) == 1
    try:
        yield before
    finally:
        restore_period(base, before)


def restore_period(base: str, before: dict) -> None:
    """The period's settings and capacities as they were: the capacities first, while the waiting list is
    still left to the manager (a raised capacity then promotes nobody: a restore that promoted every
    waiting line of the period could outlast the HTTP timeout on a loaded machine), then the settings."""
    token = manager_token(base)
    settings_url = f"/api/planning/staff/periods/{PERIOD_ID}/settings"
    current = next(p for p in ok(http(base, "GET", "/api/planning/catalogue", token=token))["periods"]
                   if p["period_id"] == PERIOD_ID)
    held = {k: current[k] for k in SETTINGS if k in current}
    capacities = {s["code"]: s["capacity"] for s in before["slots"]}
    ok(http(base, "PUT", settings_url, {**held, "waitlist_mode": "manual", "capacities": capacities}, token))
    restore = {k: before[k] for k in SETTINGS if k in before}
    ok(http(base, "PUT", settings_url, {**restore, "capacities": capacities}, token))


def monday_morning(base: str, family) -> dict:
    """The family's request for Monday morning over the whole period (pending: the committee answers)."""
    period = bookable_period(base, family.token)
    assert period["period_id"] == PERIOD_ID, period
    selection = [{"weekday": 0, "slot_code": SLOT}]
    body = {"child_id": family.child_id, "period_id": PERIOD_ID, "selection": selection}
    return ok(http(base, "POST", "/api/planning/requests", body, family.token))


def answer_of(base: str, family, request_id: str) -> str:
    return ok(http(base, "GET", f"/api/planning/requests/{request_id}", token=family.token))["answer"]


def choose(page, period_name: str) -> None:
    """The « Structure » / « Période » filter of the answers screens, then « Afficher »."""
    picker = page.get_by_role("form", name="Choisir la structure et la période")
    picker.get_by_label("Structure", exact=True).select_option(label=STRUCTURE)
    picker.get_by_label("Période", exact=True).select_option(label=period_name)
    picker.get_by_role("button", name="Afficher").click()
    # The screen is drawn again for that choice: its title then takes the focus from the button
    expect(page.get_by_role("heading", level=1)).to_be_focused()


def test_committee_simulates_publishes_and_the_waiting_list_gets_the_freed_place(
    page, live_stack, committee_period, artifacts_dir
):
    base = live_stack.base_url.rstrip("/")
    period_name = committee_period["name"]
    manager = manager_token(base)

    # Two families ask for the same Monday morning; the second one has a situation flagged by the team
    waiting = validated_family(live_stack)
    waiting_request = monday_morning(base, waiting)
    flagged = validated_family(live_stack)
    flagged_request = monday_morning(base, flagged)
    mondays = waiting_request["line_count"]
    assert mondays > 1, "the demo period has fewer than two Mondays left to book"
    assert flagged_request["line_count"] == mondays
    ok(
        http(
            base,
            "POST",
            f"/api/planning/staff/families/{flagged.family_id}/flag",
            {"child_id": flagged.child_id, "structure_id": STRUCTURE_ID, "flag": True},
            manager,
        )
    )

    # « Commission d'attribution »: the structure and the period
    log_in(page, base, MANAGER, DEMO_PASSWORD, staff=True)
    page.get_by_role("link", name="Réponses aux demandes").click()
    tabs = page.get_by_role("navigation", name="Réservations et réponses")
    tabs.get_by_role("link", name="Commission d'attribution").click()
    expect(page.get_by_role("heading", level=1, name="Commission d'attribution")).to_be_visible()
    expect(tabs.get_by_role("link", name="Commission d'attribution")).to_have_attribute("aria-current", "page")
    choose(page, period_name)
    launch = page.get_by_role("form", name="Nouvelle simulation")
    expect(launch).to_contain_text(f"Toutes les demandes en attente de réponse de la période « {period_name} »")
    expect(launch.get_by_role("checkbox", name="Garder les fratries ensemble")).to_be_checked()

    # « Lancer une simulation »: queued, then « Simulation terminée »
    launch.get_by_role("button", name="Lancer une simulation").click()
    simulated = page.get_by_role("status").filter(has_text="Simulation terminée")
    expect(simulated).to_have_text(
        re.compile(r"^Simulation terminée : \d+ demandes? classées?\.$"), timeout=JOB_TIMEOUT_MS
    )
    job = page.get_by_role("region", name="Simulation", exact=True)
    expect(job).to_contain_text(re.compile(r"Statut : Simulation terminée – lancée le \d\d/\d\d/\d{4} à \d\d:\d\d"))
    expect(job).to_contain_text("fratries gardées ensemble")
    assert "simulation=" in page.url

    # The table: rank, child, score and its parts, the outcome of the Monday morning, the answer
    table = job.get_by_role("table", name=re.compile(r"^Simulation du .+ : \d+ demandes?$"))
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Rang", "Enfant", "Score", "Décision par jour et plage", "Réponse"]
    )
    mine = table.get_by_role("row").filter(has_text=ELEMENT)
    expect(mine).to_have_count(2)
    first, second = mine.nth(0), mine.nth(1)
    expect(first.get_by_role("rowheader")).to_have_text("1")  # 80 points: nobody else is flagged
    expect(first.get_by_role("cell")).to_have_text(
        [f"Léa (N° {flagged_request['number']})", re.compile(r"^80 points"), f"{ELEMENT} : Acceptée", "Acceptée"]
    )
    expect(first.get_by_role("listitem")).to_have_text([RESIDENT, FLAGGED, f"{ELEMENT} : Acceptée"])
    expect(second.get_by_role("rowheader")).to_have_text(re.compile(r"^([2-9]|\d\d+)$"))
    # Why it waits: the dates that had no place (every Monday: the flagged child took the only place)
    waits = re.compile(rf"^{ELEMENT} : Liste d'attente Plus de place le \d\d/\d\d/\d{{4}}, .* et \d+ autres dates\.$")
    expect(second.get_by_role("cell")).to_have_text(
        [re.compile(r"^Léa \(N° \d+\)$"), re.compile(r"^30 points"), waits, "Sur liste d'attente"]
    )
    expect(second.get_by_role("listitem")).to_have_text([RESIDENT, waits])
    expect(job).to_contain_text(re.compile(r"Acceptée : [1-9]"))
    expect(job).to_contain_text(re.compile(r"Sur liste d'attente : [1-9]"))
    screenshots(page, artifacts_dir, "gestion-commission-simulation")
    # A simulation tells nobody
    assert answer_of(base, waiting, waiting_request["request_id"]) == "pending"
    assert answer_of(base, flagged, flagged_request["request_id"]) == "pending"

    # « Publier les réponses » asks first; « Annuler » closes the question
    publish = job.get_by_role("button", name="Publier les réponses")
    publish.click()
    question = page.get_by_text("Publier les réponses de cette simulation ?")
    expect(question).to_be_focused()
    expect(publish).to_have_attribute("aria-expanded", "true")
    expect(job).to_contain_text(re.compile(r"\d+ demandes? recevr(a|ont) leur réponse"))
    job.get_by_role("button", name="Annuler").click()
    expect(question).to_be_hidden()
    expect(publish).to_be_focused()
    publish.click()
    job.get_by_role("button", name="Confirmer la publication").click()

    # Published: the status, the notice, no more button, the run among the previous simulations
    expect(page.get_by_role("status").filter(has_text="Les réponses sont publiées.")).to_be_visible(
        timeout=JOB_TIMEOUT_MS
    )
    expect(job).to_contain_text("Statut : Réponses publiées")
    expect(job.get_by_role("status")).to_contain_text("Réponses publiées.")
    expect(job.get_by_role("button", name="Publier les réponses")).to_have_count(0)
    runs = page.get_by_role("region", name="Simulations précédentes")
    expect(runs.get_by_role("row").filter(has_text="Réponses publiées")).to_contain_text("Oui")
    screenshots(page, artifacts_dir, "gestion-commission-publiee")
    assert answer_of(base, flagged, flagged_request["request_id"]) == "accepted"
    assert answer_of(base, waiting, waiting_request["request_id"]) == "waitlisted"
    mail = wait_for_mail(live_stack, waiting.email, "La commission d'attribution des places a étudié")
    assert mail["subject"].startswith(f"Votre demande N° {waiting_request['number']} est sur liste d'attente")

    # « Liste d'attente »: the waiting request, no free place yet, the button disabled
    tabs.get_by_role("link", name="Liste d'attente").click()
    expect(page.get_by_role("heading", level=1, name="Liste d'attente")).to_be_visible()
    choose(page, period_name)
    waiting_list = page.get_by_role("table", name=re.compile(r"^\d+ demandes? en attente de place$"))
    expect(waiting_list.get_by_role("columnheader")).to_have_text(WAITLIST_COLUMNS)
    row = waiting_list.get_by_role("row").filter(has_text=f"N° {waiting_request['number']}")
    free = row.get_by_role("cell").nth(WAITLIST_COLUMNS.index("Places libres") - 1)  # the rank is a row header
    expect(row.get_by_role("cell")).to_have_text(
        [
            f"N° {waiting_request['number']}",
            "Léa",
            period_name,
            "30",
            re.compile(r"^\d\d/\d\d/\d{4}$"),
            str(mondays),
            re.compile(r"^du \d\d/\d\d/\d{4} au \d\d/\d\d/\d{4}$"),
            "0",  # Places libres
            "–",  # Place proposée: none, the period gives freed places (offer_reply_days 0)
        ]
    )
    expect(waiting_list.get_by_role("row").filter(has_text=f"N° {flagged_request['number']}")).to_have_count(0)
    panel = page.locator(".waitlist-promote").get_by_role("heading", level=2, name=period_name).locator("..")
    expect(panel).to_contain_text(
        "Liste d'attente : proposé au responsable, les places libérées attendent votre décision."
    )
    expect(panel).to_contain_text("Aucune place libre ne correspond aux présences en attente pour le moment.")
    give = page.get_by_role("button", name="Attribuer les places libérées")
    expect(give).to_be_disabled()

    # The accepted family cancels, the manager confirms: the places wait for the manager's decision
    cancelled = ok(
        http(
            base, "POST", f"/api/planning/requests/{flagged_request['request_id']}/cancel", {"all": True}, flagged.token
        )
    )
    assert cancelled["line_count"] == mondays, cancelled
    confirmed = ok(
        http(
            base,
            "POST",
            f"/api/planning/staff/requests/{flagged.family_id}/{flagged_request['request_id']}/cancellations/confirm",
            {},
            manager,
        )
    )
    assert confirmed["promoted_requests"] == [], confirmed
    assert answer_of(base, waiting, waiting_request["request_id"]) == "waitlisted"

    page.reload()
    expect(free).to_have_text(str(mondays))
    expect(panel).to_contain_text(f"{mondays} présences en attente peuvent recevoir une place libre maintenant.")
    expect(give).to_be_enabled()
    screenshots(page, artifacts_dir, "gestion-liste-attente")
    give.click()
    status = page.get_by_role("status").filter(has_text="Des places sont attribuées")
    expect(status).to_contain_text("Des places sont attribuées à 1 demande de la liste d'attente",
                                   timeout=JOB_TIMEOUT_MS)
    expect(status).to_contain_text("Les familles sont prévenues par e-mail.")
    expect(row).to_have_count(0)
    expect(page.get_by_text("Aucune demande sur liste d'attente.")).to_be_visible()

    # The waiting family has the place, and is told so
    assert answer_of(base, waiting, waiting_request["request_id"]) == "accepted"
    mail = wait_for_mail(live_stack, waiting.email, "une place s'est libérée et a été attribuée")
    assert waiting_request["number"] in mail["subject"]


# --- partial answers, why an element waits, print, CSV export and offers, on a 390 px phone -------------

TUESDAY = "Mardi – PERISCOLAIRE MATIN"  # Tuesday mornings: no other browser test books them
NARROW = {"width": 390, "height": 844}


@pytest.fixture
def offer_period(live_stack):
    """The period answered by the committee with partial answers, one MATIN place, its waiting list left to
    the manager and freed places offered for two days; its settings as they were afterwards."""
    base = live_stack.base_url.rstrip("/")
    token = manager_token(base)
    catalogue = ok(http(base, "GET", "/api/planning/catalogue", token=token))
    before = next(p for p in catalogue["periods"] if p["period_id"] == PERIOD_ID)
    today = date.today()
    settings = {
        "decision_mode": "manual",
        "waitlist_mode": "manual",
        "auto_confirm_cancellations": False,
        "offer_reply_days": 2,
        "partial_answers": True,
        "pre_enrolment": {"start": (today - timedelta(days=7)).isoformat(),
                          "end": (today + timedelta(days=7)).isoformat()},
        "capacities": {SLOT: 1},
    }
    ok(http(base, "PUT", f"/api/planning/staff/periods/{PERIOD_ID}/settings", settings, token))
    try:
        yield before
    finally:
        restore_period(base, before)


def tuesday_morning(base: str, family) -> dict:
    period = bookable_period(base, family.token)
    assert period["period_id"] == PERIOD_ID, period
    body = {"child_id": family.child_id, "period_id": PERIOD_ID, "selection": [{"weekday": 1, "slot_code": SLOT}]}
    return ok(http(base, "POST", "/api/planning/requests", body, family.token))


def fits(page, width: int = NARROW["width"]) -> None:
    """Nothing wider than the phone: the page does not scroll sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def on_screen(locator, width: int = NARROW["width"]) -> None:
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box


def french(day: str) -> str:
    return f"{day[8:10]}/{day[5:7]}/{day[:4]}"


def test_committee_partial_answers_print_export_and_offers_fit_a_phone(page, live_stack, offer_period, tmp_path,
                                                                       artifacts_dir):
    base = live_stack.base_url.rstrip("/")
    period_name = offer_period["name"]
    manager = manager_token(base)

    # The first Tuesday's only place goes to a first family (the manager's decision, before the committee)
    first = validated_family(live_stack)
    first_request = tuesday_morning(base, first)
    lines = ok(http(base, "GET", f"/api/planning/requests/{first_request['request_id']}", token=first.token))["lines"]
    full_day = min(ln["date"] for ln in lines)
    ok(http(base, "POST", f"/api/planning/staff/requests/{first.family_id}/{first_request['request_id']}/decide", {
        "elements": [{"weekday": 1, "slot_code": SLOT, "decision": "refused", "reason": "Une date seulement."}],
        "lines": [{"date": full_day, "slot_code": SLOT, "decision": "accepted"}]}, manager))
    # Then two families ask every Tuesday morning; the second one's situation is flagged (50 points more)
    waiting = validated_family(live_stack)
    waiting_request = tuesday_morning(base, waiting)
    flagged = validated_family(live_stack)
    flagged_request = tuesday_morning(base, flagged)
    tuesdays = flagged_request["line_count"]
    ok(http(base, "POST", f"/api/planning/staff/families/{flagged.family_id}/flag",
            {"child_id": flagged.child_id, "structure_id": STRUCTURE_ID, "flag": True}, manager))

    # The committee on a phone
    page.set_viewport_size(NARROW)
    log_in(page, base, MANAGER, DEMO_PASSWORD, staff=True)
    page.goto(f"{base}/gestion/commission?periode={PERIOD_ID}")
    expect(page.get_by_role("heading", level=1, name="Commission d'attribution")).to_be_visible()
    page.get_by_role("form", name="Nouvelle simulation").get_by_role("button", name="Lancer une simulation").click()
    expect(page.get_by_role("status").filter(has_text="Simulation terminée")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    job = page.get_by_role("region", name="Simulation", exact=True)
    expect(job).to_contain_text("La période accepte les réponses partielles")
    expect(job).to_contain_text(re.compile(r"Restées libres à une date où une présence attend : \d+ \("))

    # The flagged child gets every Tuesday but the full one; the other waits, and each says why
    rows = job.get_by_role("row").filter(has_text=TUESDAY)
    mine = rows.filter(has_text=f"N° {flagged_request['number']}")
    other = rows.filter(has_text=f"N° {waiting_request['number']}")
    expect(mine.get_by_role("listitem").filter(has_text=TUESDAY)).to_have_text(
        f"{TUESDAY} : Partiellement acceptée ({tuesdays - 1} dates sur {tuesdays}) "
        f"Plus de place le {french(full_day)}.")
    expect(mine.get_by_role("cell").last).to_have_text("Partiellement acceptée")
    expect(other.get_by_role("listitem").filter(has_text=TUESDAY)).to_contain_text(
        f"{TUESDAY} : Liste d'attente Plus de place le {french(full_day)}")
    expect(other.get_by_role("cell").last).to_have_text("Sur liste d'attente")
    # Every column of the row is on the phone's screen, the answer included
    fits(page)
    for cell in [mine.get_by_role("rowheader"), *[mine.get_by_role("cell").nth(i) for i in range(4)]]:
        on_screen(cell)
    on_screen(job.get_by_role("button", name="Publier les réponses"))
    page.screenshot(path=str(artifacts_dir / "gestion-commission-390.png"), full_page=True)

    # « Exporter le classement (CSV) »: the file as a spreadsheet opens it
    with page.expect_download() as download:
        job.get_by_role("button", name="Exporter le classement (CSV)").click()
    saved = tmp_path / "classement.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename.startswith("classement-commission-")
    text = saved.read_text(encoding="utf-8-sig").splitlines()
    assert text[0].startswith("Rang;N° demande;Enfant;Score;Détail du score;Décision par jour et plage;Réponse")
    (line,) = [t for t in text if f";{flagged_request['number']};" in t]
    assert "Partiellement acceptée" in line and f"Plus de place le {french(full_day)}" in line
    expect(page.get_by_role("status").filter(has_text="Le classement est exporté")).to_be_visible()

    # « Imprimer le classement »: printed, the page is the ranking alone
    page.emulate_media(media="print")
    expect(page.get_by_role("form", name="Nouvelle simulation")).to_be_hidden()
    expect(job.get_by_role("button", name="Imprimer le classement")).to_be_hidden()
    expect(mine).to_be_visible()
    page.emulate_media(media="screen")
    expect(job.get_by_role("button", name="Imprimer le classement")).to_be_visible()

    # Published: the flagged family's request is partially accepted, its full date waits and says why
    job.get_by_role("button", name="Publier les réponses").click()
    job.get_by_role("button", name="Confirmer la publication").click()
    expect(page.get_by_role("status").filter(has_text="Les réponses sont publiées.")).to_be_visible(
        timeout=JOB_TIMEOUT_MS)
    view = ok(http(base, "GET", f"/api/planning/requests/{flagged_request['request_id']}", token=flagged.token))
    assert view["answer"] == "partially_accepted"
    assert [(ln["date"], ln["status"], ln["reason"]) for ln in view["lines"] if ln["status"] != "accepted"] == [
        (full_day, "waitlisted", f"Plus de place le {french(full_day)}.")]

    # The first family cancels its Tuesday, the manager confirms: the place waits for the manager
    ok(http(base, "POST", f"/api/planning/requests/{first_request['request_id']}/cancel", {"all": True}, first.token))
    ok(http(base, "POST",
            f"/api/planning/staff/requests/{first.family_id}/{first_request['request_id']}/cancellations/confirm",
            {}, manager))

    # « Liste d'attente » on the phone: it says freed places are offered for two days, then offers one
    page.goto(f"{base}/gestion/liste-attente?structure={STRUCTURE_ID}&periode={PERIOD_ID}")
    expect(page.get_by_role("heading", level=1, name="Liste d'attente")).to_be_visible()
    panel = page.locator(".waitlist-promote").get_by_role("heading", level=2, name=period_name).locator("..")
    expect(panel).to_contain_text("Attribuées, elles sont proposées aux familles, qui ont 2 jours pour les accepter")
    waiting_list = page.get_by_role("table", name=re.compile(r"^\d+ demandes? en attente de place$"))
    row = waiting_list.get_by_role("row").filter(has_text=f"N° {flagged_request['number']}")
    expect(row.get_by_role("cell").nth(7)).to_have_text("1")  # Places libres: the freed Tuesday
    fits(page)
    on_screen(row.get_by_role("cell").nth(8))  # Place proposée: on screen
    give = page.get_by_role("button", name="Attribuer les places libérées")
    on_screen(give)
    give.click()
    status = page.get_by_role("status").filter(has_text="Des places sont proposées")
    expect(status).to_contain_text(
        re.compile(r"Des places sont proposées à 1 demande de la liste d'attente : la famille a jusqu'au "
                   r"\d\d/\d\d/\d{4} pour les accepter ou les décliner"), timeout=JOB_TIMEOUT_MS)
    expect(status).not_to_contain_text("attribuées")
    expect(row.get_by_role("cell").nth(8)).to_have_text(
        re.compile(r"^1 présence, réponse attendue jusqu'au \d\d/\d\d/\d{4}$"))
    fits(page)
    page.screenshot(path=str(artifacts_dir / "gestion-liste-attente-390.png"), full_page=True)
    assert ok(http(base, "GET", f"/api/planning/requests/{flagged_request['request_id']}",
                   token=flagged.token))["answer"] == "offered"
