"""PynamoDB building blocks for the single-table design every service uses.

Each service's table has ``pk``/``sk`` keys, two generic GSIs (``gsi1``, ``gsi2``) and a ``ttl``
attribute; item types are PynamoDB models sharing the table, told apart by their key prefixes.
"""

from __future__ import annotations

import threading
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from shared import settings

# Connections kept for the life of the process (a Lambda container, the local stack), one per endpoint.
_CONNECTIONS: dict[tuple[str, str | None], Connection] = {}
_CONNECTIONS_LOCK = threading.Lock()
MAX_POOL_CONNECTIONS = 64  # the local stack serves many requests at once through this one client


def connection() -> Connection:
    """The process's one DynamoDB connection (its botocore client is created once and is thread-safe).

    Creating a PynamoDB ``Connection`` per transaction meant a new botocore session and client each time,
    which parses DynamoDB's service model again: ~51 ms of CPU per transaction (issue 12).
    """
    conf = settings.load()
    key = (conf.region, conf.endpoint_url)
    with _CONNECTIONS_LOCK:  # botocore sessions are not thread-safe: the client is created under the lock
        shared = _CONNECTIONS.get(key)
        if shared is None:
            shared = Connection(region=conf.region, host=conf.endpoint_url,
                                max_pool_connections=MAX_POOL_CONNECTIONS)
            shared.client  # noqa: B018  (creates the botocore client now, under the lock)
            _CONNECTIONS[key] = shared
    return shared


def reset_connections() -> None:
    """Forget the shared connections (a test that changes the endpoint or the credentials)."""
    with _CONNECTIONS_LOCK:
        _CONNECTIONS.clear()


class _SharedClientModel(Model):
    """A model whose PynamoDB connection uses the process's one botocore client (see :func:`connection`),
    instead of one session and client per model class."""

    @classmethod
    def _get_connection(cls) -> Any:
        table_connection = super()._get_connection()
        inner = table_connection.connection
        shared = connection()
        if inner._client is not shared._client:
            inner._client = shared._client
        return table_connection


def table_model(service: str) -> type[Model]:
    """The base model bound to ``service``'s table; item types subclass it."""
    conf = settings.load()
    meta = type("Meta", (), {
        "table_name": conf.table(service),
        "region": conf.region,
        "host": conf.endpoint_url,
    })
    return type(f"{service.title()}Item", (_SharedClientModel,), {
        "__module__": __name__,
        "Meta": meta,
        "pk": UnicodeAttribute(hash_key=True),
        "sk": UnicodeAttribute(range_key=True),
        "ttl": NumberAttribute(null=True),
    })


def gsi(number: int) -> GlobalSecondaryIndex[Any]:
    """A fresh index object for ``gsi<number>`` (PynamoDB binds an index instance to one model)."""
    name = f"gsi{number}"
    meta = type("Meta", (), {"index_name": name, "projection": AllProjection()})
    index_cls = type(f"Gsi{number}", (GlobalSecondaryIndex,), {
        "Meta": meta,
        f"{name}pk": UnicodeAttribute(hash_key=True),
        f"{name}sk": UnicodeAttribute(range_key=True),
    })
    return index_cls()


def transaction() -> TransactWrite:
    """A write transaction on the configured endpoint (state items and their outbox entry together)."""
    return TransactWrite(connection=connection())
