"""Request bodies of the planning API (pydantic), with French messages."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from shared.fields import Body


class Element(Body):
    weekday: int = Field(ge=0, le=6)
    slot_code: str = Field(min_length=1, max_length=30)
    parity: Literal["all", "even", "odd"] = "all"


class PlanBody(Body):
    child_id: str = Field(min_length=1, max_length=60)
    period_id: str = Field(min_length=1, max_length=80)
    selection: list[Element] = Field(default_factory=list, max_length=50)
    first_day_slots: list[str] = Field(default_factory=list, max_length=10)


class AddBody(Body):
    selection: list[Element] = Field(default_factory=list, max_length=50)
    first_day_slots: list[str] = Field(default_factory=list, max_length=10)


class LineRef(Body):
    date: date
    slot_code: str = Field(min_length=1, max_length=30)


class CancelBody(Body):
    lines: list[LineRef] | None = Field(default=None, max_length=400)
    all: bool = False
    from_: date | None = Field(default=None, alias="from")
    preview: bool = False
