"""The dev mailbox's count (``/dev/mail/count``): what benchmarks poll instead of parsing every e-mail."""

from __future__ import annotations

from typing import Any

from tests.accounts.support import signup


def test_the_count_follows_the_e_mails_sent(stack: Any) -> None:
    assert stack.call("GET", "/dev/mail/count").json == {"count": 0}
    signup(stack, "claire.count@example.fr")
    stack.drain()
    sent = stack.call("GET", "/dev/mail.json").json
    assert len(sent) >= 1 and any(m["to"] == "claire.count@example.fr" for m in sent)
    assert stack.call("GET", "/dev/mail/count").json == {"count": len(sent)}
