"""« Réponses aux demandes » in a real browser (issue 5): the structure's manager opens a family's
pending reservation request, accepts Monday midi, refuses Monday evening with a motif and saves; the page
then reads « Partiellement acceptée ». In a fresh browser the family opens that request and its
Historique: the answer « Partiellement acceptée », the motif of the refusal, and the e-mail of the answer.

Everything runs against the live stack (the real planning API on moto): the family is validated by the
demo manager through the enrolment API and books through the planning API, as the other browser tests
do; only the decision and what the family reads are done in the browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.conftest import portal_page
from tests.web.test_family_file_browser import DEMO_PASSWORD, MANAGER, PASSWORD, http, log_in, ok
from tests.web.test_planning_browser import bookable_period, screenshots, validated_family
from tests.web.test_signup_browser import wait_for_mail

pytestmark = pytest.mark.browser

STRUCTURE = "(cah)ACEM - SCHWEIGHOUSE"
MOTIF = "Pas d'animateur disponible le lundi soir"
DECISION_TIMEOUT_MS = 60_000


def pending_request(live_stack):
    """A validated family and its request for Monday midi and Monday evening over the open period."""
    base = live_stack.base_url.rstrip("/")
    family = validated_family(live_stack)
    period = bookable_period(base, family.token)
    created = ok(
        http(
            base,
            "POST",
            "/api/planning/requests",
            {
                "child_id": family.child_id,
                "period_id": period["period_id"],
                "selection": [{"weekday": 0, "slot_code": "MIDI"}, {"weekday": 0, "slot_code": "SOIR"}],
            },
            family.token,
        )
    )
    return family, created


def test_manager_decides_and_the_family_reads_the_answer(page, browser, live_stack, artifacts_dir):
    base = live_stack.base_url.rstrip("/")
    family, created = pending_request(live_stack)
    number, request_id = created["number"], created["request_id"]

    # The manager finds the request in « Réponses aux demandes »
    log_in(page, base, MANAGER, DEMO_PASSWORD, staff=True)
    page.get_by_role("link", name="Réponses aux demandes").click()
    expect(page.get_by_role("heading", level=1, name="Réponses aux demandes")).to_be_visible()
    page.get_by_label("Structure", exact=True).select_option(label=STRUCTURE)
    page.get_by_label("Statut", exact=True).select_option(label="En attente de réponse")
    page.get_by_label("Enfant ou N° de demande").fill(number)
    page.get_by_role("button", name="Filtrer").click()
    results = page.get_by_role("table", name=re.compile("^En attente de réponse : "))
    row = results.get_by_role("row").filter(has_text=f"N° {number}")
    expect(row).to_contain_text("Léa")
    expect(row).to_contain_text("En attente")
    row.get_by_role("link", name=re.compile(f"^N° {number}")).click()

    # The request, its score, one row per weekday and slot
    expect(page.get_by_role("heading", level=1, name=f"Demande N° {number}")).to_be_visible()
    expect(page.get_by_role("heading", name="Score de priorité")).to_be_visible()
    midi = page.get_by_role("group", name="Lundi – PERISCOLAIRE MIDI")
    soir = page.get_by_role("group", name="Lundi – PERISCOLAIRE SOIR")
    expect(midi).to_contain_text(re.compile(r"\d+ dates du \d\d/\d\d/\d{4} au \d\d/\d\d/\d{4} : \d+ en attente"))

    # A refusal needs its motif: the form says so before anything is sent
    midi.get_by_role("radio", name="Accepter").check()
    soir.get_by_role("radio", name="Refuser").check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez le motif du refus : Lundi – PERISCOLAIRE SOIR.")
    expect(soir.get_by_label("Motif")).to_be_focused()
    soir.get_by_label("Motif").fill(MOTIF)
    page.get_by_role("button", name="Enregistrer la décision").click()

    # Saved: the answer is « Partiellement acceptée », the evening reads its motif. Each of the period's
    # 46 dates takes or frees its place in its own transaction: on moto that takes several seconds.
    status = page.get_by_role("status").filter(has_text="Décision enregistrée")
    expect(status).to_contain_text("Réponse : Partiellement acceptée.", timeout=DECISION_TIMEOUT_MS)
    expect(page.locator(".answer-now")).to_have_text("Réponse : Partiellement acceptée")
    soir = page.get_by_role("group", name="Lundi – PERISCOLAIRE SOIR")
    expect(soir).to_contain_text(re.compile(r": \d+ refusées?\."))
    expect(soir).to_contain_text(f"Motif actuel : {MOTIF}")
    midi = page.get_by_role("group", name="Lundi – PERISCOLAIRE MIDI")
    expect(midi).to_contain_text(re.compile(r": \d+ acceptées?\."))
    screenshots(page, artifacts_dir, "gestion-reponse-decidee")

    # The family, in its own browser, reads the answer and the motif
    with portal_page(browser, timeout_ms=10_000) as family_page:
        log_in(family_page, base, family.email, PASSWORD)
        family_page.goto(f"{base}/mon-compte/planning/demandes/{request_id}")
        answer = family_page.get_by_role("region", name="Réponse à ma demande")
        expect(answer).to_contain_text("Réponse : Partiellement acceptée")
        expect(answer).to_contain_text(MOTIF)
        outcomes = answer.get_by_role("table", name="Réponse par jour et plage")
        expect(outcomes.get_by_role("row", name=re.compile("^Lundi – PERISCOLAIRE SOIR"))).to_contain_text(MOTIF)
        expect(outcomes.get_by_role("row", name=re.compile("^Lundi – PERISCOLAIRE MIDI"))).not_to_contain_text(MOTIF)

        family_page.get_by_role("link", name="Mon planning").first.click()
        family_page.get_by_role("link", name="Historique").click()
        card = family_page.get_by_role("article", name=re.compile(f"Demande N° {number}"))
        expect(card).to_contain_text("Statut : Partiellement acceptée")
        card.get_by_text("Détail de la réponse").click()
        detail = card.get_by_role("table", name=f"Réponse par jour et plage – demande N° {number}")
        expect(detail).to_contain_text(MOTIF)
        screenshots(family_page, artifacts_dir, "planning-historique-reponse")

    # And the answer came by e-mail
    mail = wait_for_mail(live_stack, family.email, "partiellement acceptée")
    assert number in mail["subject"]
