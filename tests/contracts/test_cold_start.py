"""Nothing heavy is imported with a function (decision 37): each service's ``app.py`` loads without the
libraries only some requests need, and an event's module is imported when its detail-type is first parsed.

Structural checks in a fresh interpreter each (what is in ``sys.modules``), never timings: the cold start's
figures come from the artifacts (``make bench-artifacts``, benchmarks/README.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from infra.local.apps import ROOT
from shared.settings import SERVICES

# Loaded by the first request that needs them: tokens (PyJWT), e-mail addresses (email_validator), the
# first AWS client (boto3, s3transfer, multiprocessing), the first log line (Powertools), the first e-mail
# (Jinja2), the first PDF (fpdf2, fontTools), the calendars (holidays, vacances_scolaires_france, icalendar).
HEAVY = ("jwt", "cryptography", "email_validator", "boto3", "s3transfer", "multiprocessing", "aws_lambda_powertools",
         "jinja2", "fpdf", "fontTools", "holidays", "vacances_scolaires_france", "icalendar")


def _run(code: str, service: str) -> dict[str, object]:
    env = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-3", "PORTAIL_TOKEN_SECRET": "x" * 40}
    env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    paths = [str(ROOT / "services" / service), str(ROOT)]
    out = subprocess.run([sys.executable, "-c", f"import sys; sys.path[:0] = {paths!r}\n{code}"],
                         env=env, cwd=ROOT / "services" / service, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("service", SERVICES)
def test_a_function_imports_nothing_heavy(service: str) -> None:
    loaded = _run(f"import app, json\nprint(json.dumps({{'heavy': [m for m in {HEAVY!r} if m in sys.modules]}}))",
                  service)
    assert loaded["heavy"] == []


def test_an_event_module_is_imported_by_the_first_event_of_its_type() -> None:
    code = """
import json
from shared.events import base
before = sorted(m for m in sys.modules if m.startswith("shared.events."))
event = base.parse("SessionEnded", {"account_id": "a-1", "session_id": "s-1", "expires_at": 1})
after = sorted(m for m in sys.modules if m.startswith("shared.events."))
print(json.dumps({"before": before, "after": after, "type": type(event).__name__,
                  "account": event.account_id}))
"""
    seen = _run(code, "notifications")
    assert seen["before"] == ["shared.events.base"]
    assert "shared.events.accounts" in seen["after"]  # type: ignore[operator]
    assert (seen["type"], seen["account"]) == ("SessionEnded", "a-1")
