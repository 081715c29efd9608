"""Run one Lambda handler from an unzipped artifact the way the Python runtime does, in a clean interpreter.

Standard library only: it is started as ``python -I -S infra/lambda_runner.py`` (no site-packages, no
PYTHONPATH, not even this repository), so the function sees only its ``deployment.zip`` (the task root)
and the runtime's own boto3, exactly what Lambda gives it. It reads a JSON request on stdin::

    {"task_root": "...", "runtime_path": ["..."], "handler": "app.relay_outbox",
     "function_name": "...", "memory": 128, "events": [{...}, ...]}

imports the handler's module (timed: the cold start's import), calls the handler once per event (a
warm container handles the next ones) and prints one JSON line: the import time, each result or error,
and the peak resident memory. ``{"baseline": true, ...}`` instead imports a bare Chalice app with PynamoDB
and pydantic from the same task root: the reference the cold-start budget is measured against.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
import traceback
import uuid


class Context:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function_name: str, memory: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-3:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "2026/01/01/[$LATEST]artifact-test"
        self._deadline = time.monotonic() + 300

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def _baseline() -> None:
    chalice = importlib.import_module("chalice")
    importlib.import_module("pynamodb.models")
    importlib.import_module("pynamodb.attributes")
    pydantic = importlib.import_module("pydantic")
    chalice.Chalice(app_name="baseline")
    type("Baseline", (pydantic.BaseModel,), {"__annotations__": {"name": str}})


def main() -> None:
    request = json.loads(sys.stdin.read())
    sys.path[:0] = [request["task_root"], *request.get("runtime_path", [])]
    out: dict[str, object] = {"invocations": []}
    started = time.perf_counter()
    try:
        if request.get("baseline"):
            _baseline()
            handler = None
        else:
            module_name, function = request["handler"].rsplit(".", 1)
            handler = getattr(importlib.import_module(module_name), function)
    except BaseException as exc:  # the test reports any import failure
        out["import_error"] = "".join(traceback.format_exception(exc))
        handler = None
    out["import_ms"] = round((time.perf_counter() - started) * 1000, 1)
    out["import_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if handler is not None:
        for event in request.get("events", []):
            context = Context(request.get("function_name", "function"), int(request.get("memory", 128)))
            try:
                result = handler(event, context)
                out["invocations"].append({"result": result})  # type: ignore[union-attr]
            except BaseException as exc:  # a raising handler is a result (retries)
                out["invocations"].append({"error": repr(exc),  # type: ignore[union-attr]
                                           "traceback": "".join(traceback.format_exception(exc))})
    out["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    sys.stdout.write("\n" + json.dumps(out, default=str) + "\n")


if __name__ == "__main__":
    main()
