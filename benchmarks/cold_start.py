"""Cold start and peak memory of every Lambda function, measured from its artifact (``make bench-artifacts``).

Each function runs from its unzipped ``deployment.zip`` in a fresh ``python -I -S`` (infra/lambda_runner.py):

- *import*: the median CPU time over ``RUNS`` cold imports of the function's handler (``app.py`` and
  everything it loads, the token secret read from Secrets Manager included). CPU time rather than wall
  time: the machine is shared, and waiting for a core is not what the import costs;
- *baseline*: the median CPU time of importing a bare Chalice app with PynamoDB and pydantic from the
  same zip, measured alternately with the function's imports (so both see the same machine);
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

RUNS = 5


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
            for logical_id, props in artifact.functions().items():
                env = world.env(artifact, logical_id)
                imports, baselines = [], []
                for _ in range(RUNS):
                    baselines.append(world.baseline(artifact)["import_cpu_ms"])
                    imports.append(artifacts.invoke(root, world.runtime, props["Handler"], [], env)["import_cpu_ms"])
                median, baseline = statistics.median(imports), statistics.median(baselines)
                rows.append((service, logical_id, median, baseline, median / baseline,
                             peaks.get((service, logical_id), 0.0), int(props.get("MemorySize", 128))))
    finally:
        world.close()
        server.stop()
    print("| service | function | import, CPU (ms) | bare Chalice + PynamoDB + pydantic, CPU (ms) | ratio | "
          "peak memory (MiB) | configured (MB) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for service, function, median, baseline, ratio, peak, memory in rows:
        print(f"| {service} | {function} | {median:.0f} | {baseline:.0f} | {ratio:.2f}× | {peak:.0f} | {memory} |")


if __name__ == "__main__":
    main()
