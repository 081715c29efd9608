"""PynamoDB building blocks for the single-table design every service uses.

Each service's table has ``pk``/``sk`` keys, two generic GSIs (``gsi1``, ``gsi2``) and a ``ttl``
attribute; item types are PynamoDB models sharing the table, told apart by their key prefixes.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from typing import Any, Protocol, cast

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
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


class TableItem(_SharedClientModel):
    """What every item of a service's table has: its keys and the TTL attribute (the type the services'
    models see; :func:`table_model` binds it to a table)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    ttl = NumberAttribute(null=True)


def table_model(service: str) -> type[TableItem]:
    """The base model bound to ``service``'s table; item types subclass it."""
    conf = settings.load()
    meta = type("Meta", (), {
        "table_name": conf.table(service),
        "region": conf.region,
        "host": conf.endpoint_url,
    })
    return type(f"{service.title()}Item", (TableItem,), {"__module__": __name__, "Meta": meta})


def string_list(**kwargs: Any) -> ListAttribute[str]:
    """A list of strings, typed as one: PynamoDB types ``ListAttribute(of=UnicodeAttribute)``'s value as a list
    of attribute objects, which made every read of it a type error."""
    return cast("ListAttribute[str]", ListAttribute(of=UnicodeAttribute, **kwargs))


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


MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit on the items of one TransactWriteItems


class Rider(Protocol):
    """An item that must be written in the same transaction as an action's first state change (the staff
    action's audit event, decision 101): it exists if and only if the action changed something."""

    pending: bool

    def add_to(self, tx: TransactWrite) -> None: ...

    def committed(self) -> None: ...


_RIDER: ContextVar[Rider | None] = ContextVar("ddb_rider", default=None)


def ride(rider: Rider | None) -> Any:
    """Attach ``rider`` to the transactions this context commits next; returns the token for :func:`unride`."""
    return _RIDER.set(rider)


def unride(token: Any) -> None:
    _RIDER.reset(token)


class _Transaction(TransactWrite):
    """A ``TransactWrite`` that takes the context's pending rider along, if it has room for one more item."""

    def _commit(self) -> Any:
        rider = _RIDER.get()
        carried = rider is not None and rider.pending and self.size() < MAX_TRANSACTION_ITEMS
        if carried:
            assert rider is not None
            rider.add_to(self)
        response = super()._commit()
        if carried:
            assert rider is not None
            rider.committed()
        for callback in self.__dict__.get("_after_commit", ()):
            callback()
        return response

    def on_commit(self, callback: Any) -> None:
        """Call ``callback`` once this transaction has committed (never when it is cancelled)."""
        self.__dict__.setdefault("_after_commit", []).append(callback)

    def size(self) -> int:
        return (len(self._put_items) + len(self._update_items) + len(self._delete_items)
                + len(self._condition_check_items))


def transaction() -> TransactWrite:
    """A write transaction on the configured endpoint (state items and their outbox entry together).

    A use case filling transactions to the limit leaves one item free (``MAX_TRANSACTION_ITEMS - 1``) when
    it runs for a staff action, so that the action's audit event rides with its first write."""
    return _Transaction(connection=connection())
