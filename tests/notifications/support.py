"""Helpers of the notifications tests: events built from the contract fixtures, published on the bus of
the deployed template, and the e-mails SES actually sent."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import boto3
from markupsafe import escape

from shared.events import accounts, registry
from shared.events.base import Event

FIXTURES = Path(__file__).resolve().parents[1] / "contracts" / "fixtures"
PORTAL = "http://portail.test"  # PORTAIL_PUBLIC_URL of tests/conftest.py
SUFFIX = " – Portail Familles"


def event(detail_type: str, **overrides: Any) -> Event:
    """The event of ``tests/contracts/fixtures/<detail_type>.json``, with ``overrides``."""
    detail = json.loads((FIXTURES / f"{detail_type}.json").read_text(encoding="utf-8"))
    detail.update(overrides)
    return registry()[detail_type].model_validate(detail)


def publish(stack: Any, *events: Event) -> None:
    """Put ``events`` on the deployed bus, as the outbox relay does."""
    client = boto3.client("events", region_name="eu-west-3")
    for start in range(0, len(events), 10):
        entries = [{"Source": e.source, "DetailType": e.detail_type(), "Detail": e.detail_json(),
                    "EventBusName": stack.outputs["BusName"]} for e in events[start:start + 10]]
        result = client.put_events(Entries=entries)
        assert result["FailedEntryCount"] == 0, result


def deliver(stack: Any, *events: Event) -> None:
    """Publish ``events`` and let the stack route and handle them."""
    publish(stack, *events)
    stack.drain()


def staff(account_id: str, email: str, first_name: str, structures: list[str],
          role: str = "manager") -> accounts.StaffAccountCreated:
    return accounts.StaffAccountCreated(account_id=account_id, email=email, first_name=first_name, role=role,
                                        structures=structures)


def only_mail_to(stack: Any, address: str) -> dict[str, Any]:
    """The one e-mail ``address`` received."""
    mails = stack.mail_to(address)
    assert len(mails) == 1, [m["subject"] for m in mails]
    return mails[0]


def assert_says(mail: dict[str, Any], *sentences: str) -> None:
    """Each sentence is in the text part and, HTML-escaped, in the HTML part."""
    for sentence in sentences:
        assert sentence in mail["text"], (sentence, mail["text"])
        # Jinja escapes what comes from the event (' → &#39;); what the template writes stays as is.
        assert sentence in mail["html"] or str(escape(sentence)) in mail["html"], (sentence, mail["html"])


def assert_links_to(mail: dict[str, Any], path: str) -> None:
    url = PORTAL + path
    assert url in mail["text"].split(), (url, mail["text"])
    assert f'href="{escape(url)}"' in mail["html"], (url, mail["html"])


class _Table(HTMLParser):
    """The cells of the first table with a header (a recap or an outcome table), row by row: header, body and
    total rows."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_table = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "thead":
            self._in_table += 1
        elif tag == "tr" and self._in_table:
            self.rows.append([])
        elif tag in ("td", "th") and self._in_table:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._in_table:
            self._in_table = 0
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def recap_table(html: str) -> list[list[str]]:
    parser = _Table()
    parser.feed(html)
    return parser.rows
