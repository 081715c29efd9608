"""Event base model and registry: events are the contract between services.

Each event is a pydantic model; its ``detail-type`` is the class name (a past-tense fact) and its
``source`` is ``portail.<service>``. The detail carries ``event_id`` (chosen once by the producer, the key
of idempotent consumers), ``occurred_at``, ``schema_version`` and ``correlation_id``.
"""

from __future__ import annotations

import importlib
import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared import clock

_REGISTRY: dict[str, type[Event]] = {}
# The modules that declare events: imported on first need (a registry miss, or the whole registry), so that a
# function imports only the events it publishes or consumes (cold start, decision 37).
MODULES = ("accounts", "audit", "enrolment", "planning")


class Event(BaseModel):
    # ``defer_build``: the validator and serializer of each event are built on its first use, not when the
    # class is declared: a function pays only for the events it handles (cold start, decision 37).
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    source: ClassVar[str]
    abstract: ClassVar[bool] = True  # a family of events (one per publisher), not an event itself

    event_id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = Field(default_factory=clock.now)
    schema_version: int = 1
    correlation_id: str = Field(default_factory=lambda: str(uuid.uuid4()))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("abstract", False):
            return
        if cls.__name__ in _REGISTRY:
            raise TypeError(f"event {cls.__name__} is declared twice")
        _REGISTRY[cls.__name__] = cls

    @classmethod
    def detail_type(cls) -> str:
        return cls.__name__

    def detail_json(self) -> str:
        return self.model_dump_json()


def load_all() -> None:
    """Import every module that declares events (each once; cheap after the first call)."""
    for name in MODULES:
        importlib.import_module(f"shared.events.{name}")


def registry() -> dict[str, type[Event]]:
    """Every declared event by detail-type."""
    load_all()
    return dict(_REGISTRY)


class UnknownEvent(ValueError):
    pass


def parse(detail_type: str, detail: dict[str, Any] | str) -> Event:
    """The typed event for an EventBridge detail-type and detail."""
    cls = _REGISTRY.get(detail_type)
    if cls is None:
        load_all()  # a type this process has not imported yet (a consumer imports only what it handles)
        cls = _REGISTRY.get(detail_type)
    if cls is None:
        raise UnknownEvent(detail_type)
    if isinstance(detail, str):
        return cls.model_validate_json(detail)
    return cls.model_validate(detail)
