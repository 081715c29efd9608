"""A place offered from the waiting list, in a real browser (issue 5): the period answers automatically
with one PERISCOLAIRE MATIN place and gives waiting families two days to answer an offer. A first family
takes Thursday mornings, a second waits; the first cancels June, those places are offered to the
second, which opens its request, reads « Une place vous est proposée » with the deadline, and presses
« Accepter la place »: the request reads « Partiellement acceptée », and the offer came by e-mail. The manager's
« Réglages de la période » shows the reply delay. The period's settings are put back at the end."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.web.test_family_file_browser import DEMO_PASSWORD, MANAGER, PASSWORD, http, log_in, log_out, ok
from tests.web.test_planning_browser import bookable_period, screenshots, validated_family
from tests.web.test_signup_browser import wait_for_mail

pytestmark = pytest.mark.browser

PERIOD_ID = "periscolaire-2026-2027-schweighouse"
SLOT = "MATIN"
THURSDAY = 3  # no other browser test books Thursday mornings
JUNE = "2027-06-01"
REPLY_TIMEOUT_MS = 60_000
SETTINGS = ("decision_mode", "waitlist_mode", "auto_confirm_cancellations", "pre_enrolment", "offer_reply_days")


WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def french_moment(iso: str) -> str:
    """« mardi 1 décembre 2026 à 23:59 »: the deadline as the page writes it, in the structures' time,
    computed from the API's value so the test holds whatever today's date is."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo("Europe/Paris"))
    return (f"{WEEKDAYS[moment.weekday()]} {moment.day} {MONTHS[moment.month - 1]} {moment.year} "
            f"à {moment:%H:%M}")


def manager_token(base: str) -> str:
    return ok(http(base, "POST", "/api/accounts/login", {"email": MANAGER, "password": DEMO_PASSWORD}))["access_token"]


@contextmanager
def period_settings(base: str, **changes):
    """The period's answer settings changed for a test, and put back as they were afterwards."""
    token = manager_token(base)
    before = next(p for p in ok(http(base, "GET", "/api/planning/catalogue", token=token))["periods"]
                  if p["period_id"] == PERIOD_ID)
    current = {k: before[k] for k in SETTINGS if k in before}
    current["capacities"] = {s["code"]: s["capacity"] for s in before["slots"]}
    ok(http(base, "PUT", f"/api/planning/staff/periods/{PERIOD_ID}/settings", {**current, **changes}, token))
    try:
        yield
    finally:
        ok(http(base, "PUT", f"/api/planning/staff/periods/{PERIOD_ID}/settings", current, manager_token(base)))


def thursday_mornings(base: str, family) -> dict:
    period = bookable_period(base, family.token)
    assert period["period_id"] == PERIOD_ID, period
    body = {"child_id": family.child_id, "period_id": PERIOD_ID,
            "selection": [{"weekday": THURSDAY, "slot_code": SLOT}]}
    return ok(http(base, "POST", "/api/planning/requests", body, family.token))


def test_the_waiting_family_accepts_the_place_offered(page, live_stack, artifacts_dir):
    base = live_stack.base_url.rstrip("/")
    first, second = validated_family(live_stack), validated_family(live_stack)
    with period_settings(base, decision_mode="auto_accept", auto_confirm_cancellations=True, offer_reply_days=2,
                         capacities={SLOT: 1}):
        taken = thursday_mornings(base, first)
        waiting = thursday_mornings(base, second)
        mine = ok(http(base, "GET", f"/api/planning/requests/{waiting['request_id']}", token=second.token))
        assert mine["answer"] == "waitlisted", mine["answer"]
        # June's Thursdays are freed (few dates: each is promoted in its own transaction, slow on moto)
        freed = ok(http(base, "POST", f"/api/planning/requests/{taken['request_id']}/cancel", {"from": JUNE},
                        first.token))
        assert freed["line_count"] >= 4, freed
        offered = ok(http(base, "GET", f"/api/planning/requests/{waiting['request_id']}", token=second.token))
        assert offered["offer_until"], offered

        # The manager's settings form says how long families have to answer
        log_in(page, base, MANAGER, DEMO_PASSWORD, staff=True)
        page.goto(f"{base}/gestion/places?structure=acem-schweighouse&periode={PERIOD_ID}")
        expect(page.get_by_label("Délai de réponse à une place proposée (jours)")).to_have_value("2")
        log_out(page)

        # The second family reads the offer on its request and accepts it
        log_in(page, base, second.email, PASSWORD)
        page.goto(f"{base}/mon-compte/planning/demandes/{waiting['request_id']}")
        answer = page.get_by_role("region", name="Réponse à ma demande")
        expect(answer).to_contain_text("Réponse : Place proposée")
        offer = answer.get_by_role("group", name="Une place vous est proposée")
        expect(offer).to_contain_text(f"jusqu'au {french_moment(offered['offer_until'])}")
        outcomes = answer.get_by_role("table", name="Réponse par jour et plage")
        expect(outcomes.get_by_role("columnheader", name="Places proposées")).to_be_visible()
        cells = outcomes.get_by_role("row", name=re.compile("^Jeudi – PERISCOLAIRE MATIN")).get_by_role("cell")
        expect(cells.nth(0)).to_have_text("0")  # accepted
        expect(cells.nth(1)).to_have_text(re.compile(r"^[1-9]\d*$"))  # offered
        screenshots(page, artifacts_dir, "planning-place-proposee")
        offer.get_by_role("button", name="Accepter la place").click()
        # The places change hands in transactions that moto runs slowly when the machine is busy
        expect(page.get_by_text("Vous avez accepté la place proposée : elle est réservée.")).to_be_visible(
            timeout=REPLY_TIMEOUT_MS)
        answer = page.get_by_role("region", name="Réponse à ma demande")
        expect(answer).to_contain_text("Réponse : Partiellement acceptée")  # June accepted, the rest waits
        expect(answer.get_by_role("group", name="Une place vous est proposée")).to_have_count(0)

    mail = wait_for_mail(live_stack, second.email, "Place proposée :")
    assert "Une place vous est proposée" in mail["subject"]
    assert waiting["number"] in mail["subject"]
    assert f"/mon-compte/planning/demandes/{waiting['request_id']}" in mail["text"]
