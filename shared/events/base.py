"""Event base model and registry: events are the contract between services.

Each event is a pydantic model; its ``detail-type`` is the class name (a past-tense fact) and its
``source`` is ``portail.<service>``. The detail carries ``event_id`` (chosen once by the producer, the key
of idempotent consumers), ``occurred_at``, ``schema_version`` and ``correlation_id``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared import clock

_REGISTRY: dict[str, type[Event]] = {}


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

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


def registry() -> dict[str, type[Event]]:
    """Every declared event by detail-type."""
    return dict(_REGISTRY)


class UnknownEvent(ValueError):
    pass


def parse(detail_type: str, detail: dict[str, Any] | str) -> Event:
    """The typed event for an EventBridge detail-type and detail."""
    cls = _REGISTRY.get(detail_type)
    if cls is None:
        raise UnknownEvent(detail_type)
    if isinstance(detail, str):
        return cls.model_validate_json(detail)
    return cls.model_validate(detail)
