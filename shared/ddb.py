"""PynamoDB building blocks for the single-table design every service uses.

Each service's table has ``pk``/``sk`` keys, two generic GSIs (``gsi1``, ``gsi2``) and a ``ttl``
attribute; item types are PynamoDB models sharing the table, told apart by their key prefixes.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from shared import settings


def table_model(service: str) -> type[Model]:
    """The base model bound to ``service``'s table; item types subclass it."""
    conf = settings.load()
    meta = type("Meta", (), {
        "table_name": conf.table(service),
        "region": conf.region,
        "host": conf.endpoint_url,
    })
    return type(f"{service.title()}Item", (Model,), {
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
    conf = settings.load()
    return TransactWrite(connection=Connection(region=conf.region, host=conf.endpoint_url))
