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
    public_url: str
    mail_sender: str
    endpoint_url: str | None

    @property
    def token_secret(self) -> str:
        """The token signing secret: read at run time, never from a default (see :func:`token_secret`)."""
        return token_secret()

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


class MissingSecret(RuntimeError):
    """No token signing secret: the function must not start (it would sign with a guessable value)."""


# Long enough that a rotated secret reaches every warm function within minutes, short enough to stay
# off the Secrets Manager bill and latency.
SECRET_MAX_AGE_SECONDS = 300
MIN_SECRET_LENGTH = 32


def token_secret() -> str:
    """The secret that signs access tokens.

    In AWS the functions get only the secret's *name* (``PORTAIL_TOKEN_SECRET_NAME``) and read its
    value from Secrets Manager at run time, cached by Powertools for ``SECRET_MAX_AGE_SECONDS``: the
    value never sits in the function's configuration. The local stack and the tests set an explicit
    ``PORTAIL_TOKEN_SECRET``. Anything else (unset, empty, too short) raises :class:`MissingSecret`:
    there is no development default to fall back on.
    """
    explicit = os.environ.get("PORTAIL_TOKEN_SECRET", "").strip()
    name = os.environ.get("PORTAIL_TOKEN_SECRET_NAME", "").strip()
    if explicit:
        value = explicit
    elif name:
        from aws_lambda_powertools.utilities import parameters

        try:
            value = str(parameters.get_secret(name, max_age=SECRET_MAX_AGE_SECONDS) or "").strip()
        except parameters.exceptions.GetParameterError as exc:
            raise MissingSecret(f"the token secret {name!r} cannot be read from Secrets Manager") from exc
    else:
        raise MissingSecret("no token secret: set PORTAIL_TOKEN_SECRET_NAME (AWS) or PORTAIL_TOKEN_SECRET (local)")
    if len(value) < MIN_SECRET_LENGTH:
        raise MissingSecret(f"the token secret is empty or shorter than {MIN_SECRET_LENGTH} characters")
    return value


def load() -> Settings:
    prefix = _env("PORTAIL_PREFIX", DEFAULT_PREFIX)
    return Settings(
        prefix=prefix,
        region=_env("AWS_DEFAULT_REGION", "eu-west-3"),
        bus_name=_env("PORTAIL_BUS_NAME", f"{prefix}-bus"),
        public_url=_env("PORTAIL_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        mail_sender=_env("PORTAIL_MAIL_SENDER", "no-reply@portail-familles.local"),
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
    )
