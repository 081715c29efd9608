"""Fixtures of the accounts tests (helpers live in :mod:`tests.accounts.support`).

The stack deployed once per module and emptied before each test, and argon2id at its lowest cost (the
``production_argon2`` fixture restores the service's own hasher), are now every folder's: tests/conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest


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
