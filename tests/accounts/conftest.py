"""Fixtures of the accounts tests (helpers live in :mod:`tests.accounts.support`).

``stack`` here is the shared ``stack`` (moto, the real infra template deployed, the four services behind the
local gateway) deployed once per module instead of once per test, and emptied before each test: every item
of the four tables, every message of every queue, every e-mail sent. Deploying the template costs most of a
test's time; emptying it costs a few milliseconds, and each test still starts from a stack as new.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from werkzeug.test import Client

from shared import settings


@pytest.fixture(scope="module")
def deployed_stack() -> Iterator[Any]:
    from infra import bootstrap
    from infra.local.gateway import Gateway
    from tests.conftest import APPS, PREFIX, Stack

    with mock_aws():
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
