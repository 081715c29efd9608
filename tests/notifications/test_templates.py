"""Every template is used by a handler and renders, text and HTML, with StrictUndefined from what the
handlers pass for the contract fixtures (a missing variable raises instead of printing nothing).

These tests call the consumer directly (not through the bus): they are about templates, not routing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import pytest

from notifications import handlers, mailer
from shared.events import CONSUMERS
from shared.events.base import Event
from tests.notifications.support import SUFFIX, event, staff

TEMPLATES = Path(mailer.__file__).parent / "templates"
LAYOUTS = {"base", "_button", "_recap", "_request", "_outcomes"}  # included by the others
VARIANTS: list[Event] = [
    *(event(cls.detail_type()) for cls in CONSUMERS["notifications"]),
    event("ChangeReviewed", event_id="variant-1", decision="rejected", reason="Le numéro est incomplet."),
    event("DocumentReviewed", event_id="variant-2", reason=""),
    event("FamilyValidated", event_id="variant-3", first_name="", child_first_name=""),
    event("ReservationRequestSubmitted", event_id="variant-4", added=True, first_name="", child_first_name=""),
    event("CancellationRequested", event_id="variant-5", line_count=2, child_first_name="",
          recap=[{"weekday": "Lundi", "slot": "PERISCOLAIRE MIDI", "count": 2, "first": "2024-09-02",
                  "last": "2024-09-09"}]),
    event("CancellationConfirmed", event_id="variant-6", line_count=1, first_name="", child_first_name="",
          recap=[{"weekday": "Mardi", "slot": "PERISCOLAIRE MIDI", "count": 1, "first": "2024-09-03",
                  "last": "2024-09-03"}]),
    *(event("RequestDecided", event_id=f"variant-7-{answer}", answer=answer, trigger=trigger, first_name="",
            child_first_name="", outcomes=outcomes)
      for answer, trigger, outcomes in [
          ("accepted", "decision", [{"weekday": "Lundi", "slot": "PERISCOLAIRE MIDI", "accepted": 33}]),
          ("waitlisted", "automatic", [{"weekday": "Lundi", "slot": "PERISCOLAIRE SOIR", "parity": "odd",
                                        "waitlisted": 17, "reason": "Plus de place disponible."}]),
          ("refused", "decision", []),  # from a producer that sends no outcomes
          ("partially_accepted", "waitlist", [{"weekday": "Lundi", "slot": "PERISCOLAIRE SOIR", "accepted": 3,
                                               "waitlisted": 30, "refused": 1, "reason": "Complet."}]),
      ]),
    *(event("RequestDecided", event_id=f"variant-8-{trigger}", answer=answer, trigger=trigger, offer_reply_days=2,
            outcomes=[{"weekday": "Lundi", "slot": "PERISCOLAIRE MIDI", "accepted": accepted, "waitlisted": 10,
                       "refused": 5, "reason": "Place déclinée par la famille."}])
      for answer, trigger, accepted in [("partially_accepted", "offer_answered", 5),
                                        ("waitlisted", "offer_expired", 0)]),
    event("PlaceOffered", event_id="variant-9", first_name="", child_first_name="", offered_count=1),
    event("PreEnrolmentSubmitted", event_id="variant-10", email="famille.muller@example.fr", first_name="",
          child_first_name=""),
    event("PreEnrolmentSubmitted", event_id="variant-11", email="famille.muller@example.fr", kind="sejour"),
]


def envelope(e: Event) -> str:
    return json.dumps({"version": "0", "id": "x", "detail-type": e.detail_type(), "source": e.source,
                       "time": "2026-09-01T08:00:00Z", "region": "eu-west-3", "resources": [],
                       "detail": json.loads(e.detail_json())})


@pytest.fixture
def rendered(stack: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any], mailer.Email]]:
    """(template, context, e-mail) of every e-mail the handlers render for the fixtures and variants."""
    calls: list[tuple[str, dict[str, Any], mailer.Email]] = []
    real_render = mailer.render

    def render(template: str, to: str, subject: str, **context: Any) -> mailer.Email:
        email = real_render(template, to, subject, **context)
        calls.append((template, context, email))
        return email

    monkeypatch.setattr(mailer, "render", render)
    handlers.consumer.handle_envelope(envelope(staff("acc-2", "julie@asso.fr", "Julie", ["acem-schweighouse"])))
    for e in VARIANTS:
        handlers.consumer.handle_envelope(envelope(e))
    return calls


def test_the_mailer_renders_strictly_and_escapes_html_only() -> None:
    assert mailer._environment().undefined is jinja2.StrictUndefined
    assert mailer._environment().autoescape("x.html") is True
    assert mailer._environment().autoescape("x.txt") is False


def test_every_template_has_both_parts_and_extends_the_base() -> None:
    names = {p.stem for p in TEMPLATES.iterdir()} - LAYOUTS
    for name in names:
        assert (TEMPLATES / f"{name}.txt").exists(), name
        html = (TEMPLATES / f"{name}.html").read_text(encoding="utf-8")
        assert html.startswith('{% extends "base.html" %}'), name


def test_every_template_is_used_and_renders_with_strict_undefined(rendered: list[Any]) -> None:
    names = {p.stem for p in TEMPLATES.iterdir()} - LAYOUTS
    assert {template for template, _, _ in rendered} == names
    for template, context, email in rendered:
        assert email.subject.endswith(SUFFIX), email.subject
        for part in (email.text, email.html):
            assert "{{" not in part and "{%" not in part and "Undefined" not in part, template
        assert email.text.startswith("Bonjour"), template
        # Even the branches this context does not take ask only for variables the handler passes.
        for extension in ("txt", "html"):
            source = (TEMPLATES / f"{template}.{extension}").read_text(encoding="utf-8")
            wanted = jinja2.meta.find_undeclared_variables(mailer._environment().parse(source))
            assert wanted <= {*context, "portal_url", "subject"}, (template, extension, wanted - set(context))
            # A partial it includes asks only for those and for what the template sets before including it.
            for partial in LAYOUTS - {"base"}:
                if f'{{% include "{partial}.' in source:
                    partial_source = (TEMPLATES / f"{partial}.{extension}").read_text(encoding="utf-8")
                    needed = jinja2.meta.find_undeclared_variables(mailer._environment().parse(partial_source))
                    declared = {*context, "portal_url", "subject", *_set_names(source)}
                    assert needed <= declared, (template, partial, needed - declared)


def _set_names(source: str) -> set[str]:
    """The names a template assigns with ``{% set name = ... %}``."""
    return {node.target.name for node in mailer._environment().parse(source).find_all(jinja2.nodes.Assign)}


def test_french_dates_and_counts() -> None:
    assert mailer.long_date(date(2024, 9, 3)) == "mardi 3 septembre 2024"
    assert mailer.long_date(date(2025, 9, 1)) == "lundi 1er septembre 2025"
    assert mailer.long_date(date(2025, 8, 15)) == "vendredi 15 août 2025"
    assert mailer.short_date(date(2024, 9, 3)) == "03/09/2024"
    assert [mailer.counted(n, "présence") for n in (0, 1, 2)] == ["0 présence", "1 présence", "2 présences"]
