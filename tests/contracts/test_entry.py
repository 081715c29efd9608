"""Each service's ``app.py`` exposes every Lambda handler that ``chalice package`` names (``app.<function>``):
a handler Lambda cannot find there makes the function fail at its first event in AWS."""

from __future__ import annotations

import importlib.util

import pytest

from infra.local.apps import ROOT, load_apps
from shared.settings import SERVICES


def entry_module(service: str):
    spec = importlib.util.spec_from_file_location(f"entry_{service}", ROOT / "services" / service / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("service", SERVICES)
def test_every_handler_chalice_names_is_in_app_py(service: str) -> None:
    app = load_apps()[service]
    module = entry_module(service)
    assert module.app is app
    configs = [*app.event_sources, *app.builtin_auth_handlers]
    assert configs, "every service has at least its authorizer"
    for config in configs:
        module_name, function = config.handler_string.split(".", 1)
        assert module_name == "app"
        assert getattr(module, function, None) is app.handler_map[config.name], config.handler_string


def test_the_offers_schedule_is_a_planning_lambda() -> None:
    names = {c.handler_string.split(".", 1)[1] for c in load_apps()["planning"].event_sources}
    assert {"on_events", "relay_outbox", "expire_offers"} <= names
