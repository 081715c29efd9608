"""The staff's lists show every page the API gives (issue 13): a list longer than a page (the API answers
100 items a page with a ``next`` cursor) is shown whole; and the CSV the portal makes neutralises
spreadsheet formulas (OWASP « CSV injection »). On the live stack, in Chromium; the list is seeded through
the API (250 staff actions), never by sleeping."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.web.test_backoffice_browser import ADMIN
from tests.web.test_family_file_browser import DEMO_PASSWORD, http, log_in, ok

pytestmark = pytest.mark.browser

ACTIONS = 250
LABEL = "Territoire (écoles et communes)"
DELIVERY_TIMEOUT_S = 300  # the audit events go through the relay, the queue and the consumer


def journal(base: str, admin: str) -> list[dict]:
    """Every catalogue entry of the journal, as the API pages it (following ``next``)."""
    items: list[dict] = []
    after = None
    while True:
        path = "/api/enrolment/staff/audit?action=catalogue" + (f"&after={quote(after)}" if after else "")
        page = ok(http(base, "GET", path, token=admin))
        assert isinstance(page, dict)
        items += page["items"]
        after = page["next"]
        if not after:
            return items


def test_the_journal_shows_every_page_of_a_long_list(page: Page, live_stack) -> None:
    base = live_stack.base_url.rstrip("/")
    admin = ok(http(base, "POST", "/api/accounts/login", {"email": ADMIN, "password": DEMO_PASSWORD}))["access_token"]
    before = len([e for e in journal(base, admin) if e["label"] == LABEL])
    original = ok(http(base, "GET", "/api/enrolment/territory", token=admin))
    version = original["version"]
    for n in range(ACTIONS):
        communes = [*original["communes"], {"name": f"Essai {n}", "postal_code": "67000"}]
        saved = ok(http(base, "PUT", "/api/enrolment/territory",
                        {"schools": original["schools"], "communes": communes, "version": version}, token=admin))
        version = saved["version"]
    ok(http(base, "PUT", "/api/enrolment/territory",
            {"schools": original["schools"], "communes": original["communes"], "version": version}, token=admin))
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    while True:  # wait on what the API shows: every action delivered to the audit log
        entries = journal(base, admin)
        if len([e for e in entries if e["label"] == LABEL]) >= before + ACTIONS + 1:
            break
        assert time.monotonic() < deadline, "the audit events were not all delivered"
        time.sleep(0.5)
    total = len(entries)
    assert total > 2 * 100  # more than two of the API's pages

    log_in(page, base, ADMIN, DEMO_PASSWORD, staff=True)
    page.goto(f"{base}/gestion/journal?type=catalogue")
    table = page.get_by_role("table")
    expect(table.get_by_role("caption")).to_have_text(f"Actions ({total})", timeout=60_000)
    expect(table.locator("tbody tr")).to_have_count(total)
    expect(table.locator("tbody tr").filter(has_text=LABEL)).to_have_count(before + ACTIONS + 1)


def test_the_portal_csv_neutralises_spreadsheet_formulas(page: Page, live_stack) -> None:
    """The portal's own csv.js, in the browser: a cell starting with =, +, -, @, a tab or a carriage return
    gets a leading apostrophe; other cells are kept as they are (quoted, quotes doubled)."""
    base = live_stack.base_url.rstrip("/")
    page.goto(f"{base}/")
    text = page.evaluate("""async () => {
        const { toCsv } = await import('/csv.js');
        return toCsv(['Nom', 'Note'], [
            ['=HYPERLINK("http://x")', '+33 6 12'], ['-2+3', '@SUM(A1)'], ['\\tTab', '\\rRetour'],
            ['Léa "la grande"', '06 12 34 56 78'], ['a=b', '']]);
    }""")
    lines = text.removeprefix("\ufeff").split("\r\n")
    assert lines[0] == '"Nom";"Note"'
    assert lines[1] == '"\'=HYPERLINK(""http://x"")";"\'+33 6 12"'
    assert lines[2] == '"\'-2+3";"\'@SUM(A1)"'
    assert lines[3] == '"\'\tTab";"\'\rRetour"'
    assert lines[4] == '"Léa ""la grande""";"06 12 34 56 78"'
    assert lines[5] == '"a=b";""'
