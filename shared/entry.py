"""What each service's ``app.py`` exposes to Lambda.

Chalice names every function's Lambda handler ``app.<function name>``, and Lambda looks that name up
in ``app.py``; our handlers live in the service's modules (routes, consumers, the outbox relay, the
authorizer, schedules), so ``app.py`` must expose each of them under that name or the function fails
to start in AWS (the local stack calls ``handler_map`` and would never notice).
"""

from __future__ import annotations

import os
from typing import Any

from chalice import Chalice

from shared import settings


def lambda_handlers(app: Chalice) -> dict[str, Any]:
    """``{function name: handler}`` for every event source and authorizer of ``app``.

    In Lambda, also reads the token secret once (Powertools caches it): without one the function fails
    to start (:class:`shared.settings.MissingSecret`) rather than sign or accept tokens with a guessable
    value. (``chalice package`` imports ``app.py`` too, to read the routes: it needs no secret.)
    """
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        settings.token_secret()
    configs: list[Any] = [*app.event_sources, *app.builtin_auth_handlers]
    return {config.handler_string.split(".", 1)[1]: app.handler_map[config.name] for config in configs}
