"""What the embedded AWS keeps in memory: only what it stores, not every object it ever made.

moto (5.2.5) appends every instance of every model class to a class-level list
(``BaseModel.__new__`` → ``cls.instances_tracked``), only so that its web dashboard
(``/moto-api/data.json``) can list them. Nothing ever removes them before a full reset. On the local
stack that is every DynamoDB ``Item`` ever built — each version of an item a write replaced, each copy
handed to the HTTP layer, each copy in a transaction's undo log —, every stream record, every SQS
message already deleted, every event put on the bus. At the opening day's volume this list, not the
stored data, held most of the stack's memory: the RSS grew ~1.5 MiB per family-year of 92 lines
(benchmarks/README.md, « opening_day »), and about two thirds of it was garbage kept alive by it.

:func:`install` makes ``BaseModel.__new__`` track only the models of :data:`TRACKED_SERVICES`: S3,
whose reset walks ``FakeKey.instances_tracked`` to close its temporary files (few objects here: the
uploaded documents). Every other model object lives as long as the backend holds it, as in any Python
program. moto's dashboard then lists S3 objects only; nothing in the portal or the tests reads it.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.core.common_models import BaseModel

TRACKED_SERVICES = ("moto.s3.",)

_lock = threading.Lock()
_installed = False


def _new(cls: type, *args: Any, **kwargs: Any) -> Any:
    instance = super(BaseModel, cls).__new__(cls)  # type: ignore[misc]  # what BaseModel.__new__ does
    if cls.__module__.startswith(TRACKED_SERVICES):
        cls.instances_tracked.append(instance)  # type: ignore[attr-defined]
    return instance


def install() -> None:
    """Stop moto from keeping every model instance it creates (once; later calls do nothing)."""
    global _installed
    with _lock:
        if _installed:
            return
        BaseModel.__new__ = staticmethod(_new)  # type: ignore[method-assign]
        _installed = True


def installed() -> bool:
    return _installed
