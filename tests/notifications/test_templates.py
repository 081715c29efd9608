"""Every template is used by a handler and renders, text and HTML, with StrictUndefined from what the
handlers pass for the contract fixtures (a missing variable raises instead of printing nothing).

These tests call the consumer directly (not through the bus): they are about templates, not routing."""

from __future__ import annotations

import json
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
LAYOUTS = {"base", "_button"}
VARIANTS: list[Event] = [
    *(event(cls.detail_type()) for cls in CONSUMERS["notifications"]),
    event("ChangeReviewed", event_id="variant-1", decision="rejected", reason="Le numéro est incomplet."),
    event("DocumentReviewed", event_id="variant-2", reason=""),
    event("FamilyValidated", event_id="variant-3", first_name="", child_first_name=""),
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
    assert mailer._env.undefined is jinja2.StrictUndefined
    assert mailer._env.autoescape("x.html") is True
    assert mailer._env.autoescape("x.txt") is False


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
            wanted = jinja2.meta.find_undeclared_variables(mailer._env.parse(source))
            assert wanted <= {*context, "portal_url", "subject"}, (template, extension, wanted - set(context))
