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
