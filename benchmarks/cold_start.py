"""Cold start and peak memory of every Lambda function, measured from its artifact (``make bench-artifacts``).

Each function runs from its unzipped ``deployment.zip`` in a fresh ``python -I -S`` (infra/lambda_runner.py):

- *import*: the median over ``RUNS`` cold imports of the function's handler (``app.py`` and everything it
  loads, the token secret read from Secrets Manager included);
- *baseline*: the median import of a bare Chalice app with PynamoDB and pydantic from the same zip;
- *peak*: the highest resident memory (VmHWM) of a cold container running the function's part of the
  artifact test's journey (tests/artifacts/scenario.py: signup, login, e-mails, consumers, schedules).

Python 3.11 builds (this machine's interpreter; the same wheels' choice as for 3.12). Prints a Markdown table.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from infra import artifacts
from shared.settings import SERVICES
from tests.artifacts import scenario as sc

RUNS = 3


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-artifacts-"))
    zips = artifacts.build_all(work / "build", python="3.11", compress=False, cache=True)
    server, world = sc.start(work / "lambda")
    try:
        sc.journey(world, zips, cold=True)
        peaks: dict[tuple[str, str], float] = {}
        for invocation in world.invocations:
            key = (invocation.service, invocation.logical_id)
            peaks[key] = max(peaks.get(key, 0.0), invocation.max_rss_mb)
        rows = []
        for service in SERVICES:
            artifact = zips[service]
            root = world.task_root(artifact)
            baseline = statistics.median(world.baseline(artifact)["import_ms"] for _ in range(RUNS))
            for logical_id, props in artifact.functions().items():
                env = world.env(artifact, logical_id)
                imports = [artifacts.invoke(root, world.runtime, props["Handler"], [], env)["import_ms"]
                           for _ in range(RUNS)]
                median = statistics.median(imports)
                rows.append((service, logical_id, median, baseline, median / baseline,
                             peaks.get((service, logical_id), 0.0), int(props.get("MemorySize", 128))))
    finally:
        world.close()
        server.stop()
    print("| service | function | import (ms) | bare Chalice + PynamoDB + pydantic (ms) | ratio | "
          "peak memory (MiB) | configured (MB) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for service, function, median, baseline, ratio, peak, memory in rows:
        print(f"| {service} | {function} | {median:.0f} | {baseline:.0f} | {ratio:.2f}× | {peak:.0f} | {memory} |")


if __name__ == "__main__":
    main()
