"""Imports the four Chalice apps into one process (their packages have unique names for that)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from chalice import Chalice

from shared.settings import SERVICES

ROOT = Path(__file__).resolve().parents[2]


def add_paths() -> None:
    for path in [ROOT, *(ROOT / "services" / name for name in SERVICES)]:
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def load_apps() -> dict[str, Chalice]:
    """Every service's Chalice app by service name. Import after the environment is set: PynamoDB
    models read their table and endpoint when their module loads."""
    add_paths()
    return {name: importlib.import_module(f"{name}.api").app for name in SERVICES}
