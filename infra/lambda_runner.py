"""Run one Lambda handler from an unzipped artifact the way the Python runtime does, in a clean interpreter.

Standard library only: it is started as ``python -I -S infra/lambda_runner.py`` (no site-packages, no
PYTHONPATH, not even this repository), so the function sees only its ``deployment.zip`` (the task root)
and the runtime's own boto3, exactly what Lambda gives it. It reads a JSON request on stdin::

    {"task_root": "...", "runtime_path": ["..."], "handler": "app.relay_outbox",
     "function_name": "...", "memory": 128, "events": [{...}, ...]}

imports the handler's module (timed: the cold start's import), calls the handler once per event (a
warm container handles the next ones) and prints one JSON line (after ``MARK``): the import time, each
result or error, and the peak resident memory. With ``"serve": true`` it stays up and answers one
request per line: a warm container of the service (tests use one per service to stay fast).
``{"baseline": true, ...}`` instead imports a bare Chalice app with PynamoDB
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


MARK = "@@lambda-runner@@ "


def _invoke(handler: object, events: list[object], function_name: str, memory: int) -> list[dict[str, object]]:
    results: list[dict[str, object]] = []
    for event in events:
        context = Context(function_name, memory)
        try:
            results.append({"result": handler(event, context)})  # type: ignore[operator]
        except BaseException as exc:  # a raising handler is a result (the event source retries)
            results.append({"error": repr(exc), "traceback": "".join(traceback.format_exception(exc))})
    return results


def _import(request: dict[str, object]) -> tuple[object, dict[str, object]]:
    out: dict[str, object] = {}
    started = time.perf_counter()
    handler = None
    try:
        if request.get("baseline"):
            _baseline()
        else:
            module_name, function = str(request["handler"]).rsplit(".", 1)
            handler = getattr(importlib.import_module(module_name), function)
    except BaseException as exc:  # the test reports any import failure
        out["import_error"] = "".join(traceback.format_exception(exc))
    out["import_ms"] = round((time.perf_counter() - started) * 1000, 1)
    out["import_rss_mb"] = _peak()
    return handler, out


def _peak() -> float:
    """Peak resident memory in MiB: the kernel's VmHWM of this process (``ru_maxrss`` would carry the
    parent's peak across ``fork``/``exec``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    """One request on stdin (a cold container running one function), or, with ``"serve": true``, one
    request per line (a warm container of the service: ``handler`` and ``events`` each line)."""
    first = json.loads(sys.stdin.readline())
    sys.path[:0] = [first["task_root"], *first.get("runtime_path", [])]
    if not first.get("serve"):
        handler, out = _import(first)
        out["invocations"] = [] if handler is None else _invoke(
            handler, first.get("events", []), first.get("function_name", "function"), int(first.get("memory", 128)))
        out["max_rss_mb"] = _peak()
        sys.stdout.write("\n" + MARK + json.dumps(out, default=str) + "\n")
        return
    for line in sys.stdin:
        request = json.loads(line)
        handler, out = _import(request)
        out["invocations"] = [] if handler is None else _invoke(
            handler, request.get("events", []), request.get("function_name", "function"),
            int(request.get("memory", 128)))
        out["max_rss_mb"] = _peak()
        sys.stdout.write("\n" + MARK + json.dumps(out, default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
