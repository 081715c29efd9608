"""A school year of reservations on the local stack: DynamoDB requests and wall time.

``python -m benchmarks.planning_year`` (``make bench``) starts the whole local stack in this process
(moto's server and the gateway on free ports of 127.0.0.1, the relay and the pumps in threads, the demo
catalogue), gets families validated for acem-schweighouse / periscolaire through the real event path,
moves the shared clock into the 2024 booking window, then measures through HTTP:

- ``POST /api/planning/requests`` for PERISCOLAIRE 2024 - 2025 - SCHWEIGHOUSE with Monday, Tuesday,
  Thursday and Friday × MIDI and SOIR over the school year: lines, BatchWriteItem calls against the
  minimum ceil(lines / 25), every DynamoDB request by operation, and the wall time (median);
- ``GET /api/planning/agenda?month=2024-09``: its DynamoDB requests by operation and what each reads;
- ``POST /api/planning/requests/{id}/lines`` adding MATIN on the same weekdays to that year (the guide's
  « later add slots »): the same counts, because the overlap check reads the child's lines of the year.

It prints a table and writes nothing else. Exit status 1 when a request used more than
ceil(lines / 25) + 1 BatchWriteItem calls (a guard on the request count, never on time); 2 when the
scenario itself failed.

Counting DynamoDB requests: ``botocore.endpoint.Endpoint.make_request`` is wrapped once, on the class,
before any client exists. Every botocore client of the process goes through an ``Endpoint`` (boto3's and
PynamoDB's, which builds its own botocore session, so a per-session ``before-call`` handler would miss
clients created elsewhere), and ``make_request`` runs once per API call (botocore's retries happen inside
it; PynamoDB's resends of unprocessed items are new calls, so they count). The relay and the queue pumps
query DynamoDB in their own threads all the time, so a request is attributed to the measured call only
when it is made by a thread serving a gateway request: the gateway's WSGI app is wrapped to mark its
threads, and this benchmark is the only HTTP client. The rest is shown as background, not counted.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import math
import os
import platform
import re
import socket
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

HOST = "127.0.0.1"
PREFIX = "portail-bench"
PERIOD_ID = "periscolaire-2024-2025-schweighouse"
STRUCTURE_ID, ACTIVITY = "acem-schweighouse", "periscolaire"
WEEKDAYS = {0: "Mon", 1: "Tue", 3: "Thu", 4: "Fri"}
SLOTS = ("MIDI", "SOIR")
SELECTION = [{"weekday": d, "slot_code": s, "parity": "all"} for d in WEEKDAYS for s in SLOTS]
ADDED = [{"weekday": d, "slot_code": "MATIN", "parity": "all"} for d in WEEKDAYS]  # « later add slots »
ADD_RUNS = 1  # one run: its request count is the point, and it takes tens of seconds (see the README)
BOOKING_MOMENT = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)  # inside the 2024 pre-enrolment window
MONTH = "2024-09"
BATCH_WRITE_MAX = 25  # DynamoDB's BatchWriteItem limit
PASSWORD = "Tartine-Confiture-42"
WAIT_SECONDS = 60  # every wait on the background (e-mails, events) is bounded
MAX_REPEAT = 20
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Failed(Exception):
    """The scenario did not run as expected (not a measurement)."""


# --- counting DynamoDB requests ----------------------------------------------------------------------------

def describe(operation: str, body: Any) -> str:
    """A short, id-free description of one DynamoDB request: what it reads or writes."""
    try:
        data = json.loads(body or b"{}")
    except (TypeError, ValueError):
        return operation
    if operation in ("Query", "Scan"):
        values = [v.get("S", v.get("N", "?")) for v in (data.get("ExpressionAttributeValues") or {}).values()]
        where = f"{data['IndexName']} " if data.get("IndexName") else ""
        expression = data.get("KeyConditionExpression") or ""
        if "begins_with" in expression and len(values) == 2:
            keys = f"pk={values[0]}, sk begins {values[1]}"
        elif len(values) == 1:
            keys = f"pk={values[0]}"
        else:
            keys = ", ".join(values)
        text = f"{operation} {where}{keys}"
    elif operation == "BatchWriteItem":
        text = f"{operation} {sum(len(v) for v in data.get('RequestItems', {}).values())} items"
    elif operation == "TransactWriteItems":
        text = f"{operation} {len(data.get('TransactItems', []))} items"
    elif "Key" in data:
        text = f"{operation} pk={data['Key'].get('pk', {}).get('S', '?')}, sk={data['Key'].get('sk', {}).get('S', '?')}"
    else:
        text = operation
    return UUID.sub("<id>", text)


class DynamoRequests:
    """Every DynamoDB API call of the process, split between the gateway's request threads and the rest."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scope = threading.local()
        self.served: list[tuple[str, str]] = []  # (operation, description), made while serving HTTP
        self.background: Counter[str] = Counter()  # relay, pumps, setup

    def install(self) -> None:
        from botocore.endpoint import Endpoint

        original = Endpoint.make_request
        counter = self

        @functools.wraps(original)
        def make_request(endpoint: Any, operation_model: Any, request_dict: dict[str, Any]) -> Any:
            if operation_model.service_model.service_name == "dynamodb":
                counter.record(operation_model.name, request_dict.get("body"))
            return original(endpoint, operation_model, request_dict)

        Endpoint.make_request = make_request  # type: ignore[method-assign]

    def record(self, operation: str, body: Any) -> None:
        with self._lock:
            if getattr(self._scope, "serving", False):
                self.served.append((operation, describe(operation, body)))
            else:
                self.background[operation] += 1

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        self._scope.serving = True
        try:
            yield
        finally:
            self._scope.serving = False

    def wrap(self, app: Callable[..., Any]) -> Callable[..., Any]:
        """The gateway's WSGI app, marking the thread that serves each request."""

        def tagged(environ: dict[str, Any], start_response: Any) -> Any:
            with self.serving():
                return app(environ, start_response)

        return tagged

    def reset(self) -> None:
        with self._lock:
            self.served, self.background = [], Counter()

    def snapshot(self) -> tuple[list[tuple[str, str]], Counter[str]]:
        with self._lock:
            return list(self.served), Counter(self.background)


