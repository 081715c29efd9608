"""The back office in a real browser on the live stack (issue 13, « Done when »): the administrator sets up a
new association from its own empty corner of the catalogue — a structure in another département and school
zone, a périscolaire period with three slots, a closure, a séjour — and invites its manager with the
structure picker. A new family then sees the séjour in « Pré-inscriptions séjours » and books the period;
the manager answers, prints the day list of the first open day (names, allergies, pick-up people) and
exports it as CSV; the family reads the manager's name on the answer.

What the test is not about goes through the HTTP API, as in the other browser tests: the family's file and
documents, the invitation link, the manager's review of the file, the booking and the decision."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import holidays
import pytest
from playwright.sync_api import expect

from tests.web.conftest import portal_page
from tests.web.test_family_file_browser import (
    CHILD,
    DEMO_PASSWORD,
    PASSWORD,
    PDF,
    PERISCOLAIRE_DOCS,
    field,
    http,
    log_in,
    log_out,
    new_family,
    ok,
    presigned_post,
)
from tests.web.test_planning_browser import screenshots
from tests.web.test_signup_browser import link_path, wait_for_mail

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _patient_expectations():
    """This journey makes three logins (Argon2) and many saves on a machine two stacks share: every
    expectation waits up to 30 s (what the page shows, never a sleep), then the default comes back."""
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)

ADMIN = "admin@demo.portail-familles.fr"
MANAGER_PASSWORD = "Rentree-Lyon-2026"
SAVE_TIMEOUT_MS = 30_000


def first_open_day(start: date, weekdays: set[int], closed: set[date]) -> date:
    """The period's first day that is an open weekday, not a public holiday of the Rhône, not closed."""
    public = holidays.France(years=[start.year, start.year + 1])
    day = start
    while day.weekday() not in weekdays or day in public or day in closed:
        day += timedelta(days=1)
    return day


def family_for(live_stack, base: str, structure_id: str):
    """A family whose périscolaire request at `structure_id` is complete and submitted (documents sent)."""
    family = new_family(live_stack, f"Bernard{uuid.uuid4().hex[:4]}", "Sophie")
    token = family.token
    address = {"line1": "3 place Bellecour", "line2": "", "postal_code": "69002", "city": "Lyon"}
    ok(http(base, "PUT", "/api/enrolment/family/profile", {
        "civility": "Mme", "last_name": family.last_name, "first_name": family.first_name, "address": address,
        "mobile_phone": "0612345678"}, token))
    ok(http(base, "PUT", "/api/enrolment/family/household", {
        "spouse": None, "billing": {"name": f"{family.first_name} {family.last_name}", "address": address},
        "allocataire": {"regime": "CAF", "number": "1234567"}, "quotient": None, "other_children": []}, token))
    child = {**CHILD, "last_name": family.last_name, "medical": {**CHILD["medical"], "allergies": "Arachide",
                                                                 "pai": True}}
    family.child_id = ok(http(base, "POST", "/api/enrolment/children", child, token))["child_id"]
    ok(http(base, "PUT", f"/api/enrolment/children/{family.child_id}/school", {
        "school_id": None, "school_name": "École Jean Macé", "class_level": "CE1", "school_year": "2026-2027"},
        token))
    family.request_id = ok(http(base, "POST", "/api/enrolment/requests", {
        "kind": "periscolaire", "child_id": family.child_id, "structure_id": structure_id,
        "desired_start": date.today().isoformat()}, token))["request_id"]
    for doc_type, for_child in PERISCOLAIRE_DOCS:
        started = ok(http(base, "POST", "/api/enrolment/documents", {
            "type": doc_type, "child_id": family.child_id if for_child else None, "filename": f"{doc_type}.pdf",
            "content_type": "application/pdf"}, token))
        assert presigned_post(started["upload"]["url"], started["upload"]["fields"], f"{doc_type}.pdf", PDF,
                              "application/pdf") in (200, 201, 204)
        ok(http(base, "POST", f"/api/enrolment/documents/{started['document']['document_id']}/confirm", token=token))
    ok(http(base, "POST", f"/api/enrolment/requests/{family.request_id}/submit", token=token))
    return family


