"""Small helpers the tests share: a valid signup body and the link an e-mail carries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlparse

import botocore.client
import pytest

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


def confirmed_family(stack: Any, email: str, first_name: str = "Claire") -> tuple[str, str]:
    """Sign up, confirm by the e-mailed link and log in through HTTP: ``(access_token, account_id)``."""
    created = stack.call("POST", "/api/accounts/signup", signup_body(email, first_name=first_name))
    assert created.status_code == 201, created.json
    stack.drain()
    mail = [m for m in stack.mail_to(email) if "/confirmer-email" in m["text"]][-1]
    assert stack.call("POST", "/api/accounts/verify", {"token": link_token(mail["text"], "/confirmer-email")}
                      ).status_code == 200
    logged = stack.call("POST", "/api/accounts/login", {"email": email, "password": PASSWORD})
    assert logged.status_code == 200, logged.json
    return logged.json["access_token"], logged.json["account"]["account_id"]


def staff_token(stack: Any, email: str, role: str, structures: list[str]) -> str:
    """An active staff account created as the ops command line does, logged in through HTTP."""
    from accounts import schemas, service

    service.create_staff(schemas.StaffCreate(email=email, civility="Mme", first_name="Julie", last_name="Schmitt",
                                             role=role, structures=structures), "test", password=PASSWORD)
    logged = stack.call("POST", "/api/accounts/login", {"email": email, "password": PASSWORD})
    assert logged.status_code == 200, logged.json
    return str(logged.json["access_token"])


def seed_catalogue(stack: Any) -> None:
    """Planning publishes its demo catalogue; enrolment's read model fills from the events."""
    from planning import catalogue

    catalogue.seed_demo()
    stack.drain()


@contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    """The DynamoDB operations made meanwhile, in order (every AWS call goes through botocore's client)."""
    seen: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(client: Any, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            seen.append(operation)
        return original(client, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
        yield seen