# --- HTTP to the local gateway ---------------------------------------------------------------------------

class Http:
    """JSON over HTTP to a local stack (the opening-day bench uses it too, with a longer timeout)."""

    def __init__(self, base_url: str, timeout: float = 120) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1, never a proxy

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:  # not JSON (a proxy's or a crashed stack's page): shown as it came
            return status, raw[:200]

    def expect(self, status: int, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        got, payload = self.call(method, path, body, token)
        if got != status:
            raise Failed(f"{method} {path}: {got} instead of {status}: {payload}")
        return payload


def wait_for(what: str, probe: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    raise Failed(f"gave up after {WAIT_SECONDS} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# --- the scenario ----------------------------------------------------------------------------------------

@dataclass
class Family:
    email: str
    family_id: str = ""
    token: str = ""


def signup_body(email: str) -> dict[str, Any]:
    return {"civility": "Mme", "last_name": "Muller", "first_name": "Claire", "email": email,
            "phone": "06 12 34 56 78",
            "address": {"line1": "3 rue des Tilleuls", "line2": "", "postal_code": "67590",
                        "city": "Schweighouse-sur-Moder"},
            "password": PASSWORD, "accept_terms": True}


def confirmed_family(http: Http, email: str) -> Family:
    """Sign up, confirm by the e-mailed link (dev mailbox) and log in, all through HTTP."""
    http.expect(201, "POST", "/api/accounts/signup", signup_body(email))

    def confirmation() -> str | None:
        for mail in reversed(http.expect(200, "GET", "/dev/mail.json")):
            match = re.search(r"https?://\S+/confirmer-email\?token=([^\s&]+)", mail["text"])
            if mail["to"] == email and match:
                return match.group(1)
        return None

    http.expect(200, "POST", "/api/accounts/verify", {"token": wait_for(f"the confirmation of {email}", confirmation)})
    return login(http, Family(email))


def login(http: Http, family: Family) -> Family:
    logged = http.expect(200, "POST", "/api/accounts/login", {"email": family.email, "password": PASSWORD})
    family.token, family.family_id = logged["access_token"], logged["account"]["account_id"]
    return family


def validate(http: Http, families: list[Family]) -> None:
    """Enrolment's FamilyValidated on the bus, as tests/planning/support.py does; planning's pump records it."""
    from shared import aws, settings
    from shared.events.enrolment import FamilyValidated

    events = aws.client("events")
    for family in families:
        event = FamilyValidated(family_id=family.family_id, child_id="child-1", structure_id=STRUCTURE_ID,
                                activity=ACTIVITY, email=family.email, first_name="Claire",
                                child_first_name="Léa", structure_name="(cah)ACEM - SCHWEIGHOUSE")
        sent = events.put_events(Entries=[{"Source": event.source, "DetailType": "FamilyValidated",
                                           "Detail": event.detail_json(),
                                           "EventBusName": settings.load().bus_name}])
        if sent.get("FailedEntryCount"):
            raise Failed(f"PutEvents refused FamilyValidated: {sent}")
    for family in families:
        wait_for(f"planning's validation of {family.email}", lambda f=family: any(
            v["structure_id"] == STRUCTURE_ID and v["activity"] == ACTIVITY and v["status"] == "validated"
            for v in http.expect(200, "GET", "/api/planning/validations", token=f.token)["items"]))


@dataclass
class Measure:
    elapsed: float
    payload: Any
    requests: list[tuple[str, str]]
    background: Counter[str] = field(default_factory=Counter)

    @property
    def operations(self) -> Counter[str]:
        return Counter(op for op, _ in self.requests)


def measured(http: Http, counter: DynamoRequests, status: int, method: str, path: str, body: Any,
             token: str) -> Measure:
    counter.reset()
    start = time.perf_counter()
    got, payload = http.call(method, path, body, token)
    elapsed = time.perf_counter() - start
    requests, background = counter.snapshot()
    if got != status:
        raise Failed(f"{method} {path}: {got} instead of {status}: {payload}")
    return Measure(elapsed, payload, requests, background)


# --- report ----------------------------------------------------------------------------------------------

def ops_text(ops: Counter[str]) -> str:
    return ", ".join(f"{op} {n}" for op, n in sorted(ops.items())) or "none"


def breakdown(requests: list[tuple[str, str]]) -> list[str]:
    """What the requests read or wrote, grouped (months folded, with how many distinct)."""
    groups: dict[str, list[str]] = {}
    for _, text in requests:
        key = re.sub(r"MONTH#\d{4}-\d{2}", "MONTH#<month>", text)
        key = re.sub(r"^BatchWriteItem \d+ items$", "BatchWriteItem (≤ 25 items each)", key)
        groups.setdefault(key, []).append(text)
    rows = []
    for key, texts in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        distinct = len(set(texts))
        extra = f" ({distinct} distinct)" if "<month>" in key and distinct != len(texts) else ""
        rows.append(f"{len(texts):>5} × {key}{extra}")
    return rows


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def timing(values: list[float]) -> str:
    if len(values) == 1:
        return f"{ms(values[0])} (one run)"
    return f"{ms(statistics.median(values))} median of {len(values)} (min {ms(min(values))}, max {ms(max(values))})"


def report(preview: Measure, posts: list[Measure], agendas: list[Measure], adds: list[Measure]
           ) -> tuple[str, bool]:
    lines = posts[0].payload["line_count"]
    minimum = math.ceil(lines / BATCH_WRITE_MAX)
    batches = [m.operations["BatchWriteItem"] for m in posts]
    agenda_lines = len(agendas[0].payload["lines"])
    agenda_ops = agendas[0].operations
    line_queries = sum(1 for _, text in agendas[0].requests
                       if text.startswith("Query") and f"MONTH#{MONTH}" in text)
    steady = all(m.operations == posts[0].operations for m in posts)
    out = [
        f"Planning benchmark: {PERIOD_ID}, {'/'.join(WEEKDAYS.values())} × {'/'.join(SLOTS)}, local stack",
        f"  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, load average {os.getloadavg()[0]:.1f} at the end",
        "",
        "POST /api/planning/requests (the school year, one new family each run)",
        f"  lines written                {lines}",
        f"  BatchWriteItem               {', '.join(map(str, sorted(set(batches))))}"
        f"   minimum ceil({lines} / {BATCH_WRITE_MAX}) = {minimum}",
        f"  DynamoDB requests            {len(posts[0].requests)}   {ops_text(posts[0].operations)}"
        + ("" if steady else "   (varied between runs!)"),
        *(f"    {row}" for row in breakdown(posts[0].requests)),
        f"  wall time                    {timing([m.elapsed for m in posts])}",
        f"    runs in order              {', '.join(ms(m.elapsed) for m in posts)}",
        f"  not counted (relay, pumps)   {sum(posts[0].background.values())} in the first run: "
        f"{ops_text(posts[0].background)}",
        "",
        "POST /api/planning/requests/preview (same body, warm-up, for comparison)",
        f"  DynamoDB requests            {len(preview.requests)}   {ops_text(preview.operations)}",
        f"  wall time                    {ms(preview.elapsed)} (one run, the first plan of the process)",
        "",
        f"GET /api/planning/agenda?month={MONTH} (the first family: one request, one child)",
        f"  lines returned               {agenda_lines}",
        f"  DynamoDB requests            {len(agendas[0].requests)}   {ops_text(agenda_ops)}",
        *(f"    {row}" for row in breakdown(agendas[0].requests)),
        f"  lines read in one Query      {'yes' if line_queries == 1 else 'no'}; "
        f"whole route one Query: {'yes' if len(agendas[0].requests) == 1 else 'no'}",
        f"  wall time                    {timing([m.elapsed for m in agendas])}",
    ]
    added = adds[0].payload["line_count"] - lines
    add_minimum = math.ceil(added / BATCH_WRITE_MAX)
    add_batches = [m.operations["BatchWriteItem"] for m in adds]
    out += [
        "",
        f"POST /api/planning/requests/{{id}}/lines (add {'/'.join(WEEKDAYS.values())} × MATIN to that year)",
        f"  lines added                  {added} (the request already holds {lines})",
        f"  BatchWriteItem               {', '.join(map(str, sorted(set(add_batches))))}"
        f"   minimum ceil({added} / {BATCH_WRITE_MAX}) = {add_minimum}",
        f"  DynamoDB requests            {len(adds[0].requests)}   {ops_text(adds[0].operations)}",
        *(f"    {row}" for row in breakdown(adds[0].requests)),
        f"  wall time                    {timing([m.elapsed for m in adds])}",
    ]
    guard = max(batches) <= minimum + 1 and max(add_batches) <= add_minimum + 1
    out += ["", f"Guard: BatchWriteItem ≤ ceil(lines / 25) + 1 ({minimum + 1} for the year, "
                f"{add_minimum + 1} for the addition): {'ok' if guard else 'FAILED'}"]
    return "\n".join(out), guard


# --- main ------------------------------------------------------------------------------------------------

def run(repeat: int) -> int:
    counter = DynamoRequests()
    counter.install()  # before any client exists (the class is patched, so it would also catch later ones)

    from infra.local.run import LocalStack
    from shared import clock

    stack = LocalStack(free_port(), free_port(), prefix=PREFIX)
    say = functools.partial(print, file=sys.stderr, flush=True)
    say(f"Starting the local stack on {HOST} (gateway :{stack.http_port}, moto :{stack.moto_port})…")
    try:
        stack.start()
        stack.server.app = counter.wrap(stack.server.app)
        http = Http(f"http://{HOST}:{stack.http_port}")
        wait_for("the gateway", lambda: http.call("GET", "/api/planning/health")[0] == 200)

        say(f"Signing up {repeat} families and validating them for {STRUCTURE_ID} / {ACTIVITY}…")
        families = [confirmed_family(http, f"bench-{i:02d}@example.fr") for i in range(repeat)]
        validate(http, families)

        clock.reset()
        clock.travel(BOOKING_MOMENT - clock.now())
        for family in families:
            login(http, family)  # a token of the 2024 clock

        body = {"child_id": "child-1", "period_id": PERIOD_ID, "selection": SELECTION}
        say("Measuring…")
        preview = measured(http, counter, 200, "POST", "/api/planning/requests/preview", body, families[0].token)
        expected_lines = len(preview.payload["lines"])
        september = sum(1 for ln in preview.payload["lines"] if ln["date"].startswith(MONTH))
        posts = []
        for family in families:
            post = measured(http, counter, 201, "POST", "/api/planning/requests", body, family.token)
            if post.payload["line_count"] != expected_lines:
                raise Failed(f"{post.payload['line_count']} lines written, the preview showed {expected_lines}")
            posts.append(post)
            # Let the recap e-mail go out before the next run, so runs do not overlap the background work.
            number = post.payload["number"]
            wait_for(f"the recap e-mail of request {number}", lambda f=family, n=number: any(
                m["to"] == f.email and n in m["subject"] for m in http.expect(200, "GET", "/dev/mail.json")))

        agendas = [measured(http, counter, 200, "GET", f"/api/planning/agenda?month={MONTH}", None,
                            families[0].token) for _ in range(repeat)]
        if len(agendas[0].payload["lines"]) != september:
            raise Failed(f"the agenda shows {len(agendas[0].payload['lines'])} lines, expected {september}")

        adds = []
        for family, post in list(zip(families, posts, strict=True))[:ADD_RUNS]:
            path = f"/api/planning/requests/{post.payload['request_id']}/lines"
            add = measured(http, counter, 200, "POST", path, {"selection": ADDED}, family.token)
            adds.append(add)
            number = post.payload["number"]
            wait_for(f"the e-mail of the addition to {number}", lambda f=family, n=number: any(
                m["to"] == f.email and n in m["subject"] and m["subject"].startswith("Ajout")
                for m in http.expect(200, "GET", "/dev/mail.json")))

        table, guard = report(preview, posts, agendas, adds)
        print(table, flush=True)
        return 0 if guard else 1
    except Failed as failure:
        say(f"Benchmark failed: {failure}")
        return 2
    finally:
        clock.reset()
        for thread in stack.threads:
            if hasattr(thread, "stop"):
                thread.stop()
        for thread in stack.threads:
            if hasattr(thread, "stop"):
                thread.join(timeout=10)  # a pump may be in a 2 s long poll: let it finish before moto stops
        if hasattr(stack, "server"):
            stack.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5,
                        help=f"runs of each measured call (one family per run; 1 to {MAX_REPEAT}, default 5)")
    args = parser.parse_args(argv)
    if not 1 <= args.repeat <= MAX_REPEAT:
        parser.error(f"--repeat must be between 1 and {MAX_REPEAT}")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("werkzeug", "moto"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    return run(args.repeat)


if __name__ == "__main__":
    sys.exit(main())
