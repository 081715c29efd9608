"""Small helpers the tests share: a valid signup body and the link an e-mail carries."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

PASSWORD = "Tartine-Confiture-42"


def signup_body(email: str = "claire.muller@example.fr", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "civility": "Mme",
        "last_name": "Muller",
        "first_name": "Claire",
        "email": email,
        "phone": "06 12 34 56 78",
        "address": {"line1": "3 rue des Tilleuls", "line2": "", "postal_code": "67590",
                    "city": "Schweighouse-sur-Moder"},
        "password": PASSWORD,
        "accept_terms": True,
    }
    body.update(overrides)
    return body


def link_token(text: str, path: str) -> str:
    """The ``token`` of the first link to ``path`` in an e-mail's text."""
    match = re.search(r"https?://\S+" + re.escape(path) + r"\?\S+", text)
    assert match, f"no link to {path} in:\n{text}"
    return parse_qs(urlparse(match.group(0)).query)["token"][0]
