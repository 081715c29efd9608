"""Settings read from environment variables, so one code base runs in AWS, on the local stack and in tests.

Every service reads its own variables (``ACCOUNTS_TABLE``, ``NOTIFICATIONS_TABLE``...) so that several
services can live in one process without colliding; the shared ones start with ``PORTAIL_``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_PREFIX = "portail-dev"
SERVICES = ("accounts", "enrolment", "planning", "notifications")
CONSUMERS = ("notifications", "enrolment", "planning", "accounts")


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    """Values every service needs. Build it with :func:`load` (cheap; reads ``os.environ``)."""

    prefix: str
    region: str
    bus_name: str
    token_secret: str
    public_url: str
    mail_sender: str
    endpoint_url: str | None

    def table(self, service: str) -> str:
        """The table of ``service``: ``<SERVICE>_TABLE`` or ``<prefix>-<service>``."""
        return _env(f"{service.upper()}_TABLE", f"{self.prefix}-{service}")

    def queue(self, consumer: str) -> str:
        """The SQS queue name where ``consumer`` receives its events."""
        return _env(f"{consumer.upper()}_QUEUE", f"{self.prefix}-{consumer}-events")

    @property
    def documents_bucket(self) -> str:
        """The private bucket of uploaded documents (the shared stack names it with the account id)."""
        return _env("ENROLMENT_DOCUMENTS_BUCKET", f"{self.prefix}-documents-123456789012")

    def stream_arn(self, service: str) -> str:
        """The DynamoDB stream of the service's table (drives the outbox relay in AWS)."""
        return _env(
            f"{service.upper()}_STREAM_ARN",
            f"arn:aws:dynamodb:{self.region}:123456789012:table/{self.table(service)}/stream/local",
        )


def load() -> Settings:
    prefix = _env("PORTAIL_PREFIX", DEFAULT_PREFIX)
    return Settings(
        prefix=prefix,
        region=_env("AWS_DEFAULT_REGION", "eu-west-3"),
        bus_name=_env("PORTAIL_BUS_NAME", f"{prefix}-bus"),
        # The development secret only ever signs tokens of the local stack; AWS stages set their own.
        token_secret=_env("PORTAIL_TOKEN_SECRET", "dev-only-secret-change-me-in-aws-0123456789"),
        public_url=_env("PORTAIL_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        mail_sender=_env("PORTAIL_MAIL_SENDER", "no-reply@portail-familles.local"),
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
    )
