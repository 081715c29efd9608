"""« Mot de passe oublié » for a known and an unknown address: the same DynamoDB requests, and the time.

``python -m benchmarks.forgot_password`` deploys the infra template into moto in this process, creates one
confirmed account, then calls ``POST /api/accounts/password/forgot`` through the local gateway, alternating
a known and an unknown address (each call a new address, so the 5-minute cooldown never short-cuts one),
and prints the DynamoDB operations of each kind of call and their wall time (median, quartiles). Exit
status 1 when the two kinds do not make the same DynamoDB requests (a guard on requests, never on time).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "eu-west-3",
                   "PORTAIL_PREFIX": "portail-bench-forgot", "PORTAIL_PUBLIC_URL": "http://portail.bench",
                   "PORTAIL_TOKEN_SECRET": "bench-secret-0123456789-0123456789-0123456789"})

RUNS = 15


@contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    import botocore.client

    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(client: Any, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(client, operation, params)

    botocore.client.BaseClient._make_api_call = counting  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def main() -> int:
    from moto import mock_aws
    from werkzeug.test import Client

    from infra import bootstrap
    from infra.local.apps import load_apps
    from infra.local.gateway import Gateway

    with mock_aws():
        bootstrap.deploy(os.environ["PORTAIL_PREFIX"])
        http = Client(Gateway(load_apps()))
        from accounts import schemas, service

        known = []
        for index in range(RUNS):
            email = f"connue{index}@example.fr"
            service.create_staff(schemas.StaffCreate(email=email, civility="Mme", first_name="Anne",
                                                     last_name="Meyer", role="admin", structures=[]),
                                 "bench", password="Tartine-Confiture-42")
            known.append(email)
        timings: dict[str, list[float]] = {"known": [], "unknown": []}
        requests: dict[str, set[tuple[str, ...]]] = {"known": set(), "unknown": set()}
        for index in range(RUNS):
            for kind, email in (("known", known[index]), ("unknown", f"inconnue{index}@example.fr")):
                with dynamodb_calls() as calls:
                    start = time.perf_counter()
                    response = http.open("/api/accounts/password/forgot", method="POST",
                                         data=json.dumps({"email": email}),
                                         headers={"Content-Type": "application/json"})
                    timings[kind].append((time.perf_counter() - start) * 1000)
                assert response.status_code == 202, response.data
                requests[kind].add(tuple(calls))
    print(f"POST /api/accounts/password/forgot, {RUNS} calls each, alternating (load average "
          f"{os.getloadavg()[0]:.1f})")
    for kind in ("known", "unknown"):
        q = statistics.quantiles(timings[kind], n=4)
        print(f"  {kind:8} DynamoDB {sorted(requests[kind])}  median {statistics.median(timings[kind]):.0f} ms "
              f"(quartiles {q[0]:.0f} / {q[2]:.0f} ms)")
    return 0 if requests["known"] == requests["unknown"] and len(requests["known"]) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
