"""boto3 clients built in one place, honouring the local endpoint (moto server) when one is set."""

from __future__ import annotations

import threading
from typing import Any

from shared import settings

_CLIENTS: dict[tuple[str, str, str | None], Any] = {}
_LOCK = threading.Lock()


def client(service: str) -> Any:
    """The process's client for ``service`` (one per region and endpoint), created on first use.

    A boto3 client costs 20-50 ms of CPU to create (it loads and compiles the service's model), and is
    thread-safe once created: a warm Lambda, the local stack's threads and the tests reuse it (the SQS
    pump made four a round; the outbox relay one a publication). boto3 itself (with s3transfer and
    multiprocessing) is imported by the first client, not with the function: PynamoDB needs only
    botocore, and most functions create no boto3 client at all (decision 37).
    """
    conf = settings.load()
    key = (service, conf.region, conf.endpoint_url)
    found = _CLIENTS.get(key)
    if found is not None:
        return found
    with _LOCK:  # creating clients is not thread-safe (a shared botocore session)
        found = _CLIENTS.get(key)
        if found is None:
            import boto3

            found = _CLIENTS[key] = boto3.client(service, region_name=conf.region, endpoint_url=conf.endpoint_url)
    return found


def reset_clients() -> None:
    """Forget the clients (a test that changes the endpoint or the credentials)."""
    with _LOCK:
        _CLIENTS.clear()
