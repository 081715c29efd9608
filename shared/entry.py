"""What each service's ``app.py`` exposes to Lambda.

Chalice names every function's Lambda handler ``app.<function name>``, and Lambda looks that name up
in ``app.py``; our handlers live in the service's modules (routes, consumers, the outbox relay, the
authorizer, schedules), so ``app.py`` must expose each of them under that name or the function fails
to start in AWS (the local stack calls ``handler_map`` and would never notice).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from chalice import Chalice

from shared import settings

_secret_read = False
_secret_lock = threading.Lock()


def _require_secret() -> None:
    """Read the token secret once per container, before the first invocation is served.

    Without a readable secret this raises :class:`shared.settings.MissingSecret`, so the invocation fails
    and nothing is served (decision 31), and the next invocation tries again. It used to run at import:
    a boto3 client and a Secrets Manager call are about 100 ms of CPU, which the cold start's init no
    longer pays; the first invocation does, once (decision 37).
    """
    global _secret_read
    if _secret_read:
        return
    with _secret_lock:
        if not _secret_read:
            settings.token_secret()  # Powertools caches the value (shared.settings.SECRET_MAX_AGE_SECONDS)
            _secret_read = True


def _guarded(handler: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(event: Any, context: Any) -> Any:
        _require_secret()
        return handler(event, context)

    return guarded


class _GuardedApp:
    """The API function's handler (``app.app``): the Chalice app behind the secret's check. Attributes are
    the app's, so anything reading ``app.py``'s ``app`` still finds the Chalice app's."""

    def __init__(self, app: Chalice) -> None:
        self._app = app

    def __call__(self, event: Any, context: Any) -> Any:
        _require_secret()
        return self._app(event, context)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)


def lambda_handlers(app: Chalice) -> dict[str, Any]:
    """``{function name: handler}`` for every event source and authorizer of ``app``.

    In Lambda, every handler (the API's ``app`` too) first reads the token secret (:func:`_require_secret`):
    a function without one serves nothing rather than sign or accept tokens with a guessable value.
    (``chalice package`` and the local stack import ``app.py`` outside Lambda: they get the bare handlers.)
    """
    configs: list[Any] = [*app.event_sources, *app.builtin_auth_handlers]
    handlers = {config.handler_string.split(".", 1)[1]: app.handler_map[config.name] for config in configs}
    if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return handlers
    return {"app": _GuardedApp(app), **{name: _guarded(handler) for name, handler in handlers.items()}}
