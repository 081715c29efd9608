"""Logs carry events, identifiers and outcomes: never passwords, tokens, phone numbers nor addresses."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.accounts.support import PASSWORD, api, confirmation_token, last_link, signup_body

EMAIL = "Journal.Prive@Example.fr"
NEW_PASSWORD = "Nouveau-Secret-2025"


def log_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Each captured record as the services print it (the Powertools JSON line) and with all its fields."""
    default = logging.Formatter("%(name)s %(levelname)s %(message)s")
    lines = []
    for record in caplog.records:
        handlers = logging.getLogger(record.name).handlers  # a service's own Powertools handler
        formatter = (handlers[0].formatter if handlers else None) or default
        lines.append(formatter.format(record) + " " + repr(vars(record)))
    return lines


def test_a_whole_journey_logs_nothing_personal_or_secret(stack: Any, caplog: pytest.LogCaptureFixture,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.INFO)
    email = EMAIL.lower()
    secrets: dict[str, str] = {"password": PASSWORD, "new password": NEW_PASSWORD, "email": email,
                               "email as typed": EMAIL, "email local part": "journal.prive",
                               "phone": "+33612345678", "phone as typed": "06 12 34 56 78",
                               "phone digits": "0612345678"}

    assert stack.call("POST", api("/signup"), signup_body(EMAIL)).status_code == 201
    secrets["verification token"] = confirmation_token(stack, email)
    assert stack.call("POST", api("/verify"), {"token": secrets["verification token"]}).status_code == 200
    assert stack.call("POST", api("/login"), {"email": email, "password": "Mauvais-Essai-1"}).status_code == 401
    logged = stack.call("POST", api("/login"), {"email": EMAIL, "password": PASSWORD})
    secrets["access token"] = logged.json["access_token"]
    changed = stack.call("POST", api("/password/change"),
                         {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                         token=secrets["access token"])
    assert changed.status_code == 200
    assert stack.call("POST", api("/password/forgot"), {"email": email}).status_code == 202
    secrets["reset token"] = last_link(stack, email, "Réinitialisation", "/mot-de-passe/nouveau")
    assert stack.call("POST", api("/password/reset"),
                      {"token": secrets["reset token"], "new_password": "Troisieme-Essai-3"}).status_code == 200
    stack.drain()

    lines = log_lines(caplog)
    # The capture works: the services did log this journey (with its outcomes).
    assert any('"service":"accounts"' in line and "request refused" in line for line in lines)
    assert any('"service":"notifications"' in line and "event handled" in line for line in lines)
    captured = capsys.readouterr()
    output = "\n".join([*lines, captured.out, captured.err])
    leaks = {name: value for name, value in secrets.items() if value.lower() in output.lower()}
    assert leaks == {}, [line for line in output.splitlines()
                         if any(v.lower() in line.lower() for v in leaks.values())][:5]
