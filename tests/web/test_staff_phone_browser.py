"""Every staff screen on a phone (390 px wide, issue 13): nothing runs off the page, and no table hides its
columns — the decision and motif columns of the date-by-date decision included — in a sideways scroller.
The administrator (who sees every tool) opens each screen; the decision screen is a real pending request."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.test_answers_browser import pending_request
from tests.web.test_family_file_browser import DEMO_PASSWORD, log_in

pytestmark = pytest.mark.browser

ADMIN = "admin@demo.portail-familles.fr"
PHONE = {"width": 390, "height": 844}
SCREENS = {
    "/gestion": "Espace professionnel",
    "/gestion/dossiers": None,
    "/gestion/modifications": None,
    "/gestion/reservations": None,
    "/gestion/reponses": "Réponses aux demandes",
    "/gestion/liste-attente": None,
    "/gestion/places": None,
    "/gestion/catalogue": "Catalogue",
    "/gestion/liste-du-jour": "Liste du jour",
    "/gestion/journal": "Journal des actions",
}

# What sticks out of a 390 px window: the page itself, or a table wider than the window (its last
# columns then sit in a sideways scroller, out of sight).
OVERFLOW = """() => {
  const width = window.innerWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width + 1) out.push(`page ${document.documentElement.scrollWidth}px`);
  for (const table of document.querySelectorAll('main table')) {
    const box = table.getBoundingClientRect();
    if (box.width > 0 && (box.right > width + 1 || table.scrollWidth > table.clientWidth + 1)) {
      out.push(`${(table.querySelector('caption') || {}).textContent || table.className}: ${Math.round(box.right)}px`);
    }
  }
  return out;
}"""


def fits(page, where: str) -> None:
    expect(page.locator("main h1")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert page.evaluate(OVERFLOW) == [], where


def test_every_staff_screen_fits_a_phone(browser, live_stack, artifacts_dir):
    base = live_stack.base_url.rstrip("/")
    _, created = pending_request(live_stack)
    context = browser.new_context(locale="fr-FR", viewport=PHONE)
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        log_in(page, base, ADMIN, DEMO_PASSWORD, staff=True)
        for path, heading in SCREENS.items():
            page.goto(f"{base}{path}")
            if heading:
                expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
            fits(page, path)
            page.screenshot(path=str(artifacts_dir / f"telephone{path.replace('/', '-')}.png"), full_page=True)

        # The decision screen of a pending request, with its date-by-date table open.
        page.goto(f"{base}/gestion/reponses?structure=acem-schweighouse&statut=pending&q={created['number']}")
        page.get_by_role("link", name=re.compile(f"^N° {created['number']}")).click()
        expect(page.get_by_role("heading", level=1, name=f"Demande N° {created['number']}")).to_be_visible()
        page.get_by_text(re.compile(r"^Décider date par date")).click()
        table = page.get_by_role("table", name="Décisions date par date")
        expect(table).to_be_visible()
        fits(page, "décision date par date")
        # The decision and motif of the first date are on screen, not scrolled away.
        first = table.get_by_role("row").nth(1)
        for control in (first.locator("select").first, first.locator("input, textarea").last):
            box = control.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, box
        page.screenshot(path=str(artifacts_dir / "telephone-decision-date-par-date.png"), full_page=True)

        # The family file, reached from the decision (documents, changes and validation on a phone).
        page.get_by_role("link", name=re.compile(r"^Dossier de la famille")).click()
        expect(page.get_by_role("heading", level=1, name=re.compile(r"^Dossier de la famille"))).to_be_visible()
        fits(page, "dossier de la famille")
        page.screenshot(path=str(artifacts_dir / "telephone-dossier-famille.png"), full_page=True)
    finally:
        context.close()
    assert not errors, f"JavaScript errors in the back office: {errors}"
