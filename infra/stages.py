"""Stage settings (infra/stages.yaml): one file says what differs between ``prod`` and ``dev``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PATH = Path(__file__).resolve().parent / "stages.yaml"


def names() -> list[str]:
    return list(yaml.safe_load(PATH.read_text(encoding="utf-8"))["stages"])


def load(stage: str) -> dict[str, Any]:
    """The stage's settings over the defaults; ``KeyError`` naming the known stages otherwise."""
    data = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    if stage not in data["stages"]:
        raise KeyError(f"unknown stage {stage!r}; known: {', '.join(data['stages'])}")
    return {"stage": stage, **data["defaults"], **data["stages"][stage]}
