"""Screens of issue 9 in a real browser on the live stack: the session across tabs (and a logout that
ends it everywhere), a day past the booking deadline warned before the family picks it and the month kept
on reload, the recap without sideways scroll at 390 px, day buttons named by their own content, and the
header's current page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.web.test_family_file_browser import PASSWORD, http, log_in, log_out, ok
from tests.web.test_planning_browser import (
    PHONE,
    bookable_period,
    day_button,
    go_to_month,
    month_title,
    open_planning,
    pick_slots,
    validated_family,
)

pytestmark = pytest.mark.browser

# axe-core, installed from the npm registry by `make test` / `make browser` (Makefile, AXE_VERSION).
AXE = Path(__file__).resolve().parents[2] / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """() => axe.run(document, {rules: {'label-content-name-mismatch': {enabled: true}}})
  .then((r) => r.violations.map((v) => `${v.id}: ${v.nodes.length} (${v.nodes[0].target.join(' ')})`))"""


def axe_violations(page) -> list[str]:
    """axe's violations on the page as it is, the experimental label-content-name-mismatch rule included."""
    return page.evaluate(AXE_RUN)


def test_the_session_spans_the_tabs_and_a_logout_ends_it_everywhere(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    family = validated_family(live_stack)
    log_in(page, base, family.email, PASSWORD)
    token = page.evaluate("sessionStorage.getItem('pf.token')")
    assert token and token not in str(page.evaluate("JSON.stringify(localStorage)"))  # never on disk

    # A second tab, as an e-mail's link opens it: no second login
    other = page.context.new_page()
    other.goto(f"{base}/mon-compte/planning")
    expect(other.get_by_role("heading", level=1, name="Mon planning")).to_be_visible()
    expect(other.get_by_role("banner").get_by_role("link", name="Mon planning")).to_have_attribute(
        "aria-current", "page")

    # Logout in the first tab: the second one is sent to the login page, and its token no longer works
    log_out(page)
    expect(other.get_by_role("heading", level=1, name="Se connecter")).to_be_visible()
    expect(other.get_by_text("Vous êtes déconnecté(e) du Portail Familles.")).to_be_visible()
    assert other.evaluate("sessionStorage.getItem('pf.token')") is None
    status, _ = http(base, "GET", "/api/accounts/me", token=token)
    assert status == 401
    third = page.context.new_page()
    third.goto(f"{base}/mon-compte")
    expect(third.get_by_role("heading", level=1, name="Se connecter")).to_be_visible()
    other.close()
    third.close()


def test_a_day_past_the_booking_deadline_is_said_before_the_pick_and_the_month_survives_a_reload(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    family = validated_family(live_stack)
    period = bookable_period(base, family.token)
    start = max(date.today(), date.fromisoformat(period["start"]))
    late = None
    for month in (start.strftime("%Y-%m"), (start.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")):
        days = ok(http(base, "GET", f"/api/planning/calendar?period_id={period['period_id']}&month={month}",
                       token=family.token))["days"]
        late = late or next((d for d in days if d["open"] and d["in_month"] and d["bookable"] is False), None)
    assert late, "an open day past its booking deadline"
    late_day = date.fromisoformat(late["date"])

    log_in(page, base, family.email, PASSWORD)
    page.goto(f"{base}/mon-compte/planning/ajouter")
    page.get_by_label(re.compile("^Établissement")).select_option(label="(cah)ACEM - SCHWEIGHOUSE")
    page.get_by_role("button", name="Ouvrir le planning").click()
    go_to_month(page, late_day)
    day_button(page, late_day).click()
    panel = page.get_by_role("dialog", name=re.compile("^Présences du "))
    expect(panel.locator(".deadline-passed")).to_contain_text("Délai de réservation dépassé")
    expect(panel.locator(".deadline-passed")).to_contain_text(late["booking_closed"])
    page.keyboard.press("Escape")

    # Another month, a reload: the same month, and the draft
    later = (late_day.replace(day=1) + timedelta(days=62)).replace(day=1)
    go_to_month(page, later)
    page.reload()
    expect(page.locator(".month-title")).to_have_text(month_title(later))


def test_the_recap_fits_a_phone_and_the_day_buttons_are_named_by_their_content(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    family = validated_family(live_stack)
    period = bookable_period(base, family.token)
    days = ok(http(base, "GET", f"/api/planning/calendar?period_id={period['period_id']}&month=2027-02",
                   token=family.token))["days"]
    monday = next(date.fromisoformat(d["date"]) for d in days
                  if d["open"] and d["bookable"] and date.fromisoformat(d["date"]).weekday() == 0)
    page.set_viewport_size(PHONE)
    assert AXE.is_file(), "axe-core is missing: run `make browser` (it installs it)"
    page.add_init_script(path=str(AXE))  # loaded like the browser's own scripts: the portal's CSP allows no inline one
    log_in(page, base, family.email, PASSWORD)
    open_planning(page)
    page.get_by_role("main").get_by_role("link", name="Ajouter", exact=True).click()
    page.get_by_label(re.compile("^Établissement")).select_option(label="(cah)ACEM - SCHWEIGHOUSE")
    page.get_by_role("button", name="Ouvrir le planning").click()
    go_to_month(page, monday)

    # axe's label-content-name-mismatch: no aria-label to drift, the name holds the visible text
    buttons = page.locator("button.day-button")
    expect(buttons.first).to_be_visible()
    checked = page.evaluate("""() => [...document.querySelectorAll('button.day-button')]
        .filter((b) => b.offsetParent !== null)
        .map((b) => ({ label: b.getAttribute('aria-label'), visible: b.innerText.replace(/\\s+/g, ' ').trim() }))""")
    assert checked and all(c["label"] is None for c in checked), checked[:3]
    for entry, button in zip(checked[:10], buttons.all()[:10], strict=False):
        name = re.sub(r"\s+", " ", button.evaluate("(b) => b.textContent")).strip().lower()
        assert entry["visible"].lower().replace(" ", "") in name.replace(" ", ""), (entry, name)

    assert axe_violations(page) == []  # the agenda at 390 px (20 day buttons)

    pick_slots(page, monday, ["PERISCOLAIRE MIDI", "PERISCOLAIRE SOIR"])
    page.get_by_role("button", name=re.compile("^Suivant")).click()
    expect(page.get_by_role("heading", level=1, name="Récapitulatif de ma demande")).to_be_visible()
    assert axe_violations(page) == []  # the recap at 390 px
    table = page.get_by_role("table", name="Présences demandées")
    expect(table.get_by_role("row", name=re.compile("^Total"))).to_be_visible()
    wide = page.evaluate("""() => [document.scrollingElement, ...document.querySelectorAll('.table-wrap')]
        .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.className || e.tagName)""")
    assert wide == [], wide
    expect(page.get_by_role("banner").get_by_role("link", name="Mon planning")).to_have_attribute(
        "aria-current", "page")
