"""Fixtures of the accounts tests (helpers live in :mod:`tests.accounts.support`).

Two things keep the folder fast without changing what the tests see:

- ``stack`` here is the shared ``stack`` (moto, the real infra template deployed, the four services behind the
local gateway) deployed once per module instead of once per test, and emptied before each test: every item
of the four tables, every message of every queue, every e-mail sent. Deploying the template costs most of a
test's time; emptying it costs a few milliseconds, and each test still starts from a stack as new.
- passwords are hashed with argon2id at the lowest cost (the library's parameters take ~50-100 ms a hash
  or a verification, several per test); the ``production_argon2`` fixture restores the service's own
  hasher for the test that checks its parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from argon2 import PasswordHasher
from botocore.session import get_session
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from pynamodb.connection import base as pynamodb_base
from werkzeug.test import Client

from shared import settings


@pytest.fixture(scope="module")
def deployed_stack() -> Iterator[Any]:
    from infra import bootstrap
    from infra.local.gateway import Gateway
    from tests.conftest import APPS, PREFIX, Stack

    with mock_aws(), pytest.MonkeyPatch.context() as patch:
        # shared.ddb opens a new PynamoDB connection per transaction, hence a new botocore session that
        # parses DynamoDB's JSON model again (~0.1 s each); within a module they share one session.
        session = get_session()
        patch.setattr(pynamodb_base, "get_session", lambda: session)
        outputs = bootstrap.deploy(PREFIX)
        yield Stack(Client(Gateway(APPS)), outputs)


def empty(stack: Any) -> None:
    """Forget everything the previous test did in the deployed stack (its resources stay)."""
    conf = settings.load()
    dynamodb = boto3.resource("dynamodb", region_name=conf.region)
    for service in settings.SERVICES:
        table = dynamodb.Table(conf.table(service))
        items = table.scan(ProjectionExpression="pk, sk", ConsistentRead=True)["Items"]
        with table.batch_writer() as batch:
            for item in items:
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
        assert table.scan(Select="COUNT", ConsistentRead=True)["Count"] == 0
    sqs = boto3.client("sqs", region_name=conf.region)
    with pytest.MonkeyPatch.context() as patch:  # moto allows one purge a minute unless told otherwise
        patch.setenv("MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR", "false")
        for url in sqs.list_queues().get("QueueUrls", []):
            sqs.purge_queue(QueueUrl=url)
    ses_backends[DEFAULT_ACCOUNT_ID][conf.region].sent_messages.clear()
    assert stack.mail() == []


@pytest.fixture
def stack(deployed_stack: Any) -> Any:
    """The stack of tests/conftest.py, as new for each test (see the module docstring)."""
    empty(deployed_stack)
    return deployed_stack


FAST_ARGON2 = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # still argon2id
FAST_DUMMY_HASH = FAST_ARGON2.hash("not-a-real-password-0")


@pytest.fixture(autouse=True)
def _fast_argon2(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    from accounts import service

    production = (service.hasher, service._dummy_hash)
    monkeypatch.setattr(service, "hasher", FAST_ARGON2)
    monkeypatch.setattr(service, "_dummy_hash", lambda: FAST_DUMMY_HASH)
    return production


@pytest.fixture
def production_argon2(_fast_argon2: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The service's own hasher (and its dummy hash), as in production."""
    from accounts import service

    hasher, dummy = _fast_argon2
    monkeypatch.setattr(service, "hasher", hasher)
    monkeypatch.setattr(service, "_dummy_hash", dummy)
    return hasher


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
