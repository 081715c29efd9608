"""Opening day on the local stack: hundreds of validated families submit the guide's year at once.

``python -m benchmarks.opening_day`` (``make bench``) starts the local stack exactly as ``make run`` does,
in its own process (``infra.local.run`` on free ports of 127.0.0.1, prefix ``portail-opening``), with its
clock moved to 28 November 2025 09:00 UTC (the time of year of issue 12, inside the booking window of
PERISCOLAIRE 2025 - 2026 - SCHWEIGHOUSE). Then, over HTTP only:

1. ``--families`` families (default 500) per level are validated for acem-schweighouse / periscolaire
   through the real event path (enrolment's ``FamilyValidated`` on the bus → planning's queue → its read
   model); their access tokens are signed with the stack's secret (accounts' sign-up is not what is
   measured here, and hashing 1,500 passwords would dominate the run).
2. Level 10: each family submits the guide's pattern (Monday MIDI and SOIR, Tuesday MIDI, Thursday MIDI,
   every week to the end of the year: ~92 lines) with 10 clients at once; every answer must be 201 with
   the preview's line count. The bench then waits until every recap e-mail is in the dev mailbox (the
   relay, the queues and SES have caught up) before the next step.
3. The placement committee over those 500 children: simulation job, then publication, each waited for.
4. Level 50 (new families), then one of its full-year requests decided by the manager (three runs).
5. Level 100 (new families).

``--levels 10`` runs only the given levels (the committee follows the first; decisions the second, or
the first without the committee); ``--no-committee`` skips the committee.

Measured: per level the answers' status, latency p50 / p90 / p99 / max, p99/p50, throughput, the time
the background took to send every recap e-mail; the stack process's RSS (``/proc/<pid>/status``, sampled
every 0.5 s) before and after each step; the machine's load average. Exit status 1 when a goal is missed
(an error, RSS ≥ 2 GiB, p99/p50 > 3), 2 when the scenario itself failed. Every wait is bounded; the stack
is stopped by its process id (SIGTERM, then SIGKILL after 30 s).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from benchmarks.planning_year import Failed, Http, free_port

HOST = "127.0.0.1"
PREFIX = "portail-opening"
ROOT = Path(__file__).resolve().parents[1]
OPENING_DAY = datetime(2025, 11, 28, 9, 0, tzinfo=UTC)
PERIOD_ID = "periscolaire-2025-2026-schweighouse"
STRUCTURE_ID = "acem-schweighouse"
ACTIVITY: Literal["periscolaire"] = "periscolaire"
GUIDE = [{"weekday": 0, "slot_code": "MIDI", "parity": "all"}, {"weekday": 0, "slot_code": "SOIR", "parity": "all"},
         {"weekday": 1, "slot_code": "MIDI", "parity": "all"}, {"weekday": 3, "slot_code": "MIDI", "parity": "all"}]
LEVELS = (10, 50, 100)
TOKEN_SECRET = "opening-day-bench-secret-0123456789-0123456789"
GIB = 1024 ** 3
START_SECONDS = 180
SETTLE_SECONDS = 1800  # every wait on the background is bounded
HTTP_TIMEOUT = 600
DECISIONS = 3


def wait_for(what: str, probe: Callable[[], Any], seconds: float = SETTLE_SECONDS, every: float = 0.5) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(every)
    raise Failed(f"gave up after {seconds:.0f} s waiting for {what}")


# --- the stack, in its own process --------------------------------------------------------------------------

def serve(at: str, port: int, moto_port: int) -> int:
    """The stack process: ``make run``'s stack with its clock moved to ``at``."""
    from shared import clock

    clock.travel(datetime.fromisoformat(at) - clock.now())
    from infra.local.run import main

    return main(["--port", str(port), "--moto-port", str(moto_port), "--prefix", PREFIX])


def stack_environment(port: int, moto_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAIL_", "AWS_"))}
    env.update({"PORTAIL_TOKEN_SECRET": TOKEN_SECRET, "PYTHONUNBUFFERED": "1"})
    return env


@dataclass
class Stack:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def rss(self) -> int:
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)


