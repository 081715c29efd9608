"""One world per test module (building it costs a few seconds of signups and uploads)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws
from werkzeug.test import Client

from infra import bootstrap
from infra.local.gateway import Gateway
from tests.conftest import APPS, PREFIX, Stack
from tests.security.world import World, build


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with mock_aws():
        outputs = bootstrap.deploy(PREFIX)
        yield build(Stack(Client(Gateway(APPS)), outputs))
