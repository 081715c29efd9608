"""Fixtures of the accounts tests (helpers live in :mod:`tests.accounts.support`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws
from werkzeug.test import Client


@pytest.fixture(scope="module")
def module_stack() -> Iterator[Any]:
    """One deployed stack for a whole module of requests that must all be refused (fast)."""
    from infra import bootstrap
    from infra.local.gateway import Gateway
    from tests.conftest import APPS, PREFIX, Stack

    with mock_aws():
        outputs = bootstrap.deploy(PREFIX)
        yield Stack(Client(Gateway(APPS)), outputs)


@pytest.fixture(autouse=True)
def _no_traceback_ever(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every response any accounts test receives is checked: no stack trace leaks, and no 500 at all."""
    from tests.conftest import Stack

    call = Stack.call

    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        response = call(self, *args, **kwargs)
        text = response.get_data(as_text=True)
        assert "Traceback" not in text, text
        assert 'File "' not in text, text
        assert response.status_code < 500, (response.status_code, text)
        return response

    monkeypatch.setattr(Stack, "call", checked)
