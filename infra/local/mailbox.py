"""The e-mails the embedded SES has sent, read from moto's backend in this process."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import RawMessage, ses_backends

from shared import settings


def count() -> int:
    """How many e-mails were sent (without parsing them: a cheap probe for waiting benchmarks)."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID][settings.load().region]
    return sum(1 for sent in list(backend.sent_messages) if isinstance(sent, RawMessage))


def messages() -> list[dict[str, Any]]:
    """``{"to", "subject", "text", "html", "sent_at"}`` for each e-mail sent, newest last."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID][settings.load().region]
    result = []
    for sent in list(backend.sent_messages):
        if not isinstance(sent, RawMessage):
            continue
        raw = sent.raw_data.encode("utf-8") if isinstance(sent.raw_data, str) else sent.raw_data
        parsed = message_from_bytes(raw, policy=policy.default)
        text = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        date = parsed["Date"]
        result.append({
            "to": str(parsed["To"] or ", ".join(dict.fromkeys(sent.destinations))),
            "subject": str(parsed["Subject"] or ""),
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
            "sent_at": parsedate_to_datetime(date).isoformat() if date else None,
        })
    return result
