"""Fixtures of the planning domain tests: plain objects, no AWS."""

from __future__ import annotations

from datetime import date

import pytest

from planning.calendar import FRIDAY, MONDAY, THURSDAY, TUESDAY, Calendar, Period


@pytest.fixture(scope="session")
def schweighouse() -> Calendar:
    """Schweighouse-sur-Moder: Bas-Rhin (67), school zone B, no closure of its own."""
    return Calendar("67", "B")


@pytest.fixture(scope="session")
def periscolaire() -> Period:
    """The guide's period: school days only, open Monday, Tuesday, Thursday and Friday."""
    return Period(date(2024, 9, 2), date(2025, 7, 4), frozenset({MONDAY, TUESDAY, THURSDAY, FRIDAY}),
                  "school_days", "PERISCOLAIRE 2024 - 2025 - SCHWEIGHOUSE")