def test_an_association_sets_up_its_year_and_runs_its_first_day(page, browser, live_stack, artifacts_dir):
    base = live_stack.base_url.rstrip("/")
    tag = uuid.uuid4().hex[:4].upper()
    structure_name = f"ALEF - LYON {tag}"
    period_name = f"PERISCOLAIRE LYON {tag}"
    sejour_name = f"Séjour Vercors {tag}"
    today = date.today()
    start = today + timedelta(days=10)  # beyond the booking deadline (J-2 working days)
    end = start + timedelta(days=35)  # five weeks: the decision stays quick on a loaded machine
    closure = first_open_day(start + timedelta(days=14), {0, 1, 3, 4}, set())
    sejour_start = end + timedelta(days=30)
    sejour_start -= timedelta(days=sejour_start.weekday())  # a Monday
    manager_email = f"responsable-{tag.lower()}@asso-lyon.fr"

    # The administrator opens « Catalogue » and creates the structure (Rhône, zone A).
    log_in(page, base, ADMIN, DEMO_PASSWORD, staff=True)
    page.get_by_role("link", name="Catalogue").click()
    expect(page.get_by_role("heading", level=1, name="Catalogue")).to_be_visible()
    structures = page.get_by_role("region", name="Structures", exact=True).locator("details.catalogue-new")
    structures.get_by_text("Nouvelle structure").click()
    field(structures, "Nom de la structure").fill(structure_name)
    field(structures, "Commune").fill("Lyon")
    field(structures, "Département").fill("69")
    field(structures, "Zone de vacances scolaires").select_option("A")
    structures.get_by_label("Périscolaire").check()
    structures.get_by_label("Séjours").check()
    structures.get_by_role("button", name="Créer la structure").click()
    expect(page.get_by_role("status").filter(has_text=f"La structure {structure_name} est créée.")).to_be_visible(
        timeout=SAVE_TIMEOUT_MS)
    expect(page.get_by_role("region", name="Structures", exact=True).get_by_role("row", name=re.compile(
        structure_name))).to_contain_text("Zone A")

    # A périscolaire period with three slots.
    periods = page.get_by_role("region", name="Périodes et plages d'accueil", exact=True).locator(
        "details.catalogue-new")
    periods.get_by_text("Nouvelle période").click()
    field(periods, "Structure").select_option(label=structure_name)
    field(periods, "Nom de la période").fill(period_name)
    field(periods, "Accueil").select_option("periscolaire")
    field(periods, "Premier jour").fill(start.isoformat())
    field(periods, "Dernier jour").fill(end.isoformat())
    field(periods, "Jours concernés").select_option("all_days")
    field(periods, "Ouverture des réservations").fill(today.isoformat())
    field(periods, "Fermeture des réservations").fill(end.isoformat())
    periods.get_by_role("button", name="Ajouter une plage").click()
    periods.get_by_role("button", name="Ajouter une plage").click()
    for index, (code, label, begin, finish, places) in enumerate((
            ("MATIN", "MATIN", "07:30", "08:20", "10"), ("MIDI", "MIDI", "11:45", "13:45", "20"),
            ("SOIR", "SOIR", "16:00", "18:30", "15"))):
        row = periods.locator("tr.slot-row").nth(index)
        row.get_by_label("Code").fill(code)
        row.get_by_label("Libellé").fill(label)
        row.get_by_label("Début").fill(begin)
        row.get_by_label("Fin").fill(finish)
        row.get_by_label("Capacité").fill(places)
    periods.get_by_role("button", name="Créer la période").click()
    expect(page.get_by_role("status").filter(has_text=f"La période {period_name} est enregistrée.")).to_be_visible(
        timeout=SAVE_TIMEOUT_MS)

    # A closure, and a séjour run by the new structure.
    closures = page.get_by_role("region", name="Fermetures", exact=True).locator("details.catalogue-new")
    closures.get_by_text("Nouvelle fermeture").click()
    field(closures, "Structure").select_option(label=structure_name)
    field(closures, "Motif").fill("Journée pédagogique")
    field(closures, "Du").fill(closure.isoformat())
    field(closures, "Au").fill(closure.isoformat())
    closures.get_by_role("button", name="Ajouter la fermeture").click()
    expect(page.get_by_role("status").filter(has_text="La fermeture « Journée pédagogique » est ajoutée.")) \
        .to_be_visible(timeout=SAVE_TIMEOUT_MS)
    sejours = page.get_by_role("region", name="Séjours", exact=True).locator("details.catalogue-new")
    sejours.get_by_text("Nouveau séjour").click()
    field(sejours, "Structure organisatrice").select_option(label=structure_name)
    field(sejours, "Nom du séjour").fill(sejour_name)
    field(sejours, "Premier jour").fill(sejour_start.isoformat())
    field(sejours, "Dernier jour").fill((sejour_start + timedelta(days=4)).isoformat())
    field(sejours, "Places").fill("16")
    field(sejours, "Âge minimum (ans)").fill("6")
    field(sejours, "Âge maximum (ans)").fill("12")
    field(sejours, "Ouverture des inscriptions").fill(today.isoformat())
    sejours.get_by_role("button", name="Publier le séjour").click()
    expect(page.get_by_role("status").filter(has_text=f"Le séjour {sejour_name} est publié")).to_be_visible(
        timeout=SAVE_TIMEOUT_MS)
    screenshots(page, artifacts_dir, "gestion-catalogue")

    # The manager is invited with the structure picker (names, not ids).
    page.get_by_role("link", name="Espace professionnel").first.click()
    form = page.get_by_role("region", name="Créer un compte professionnel")
    form.get_by_role("radio", name="Madame").check()
    field(form, "Nom").fill("Haddad")
    field(form, "Prénom").fill("Nadia")
    field(form, "Adresse e-mail").fill(manager_email)
    field(form, "Rôle").select_option("manager")
    form.get_by_role("checkbox", name=structure_name).check()
    form.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("status").filter(has_text="Le compte de Nadia Haddad est créé.")).to_be_visible(
        timeout=SAVE_TIMEOUT_MS)
    listed = page.get_by_role("table", name=re.compile("^Comptes professionnels"))
    expect(listed.get_by_role("row", name=re.compile("Nadia Haddad"))).to_contain_text(structure_name)
    log_out(page)
    invitation = wait_for_mail(live_stack, manager_email, "/mot-de-passe/nouveau?")
    token = parse_qs(urlsplit(link_path(invitation["text"], "/mot-de-passe/nouveau?")).query)["token"][0]
    ok(http(base, "POST", "/api/accounts/password/reset", {"token": token, "new_password": MANAGER_PASSWORD}))
    manager = ok(http(base, "POST", "/api/accounts/login", {"email": manager_email,
                                                            "password": MANAGER_PASSWORD}))["access_token"]
    catalogue = ok(http(base, "GET", "/api/planning/staff/catalogue", token=manager))
    (structure,) = catalogue["structures"]
    (period,) = [p for p in catalogue["periods"] if p["activity"] == "periscolaire"]

    # A new family sees the séjour in « Pré-inscriptions séjours ».
    family = family_for(live_stack, base, structure["structure_id"])
    with portal_page(browser, timeout_ms=10_000) as family_page:
        log_in(family_page, base, family.email, PASSWORD)
        family_page.goto(f"{base}/mon-compte/preinscriptions/sejours")
        expect(family_page.get_by_text(sejour_name).first).to_be_visible(timeout=SAVE_TIMEOUT_MS)

        # The manager validates the file; the family books the period (every open day, midi).
        file = ok(http(base, "GET", f"/api/enrolment/staff/families/{family.family_id}", token=manager))
        for doc in file["documents"]:
            ok(http(base, "POST", f"/api/enrolment/staff/families/{family.family_id}/documents/"
                                  f"{doc['document_id']}/review", {"decision": "accepted"}, manager))
        ok(http(base, "POST", f"/api/enrolment/staff/requests/{family.request_id}/validate",
                {"family_id": family.family_id}, manager))
        booked = None
        for _ in range(100):  # planning learns the validation from an event
            status, booked = http(base, "POST", "/api/planning/requests", {
                "child_id": family.child_id, "period_id": period["period_id"],
                "selection": [{"weekday": d, "slot_code": "MIDI"} for d in (0, 1, 3, 4)]}, family.token)
            if status == 201:
                break
            assert status == 403, booked
            family_page.wait_for_timeout(300)
        assert booked and booked.get("request_id"), booked
        ok(http(base, "POST", f"/api/planning/staff/requests/{family.family_id}/{booked['request_id']}/decide",
                {"elements": [{"weekday": d, "slot_code": "MIDI", "decision": "accepted"} for d in (0, 1, 3, 4)]},
                manager))

        # The manager prints the first open day's list and exports it.
        log_in(page, base, manager_email, MANAGER_PASSWORD, staff=True)
        page.get_by_role("link", name="Liste du jour").click()
        first_day = first_open_day(start, {0, 1, 3, 4}, {closure})
        day_heading = page.locator("h2.daylist-day")
        expect(day_heading).to_have_attribute("data-date", first_day.isoformat(), timeout=SAVE_TIMEOUT_MS)
        midi = page.get_by_role("region", name=re.compile(r"^MIDI \(11:45–13:45\)"))
        row = midi.get_by_role("row", name=re.compile(family.last_name.upper()))
        expect(row).to_contain_text("Léa")
        expect(row).to_contain_text("CE1")
        expect(row).to_contain_text("Allergies : Arachide")
        expect(row).to_contain_text("PAI")
        expect(row).to_contain_text("Anne Dupont (Grand-mère) 06 11 22 33 44")
        page.evaluate("window.__printed = 0; window.print = () => { window.__printed += 1; }")
        page.get_by_role("button", name="Imprimer").click()
        assert page.evaluate("window.__printed") >= 1  # the browser's print dialog was asked for
        page.emulate_media(media="print")
        assert page.evaluate("matchMedia('print').matches")
        breaks = page.locator(".daylist-slot").evaluate_all("all => all.map((e) => getComputedStyle(e).breakAfter)")
        assert len(breaks) == 3 and breaks[:-1] == ["page", "page"], breaks  # one page per slot
        expect(page.get_by_role("link", name="Catalogue")).to_be_hidden()
        page.pdf(path=str(artifacts_dir / "liste-du-jour.pdf"))
        page.emulate_media(media="screen")
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Exporter en CSV").click()
        download = download_info.value
        assert download.suggested_filename == f"liste-du-jour-{structure['structure_id']}-{first_day}.csv"
        text = Path(download.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        assert rows[0][:6] == ["Date", "Plage", "Début", "Fin", "Période", "Enfant"]
        mine = [r for r in rows[1:] if family.last_name.upper() in r[5]]
        assert [(r[1], r[6]) for r in mine] == [("MIDI", "CE1")]
        assert "Allergies : Arachide" in mine[0][7] and "Anne Dupont" in mine[0][8]
        screenshots(page, artifacts_dir, "gestion-liste-du-jour")

        # The family reads who answered (the audit log records the decision from its event: bounded wait).
        for _ in range(100):
            if ok(http(base, "GET", f"/api/enrolment/family/answers/{booked['request_id']}",
                       token=family.token))["items"]:
                break
            family_page.wait_for_timeout(300)
        family_page.goto(f"{base}/mon-compte/planning/demandes/{booked['request_id']}")
        answer = family_page.get_by_role("region", name="Réponse à ma demande")
        expect(answer).to_contain_text("Réponse : Acceptée", timeout=SAVE_TIMEOUT_MS)
        expect(answer).to_contain_text("Réponse de Nadia Haddad", timeout=SAVE_TIMEOUT_MS)
        # « Historique » names her too, not « la structure ».
        family_page.goto(f"{base}/mon-compte/planning/historique")
        card = family_page.get_by_role("listitem").filter(has_text=f"Demande N° {booked['number']}")
        expect(card).to_contain_text("Réponse de Nadia Haddad", timeout=SAVE_TIMEOUT_MS)
        expect(card).not_to_contain_text("Réponse de la structure")
