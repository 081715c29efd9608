"""Business and health metrics (Powertools Metrics, CloudWatch embedded metric format).

Each call prints one EMF record that CloudWatch turns into a metric in ``PortailFamilles`` with a
``service`` dimension: what the stage's dashboard and alarms read (infra/template.yaml, infra/harden.py).
Only inside Lambda: the local stack and the tests have no CloudWatch to feed, and would only print.
"""

from __future__ import annotations

import os

NAMESPACE = "PortailFamilles"


def _emit(name: str, value: float, unit: str, service: str) -> None:
    if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(name=name, unit=MetricUnit[unit], value=value,
                       namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE),
                       default_dimensions={"service": service}):
        pass


def count(name: str, service: str, value: int = 1) -> None:
    """Add ``value`` to the counter ``name`` (RequestsSubmitted, PlacesAccepted, EmailsSent...)."""
    _emit(name, value, "Count", service)


def seconds(name: str, service: str, value: float) -> None:
    """Record a duration in seconds (OutboxOldestPendingSeconds)."""
    _emit(name, value, "Seconds", service)
