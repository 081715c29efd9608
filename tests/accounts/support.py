"""Helpers of the accounts tests. They act through the public HTTP API and the e-mails actually sent; only
``staff_account`` (the ops tools' way to make an administrator) and ``accounts_items`` (to inspect what is
stored) reach behind it."""

from __future__ import annotations

from typing import Any

import boto3

from shared import settings
from tests.helpers import PASSWORD, link_token, signup_body

API = "/api/accounts"
FRENCH_UNAUTHENTICATED = "Votre session a expiré ou n'est pas valide. Merci de vous reconnecter."


def api(path: str) -> str:
    return API + path


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """The response is our error model with ``status`` and ``code`` (naming ``field`` when given)."""
    assert response.status_code == status, (response.status_code, response.data)
    body = response.json
    assert body is not None, response.data
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and len(error["message"]) > 10
    if field is not None:
        assert field in error["fields"], error
        assert error["fields"][field]
    return error


def signup(stack: Any, email: str, **overrides: Any) -> Any:
    response = stack.call("POST", api("/signup"), signup_body(email, **overrides))
    assert response.status_code == 201, response.json
    return response


def login(stack: Any, email: str, password: str = PASSWORD) -> Any:
    return stack.call("POST", api("/login"), {"email": email, "password": password})


def access_token(stack: Any, email: str, password: str = PASSWORD) -> str:
    response = login(stack, email, password)
    assert response.status_code == 200, response.json
    return str(response.json["access_token"])


def mails(stack: Any, email: str, subject: str) -> list[dict[str, Any]]:
    """E-mails sent to ``email`` whose subject starts with ``subject`` (after relaying everything)."""
    stack.drain()
    return [m for m in stack.mail_to(email) if m["subject"].startswith(subject)]


def last_link(stack: Any, email: str, subject: str, path: str) -> str:
    """The token of the link to ``path`` in the latest e-mail to ``email`` with that subject."""
    found = mails(stack, email, subject)
    assert found, f"no e-mail {subject!r} to {email}: {[m['subject'] for m in stack.mail_to(email)]}"
    return link_token(found[-1]["text"], path)


def confirmation_token(stack: Any, email: str) -> str:
    return last_link(stack, email, "Confirmez votre adresse e-mail", "/confirmer-email")


def confirmed_family(stack: Any, email: str, password: str = PASSWORD, **overrides: Any) -> str:
    """Sign up, confirm through the e-mailed link, log in: the access token."""
    signup(stack, email, password=password, **overrides)
    verified = stack.call("POST", api("/verify"), {"token": confirmation_token(stack, email)})
    assert verified.status_code == 200, verified.json
    return access_token(stack, email, password)


def staff_account(email: str, role: str = "admin", password: str = PASSWORD,
                  structures: list[str] | None = None) -> Any:
    """An active staff account created as the ops tools do (inside the stack's moto)."""
    from accounts import schemas, service

    body = schemas.StaffCreate(email=email, civility="Mme", first_name="Alice", last_name="Admin", role=role,
                               structures=structures or [])
    return service.create_staff(body, "test", password=password)


def staff_token(stack: Any, email: str = "admin@asso.fr", role: str = "admin",
                structures: list[str] | None = None) -> str:
    staff_account(email, role, structures=structures)
    return access_token(stack, email)


def accounts_items() -> list[dict[str, Any]]:
    """Every raw item of the accounts table (low-level, as DynamoDB stores them)."""
    table = boto3.resource("dynamodb", region_name=settings.load().region).Table(settings.load().table("accounts"))
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"ConsistentRead": True}
    while True:
        page = table.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

