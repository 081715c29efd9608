"""Shared fixtures: moto with the real infra template deployed, the services behind the local gateway,
and (for browser tests) the whole local stack started as ``make run`` starts it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "portail-test"

# Before any service module loads: PynamoDB models read their table names and endpoint at import.
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-3",
    "PORTAIL_PREFIX": PREFIX,
    "PORTAIL_PUBLIC_URL": "http://portail.test",
    "PORTAIL_TOKEN_SECRET": "test-secret-0123456789-0123456789-0123456789",
    # A staff action whose audit event is not written in its transaction is a 500 here (decision 101).
    "AUDIT_STRICT": "1",
})

from argon2 import PasswordHasher
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from werkzeug.test import Client

from infra import bootstrap
from infra.local import dynamodb, mailbox, workers
from infra.local.apps import load_apps
from infra.local.gateway import Gateway
from shared import aws, clock, settings

dynamodb.install()  # moto's DynamoDB atomic and O(items touched), as under `make run`
APPS = load_apps()


@pytest.fixture(autouse=True)
def _reset_clock() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


@dataclass
class Stack:
    """The four services behind the local gateway, on moto with the infra template deployed."""

    http: Client
    outputs: dict[str, str]

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             raw: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        return self.http.open(path, method=method, data=data, headers=all_headers)

    def drain(self) -> int:
        """Relay outboxes and pump queues until nothing moves (what AWS does in the background)."""
        return workers.drain(APPS)

    def run_schedule(self, name: str) -> None:
        """Run a scheduled function now, as its EventBridge schedule would."""
        (app, source), = [(a, s) for a, s in workers.scheduled_sources(APPS) if s.name == name]
        workers.run_scheduled(app, source)

    def mail(self) -> list[dict[str, Any]]:
        return mailbox.messages()

    def mail_to(self, address: str) -> list[dict[str, Any]]:
        return [m for m in self.mail() if m["to"] == address]


@pytest.fixture(scope="module")
def deployed_stack() -> Iterator[Stack]:
    """moto with the infra template deployed, once per test module (deploying costs about 0.5 s of CPU)."""
    with mock_aws():
        outputs = bootstrap.deploy(PREFIX)
        yield Stack(Client(Gateway(APPS)), outputs)


def empty(stack: Stack) -> None:
    """Forget everything the previous test did in the deployed stack; its resources stay as deployed.

    Every item of the four tables, every message of every queue (dead-letter queues too), every object
    (and version) of every bucket, every e-mail sent. A few milliseconds where a deployment costs half a
    second, and each test still starts from a stack as new. (No test changes the resources themselves:
    rules, queues and policies; a test that did would need a deployment of its own.)
    """
    conf = settings.load()
    ddb = aws.client("dynamodb")
    for service in settings.SERVICES:
        table = conf.table(service)
        keys = [item for page in ddb.get_paginator("scan").paginate(
            TableName=table, ProjectionExpression="pk, sk", ConsistentRead=True) for item in page["Items"]]
        for start in range(0, len(keys), 25):
            ddb.batch_write_item(RequestItems={table: [{"DeleteRequest": {"Key": key}}
                                                       for key in keys[start:start + 25]]})
        assert ddb.scan(TableName=table, Select="COUNT", ConsistentRead=True)["Count"] == 0, table
    sqs = aws.client("sqs")
    with pytest.MonkeyPatch.context() as patch:  # moto allows one purge a minute unless told otherwise
        patch.setenv("MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR", "false")
        for url in sqs.list_queues().get("QueueUrls", []):
            sqs.purge_queue(QueueUrl=url)
    s3 = aws.client("s3")
    for bucket in s3.list_buckets().get("Buckets", []):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket["Name"]):
            doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                      for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]]
            if doomed:
                s3.delete_objects(Bucket=bucket["Name"], Delete={"Objects": doomed, "Quiet": True})
    ses_backends[DEFAULT_ACCOUNT_ID][conf.region].sent_messages.clear()
    assert stack.mail() == []


@pytest.fixture
def stack(deployed_stack: Stack) -> Stack:
    """The four services behind the local gateway on the deployed stack, as new for each test (:func:`empty`)."""
    empty(deployed_stack)
    return deployed_stack


# Passwords are hashed with argon2id at the lowest cost in tests (the library's parameters cost ~175 ms of
# CPU a hash or a verification, two per family signed up and logged in); the ``production_argon2``
# fixture restores the service's own hasher for a test about its parameters. The live stack of the browser
# tests gets the same (``infra.local.run --fast-passwords``).
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveStack:
    base_url: str

    def mail(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.base_url}/dev/mail.json", timeout=10) as response:
            return json.loads(response.read())


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    """The local stack exactly as ``make run`` starts it, in a subprocess on free ports."""
    port, moto_port = _free_port(), _free_port()
    log_path = tmp_path_factory.mktemp("live") / "stack.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAIL_", "AWS_"))}
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local.run", "--port", str(port), "--moto-port", str(moto_port),
             "--prefix", "portail-live", "--fast-passwords"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a loaded machine starts the stack slowly
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/api/accounts/health", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the local stack did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
    try:
        yield LiveStack(base_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