@contextlib.contextmanager
def running_stack() -> Iterator[Stack]:
    port, moto_port = free_port(), free_port()
    log = Path(tempfile.mkdtemp(prefix="opening-day-")) / "stack.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.opening_day", "--serve-at", OPENING_DAY.isoformat(),
             "--port", str(port), "--moto-port", str(moto_port)],
            cwd=ROOT, env=stack_environment(port, moto_port), stdout=out, stderr=subprocess.STDOUT)
    stack = Stack(process, f"http://{HOST}:{port}", log)
    try:
        http = Http(stack.base_url, timeout=HTTP_TIMEOUT)

        def up() -> bool:
            if process.poll() is not None:
                raise Failed(f"the stack exited:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                return http.call("GET", "/api/planning/health")[0] == 200
            return False

        wait_for("the local stack", up, START_SECONDS)
        # This process puts events on the stack's bus and signs tokens with the stack's secret and clock.
        os.environ.update({"AWS_ENDPOINT_URL": f"http://{HOST}:{moto_port}", "AWS_DEFAULT_REGION": "eu-west-3",
                           "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                           "PORTAIL_PREFIX": PREFIX, "PORTAIL_TOKEN_SECRET": TOKEN_SECRET})
        yield stack
    finally:
        stack.stop()


class RssSampler(threading.Thread):
    def __init__(self, stack: Stack) -> None:
        super().__init__(name="rss", daemon=True)
        self.stack, self.stopped = stack, threading.Event()
        self.samples: list[tuple[float, int]] = []

    def run(self) -> None:
        while not self.stopped.is_set():
            with contextlib.suppress(OSError, ValueError):
                self.samples.append((time.monotonic(), self.stack.rss()))
            self.stopped.wait(0.5)

    def peak_since(self, start: float) -> int:
        return max((rss for t, rss in self.samples if t >= start), default=0)


# --- families -----------------------------------------------------------------------------------------------

@dataclass
class Family:
    family_id: str
    email: str
    token: str = ""


def token(account_id: str, role: str, structures: tuple[str, ...] = ()) -> str:
    from shared.auth import Principal, Role, issue_token

    return issue_token(Principal(account_id, Role(role), f"bench-{uuid.uuid4().hex[:8]}", structures))[0]


def validated_families(http: Http, level: int, count: int) -> list[Family]:
    """``count`` families validated for the structure through planning's queue (FamilyValidated)."""
    from shared import aws, settings
    from shared.events.enrolment import FamilyValidated

    families = [Family(f"bench-{level}-{n:04d}-{uuid.uuid4().hex[:6]}", f"famille-{level}-{n:04d}@example.fr")
                for n in range(count)]
    events = aws.client("events")
    for start in range(0, count, 10):
        entries = []
        for family in families[start:start + 10]:
            family.token = token(family.family_id, "family")
            event = FamilyValidated(family_id=family.family_id, child_id="child-1", structure_id=STRUCTURE_ID,
                                    activity=ACTIVITY, email=family.email, first_name="Claire",
                                    child_first_name="Léa", structure_name="(cah)ACEM - SCHWEIGHOUSE")
            entries.append({"Source": event.source, "DetailType": "FamilyValidated", "Detail": event.detail_json(),
                            "EventBusName": settings.load().bus_name})
        sent = events.put_events(Entries=entries)
        if sent.get("FailedEntryCount"):
            raise Failed(f"PutEvents refused FamilyValidated: {sent}")

    def validated(family: Family) -> None:
        wait_for(f"planning's validation of {family.email}", lambda: any(
            v["structure_id"] == STRUCTURE_ID and v["status"] == "validated"
            for v in http.expect(200, "GET", "/api/planning/validations", token=family.token)["items"]))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(validated, families))
    return families


# --- measures -----------------------------------------------------------------------------------------------

@dataclass
class Level:
    clients: int
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    wrong_lines: int = 0
    elapsed: float = 0.0
    settle: float = 0.0
    rss_before: int = 0
    rss_peak: int = 0
    rss_after: int = 0
    load: float = 0.0
    created: list[tuple[Family, dict[str, Any]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def mail_count(http: Http) -> int:
    """E-mails sent so far (the dev mailbox's count: parsing 1,500 recaps at each poll would load the stack)."""
    return int(http.expect(200, "GET", "/dev/mail/count")["count"])


def opening(http: Http, sampler: RssSampler, stack: Stack, families: list[Family], clients: int,
            expected_lines: int) -> Level:
    level = Level(clients, rss_before=stack.rss())
    lock = threading.Lock()
    mails_before = mail_count(http)
    body = {"child_id": "child-1", "period_id": PERIOD_ID, "selection": GUIDE}

    def submit(family: Family) -> None:
        start = time.perf_counter()
        try:
            status, payload = http.call("POST", "/api/planning/requests", body, family.token)
        except OSError as exc:
            status, payload = 0, str(exc)
        took = time.perf_counter() - start
        with lock:
            level.statuses[status] += 1
            level.latencies.append(took)
            if status == 201:
                level.created.append((family, payload))
                if payload["line_count"] != expected_lines:
                    level.wrong_lines += 1
            elif len(level.errors) < 5:
                level.errors.append(f"{status}: {str(payload)[:300]}")

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(submit, families))
    level.elapsed = time.monotonic() - started
    level.rss_peak = sampler.peak_since(started)
    level.load = os.getloadavg()[0]
    created = level.statuses[201]
    wait_for("every recap e-mail", lambda: mail_count(http) >= mails_before + created, every=2.0)
    level.settle = time.monotonic() - started - level.elapsed
    level.rss_after = stack.rss()
    level.rss_peak = max(level.rss_peak, sampler.peak_since(started))
    return level


@dataclass
class Timed:
    label: str
    seconds: float
    detail: str
    rss_peak: int = 0


def committee(http: Http, sampler: RssSampler) -> list[Timed]:
    admin = token("bench-admin", "admin")
    started = time.monotonic()
    job = http.expect(202, "POST", f"/api/planning/staff/committee/{PERIOD_ID}/jobs",
                      {"keep_siblings_together": True}, admin)
    jobs = f"/api/planning/staff/committee/{PERIOD_ID}/jobs"
    path = f"{jobs}/{job['job_id']}"

    def status_in(*wanted: str) -> Any:
        # The jobs' list, not the job's own route: that one also answers a page of 500 ranked rows, and
        # reading it every few seconds was most of the stack's work while it published (the bench measured
        # itself). A staff member's screen reads the rows once.
        view = next(j for j in http.expect(200, "GET", jobs, token=admin)["items"] if j["job_id"] == job["job_id"])
        if view["status"] == "failed":
            raise Failed(f"the committee job failed: {view}")
        return view if view["status"] in wanted else None

    simulated = wait_for("the committee's simulation", lambda: status_in("simulated"), every=5.0)
    simulation = Timed("committee simulation", time.monotonic() - started,
                       f"summary {json.dumps(simulated.get('summary'), ensure_ascii=False)[:300]}",
                       sampler.peak_since(started))
    started = time.monotonic()
    http.expect(202, "POST", f"{path}/publish", {}, admin)
    http.expect(200, "GET", path, token=admin)  # the ranking, read once as the committee's screen does
    published = wait_for("the committee's publication", lambda: status_in("published"), every=5.0)
    publication = Timed("committee publication", time.monotonic() - started,
                        f"{published['published_rows']} rows published", sampler.peak_since(started))
    return [simulation, publication]


def decide(http: Http, sampler: RssSampler, created: list[tuple[Family, dict[str, Any]]]) -> list[Timed]:
    manager = token("bench-manager", "manager", (STRUCTURE_ID,))
    elements = [{"weekday": e["weekday"], "slot_code": e["slot_code"], "decision": "accepted"} for e in GUIDE]
    out = []
    for family, request in created[:DECISIONS]:
        started = time.monotonic()
        path = f"/api/planning/staff/requests/{family.family_id}/{request['request_id']}/decide"
        payload = http.expect(200, "POST", path, {"elements": elements}, manager)
        lines = Counter(ln["status"] for ln in payload.get("lines", []))
        out.append(Timed(f"decide request {request['number']}", time.monotonic() - started,
                         f"{request['line_count']} lines → {dict(lines) or payload.get('status')}",
                         sampler.peak_since(started)))
    return out


# --- report -------------------------------------------------------------------------------------------------

def commit() -> str:
    """The commit measured (with ``+changes`` when the work tree differs from it)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head or 'unknown'}{'+changes' if dirty else ''}"


def mib(value: int) -> str:
    return f"{value / 1024 ** 2:,.0f} MiB"


def report(levels: list[Level], timed: list[Timed], expected_lines: int, families: int, rss_idle: int,
           samples: list[tuple[float, int]], measured: str) -> tuple[str, bool]:
    ok = True
    out = [f"Opening day: {families} families per level submit the guide's pattern on {PERIOD_ID} "
           f"({expected_lines} lines each), local stack in its own process",
           f"  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {measured}, {os.cpu_count()} cores, "
           f"Python {platform.python_version()}, "
           f"load average at the start of each level / at the end: "
           f"{', '.join(f'{lv.load:.1f}' for lv in levels)} / {os.getloadavg()[0]:.1f}",
           f"  stack RSS idle after start-up {mib(rss_idle)}, peak of the whole run "
           f"{mib(max((r for _, r in samples), default=0))}", "",
           "clients  answers        p50      p90      p99      max   p99/p50  req/s   recaps sent after   "
           "RSS before → peak → after"]
    for lv in levels:
        answers = ", ".join(f"{n}×{s}" for s, n in sorted(lv.statuses.items()))
        ratio = lv.pct(0.99) / lv.pct(0.5)
        errors = sum(n for s, n in lv.statuses.items() if s != 201) + lv.wrong_lines
        ok &= errors == 0 and lv.rss_peak < 2 * GIB and ratio <= 3
        out.append(f"{lv.clients:>7}  {answers:<12} {lv.pct(0.5):6.2f} s {lv.pct(0.9):6.2f} s {lv.pct(0.99):6.2f} s "
                   f"{max(lv.latencies):6.2f} s {ratio:7.2f} {len(lv.latencies) / lv.elapsed:6.2f}   "
                   f"+{lv.settle:5.0f} s            {mib(lv.rss_before)} → {mib(lv.rss_peak)} → {mib(lv.rss_after)}")
        out += [f"         error: {e}" for e in lv.errors]
        if lv.wrong_lines:
            out.append(f"         {lv.wrong_lines} requests with another line count than the preview")
    out += ["", *(f"{t.label:<28} {t.seconds:8.1f} s   {t.detail}   (RSS peak {mib(t.rss_peak)})" for t in timed)]
    out += ["", f"Goals (0 errors, RSS < 2 GiB, p99/p50 ≤ 3 at every level): {'met' if ok else 'MISSED'}"]
    return "\n".join(out), ok


# --- main ---------------------------------------------------------------------------------------------------

def run(families: int, with_committee: bool = True, clients_of: tuple[int, ...] = LEVELS) -> int:
    say = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731
    from shared import clock

    clock.travel(OPENING_DAY - clock.now())  # tokens signed here carry the stack's clock
    measured = commit()  # the code the stack runs: read before a long run, while nothing has changed
    try:
        with running_stack() as stack:
            say(f"Stack up at {stack.base_url} (pid {stack.process.pid}, log {stack.log})")
            sampler = RssSampler(stack)
            sampler.start()
            rss_idle = stack.rss()
            http = Http(stack.base_url, timeout=HTTP_TIMEOUT)
            probe = validated_families(http, 0, 1)[0]
            preview = http.expect(200, "POST", "/api/planning/requests/preview",
                                  {"child_id": "child-1", "period_id": PERIOD_ID, "selection": GUIDE}, probe.token)
            expected_lines = len(preview["lines"])
            levels: list[Level] = []
            timed: list[Timed] = []
            for clients in clients_of:
                say(f"Validating {families} families for level {clients}…")
                batch = validated_families(http, clients, families)
                say(f"Level {clients}: {families} submissions with {clients} clients…")
                levels.append(opening(http, sampler, stack, batch, clients, expected_lines))
                say(f"  {dict(levels[-1].statuses)} in {levels[-1].elapsed:.0f} s, settled +{levels[-1].settle:.0f} s")
                if clients == clients_of[0] and with_committee:
                    say("Committee over the first level's children…")
                    timed += committee(http, sampler)
                elif clients == clients_of[min(1, len(clients_of) - 1)]:
                    say("Deciding full-year requests…")
                    timed += decide(http, sampler, levels[-1].created)
            sampler.stopped.set()
            table, ok = report(levels, timed, expected_lines, families, rss_idle, sampler.samples, measured)
            print(table, flush=True)
            return 0 if ok else 1
    except Failed as failure:
        say(f"Benchmark failed: {failure}")
        return 2
    finally:
        clock.reset()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=500, help="families per level (1 to 2000, default 500)")
    parser.add_argument("--no-committee", action="store_true",
                        help="skip the committee over the first level (it is long on the local stack)")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)),
                        help="concurrent clients of each level, in order (default 10,50,100)")
    parser.add_argument("--serve-at", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--moto-port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_at:
        return serve(args.serve_at, args.port, args.moto_port)
    if not 1 <= args.families <= 2000:
        parser.error("--families must be between 1 and 2000")
    try:
        levels = tuple(int(n) for n in args.levels.split(","))
    except ValueError:
        parser.error("--levels: numbers separated by commas, e.g. 10,50,100")
    if not levels or not all(1 <= n <= 500 for n in levels):
        parser.error("--levels: each between 1 and 500")
    return run(args.families, with_committee=not args.no_committee, clients_of=levels)


if __name__ == "__main__":
    sys.exit(main())
