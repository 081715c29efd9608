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
})

from moto import mock_aws
from werkzeug.test import Client

from infra import bootstrap
from infra.local import dynamodb, mailbox, workers
from infra.local.apps import load_apps
from infra.local.gateway import Gateway
from shared import clock

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


@pytest.fixture
def stack() -> Iterator[Stack]:
    with mock_aws():
        outputs = bootstrap.deploy(PREFIX)
        yield Stack(Client(Gateway(APPS)), outputs)


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
             "--prefix", "portail-live"],
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
