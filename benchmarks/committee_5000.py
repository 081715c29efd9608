"""The placement committee's allocation for 5,000 children × 8 pattern elements over a school year (issue #5).

``python -m benchmarks.committee_5000`` (in ``make bench``) builds the committee's inputs in memory, the
way ``planning.jobs.gather`` hands them over, then measures the pure functions of
``planning.committee`` — no DynamoDB, no local stack:

- ``committee.allocate`` with ``keep_siblings_together`` False, then True;
- the simulation rows as ``planning.jobs.simulate`` builds them (one JSON document per child, and the
  job's summary), without writing them.

The inputs are deterministic (``random.Random(seed)``): about 3,000 families (some with 2 or 3 children,
who mostly ask the same pattern), priority facts drawn at realistic rates, requests spread over a
6-week pre-enrolment window (more at its opening), and 8 pattern elements per child (weekday × slot ×
parity: Monday, Tuesday, Thursday and Friday × MATIN / MIDI / SOIR, Wednesday × JOURNEE / MATIN /
APRESMIDI, some every other ISO week). Each element carries its real dates over the 2026-2027 school year,
from the project's own calendar (``planning.pattern.expand`` with ``Calendar("67", "B")``: Bas-Rhin,
school zone B, Alsace's public holidays). The places left per (date, slot) are sized from the demand of
that cell (a coverage ratio per slot, and a few places already taken on some dates), so every slot is
contested and part of the elements goes to the waiting list whatever ``--children`` is.

Time is ``time.perf_counter`` without tracing (best and median of ``--repeat`` runs); memory is
``tracemalloc``'s peak during one separate traced run (Python allocations made by the call, above what
existed before it). Building the inputs is not counted (shown for context). It prints a Markdown table and
the invariants it checks (no cell over capacity, an outcome for every element, siblings kept together
share their outcomes); exit status 1 when an invariant fails. Nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import resource
import statistics
import sys
import time
import tracemalloc
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [p for p in (str(ROOT), str(ROOT / "services" / "planning")) if p not in sys.path]

from planning import committee  # noqa: E402
from planning.calendar import FRIDAY, MONDAY, THURSDAY, TUESDAY, WEDNESDAY, Calendar, Period  # noqa: E402
from planning.pattern import PatternElement, expand  # noqa: E402

T = TypeVar("T")
ElementKey = tuple[int, str, str]

DEFAULT_CHILDREN = 5000
ELEMENTS_PER_CHILD = 8
SEED = 5
MAX_CHILDREN = 50_000  # keeps a run bounded (5,000 takes seconds)
MAX_REPEAT = 10
BATCH_WRITE_MAX = 25  # DynamoDB's BatchWriteItem limit

# The 2026-2027 school year of a Bas-Rhin structure (zone B, Alsace-Moselle public holidays), every weekday
# it has children: periscolaire on school days, the Wednesday reception on Wednesdays out of the holidays.
CALENDAR = Calendar("67", "B")
PERIOD = Period(date(2026, 9, 1), date(2027, 7, 2), frozenset(range(5)), "school_days",
                "PERISCOLAIRE + MERCREDI 2026 - 2027 (benchmark)")
SCHOOL_DAYS = (MONDAY, TUESDAY, THURSDAY, FRIDAY)
SLOTS = {**{d: ("MATIN", "MIDI", "SOIR") for d in SCHOOL_DAYS}, WEDNESDAY: ("JOURNEE", "MATIN", "APRESMIDI")}
LABELS = {"MATIN": "PERISCOLAIRE MATIN", "MIDI": "PERISCOLAIRE MIDI", "SOIR": "PERISCOLAIRE SOIR",
          "JOURNEE": "MERCREDI JOURNEE", "APRESMIDI": "MERCREDI APRES-MIDI"}
# Places per (date, slot) as a share of that cell's demand: lunch and evening are the contested ones.
COVERAGE = {"MATIN": 0.95, "MIDI": 0.8, "SOIR": 0.7, "JOURNEE": 0.75, "APRESMIDI": 0.9}
ALREADY_TAKEN = (0.25, 0.10)  # on a quarter of the cells, up to 10 % of the places already taken before
PRE_ENROLMENT = (datetime(2026, 5, 4, 7, 0, tzinfo=UTC), timedelta(weeks=6))
CHILDREN_PER_FAMILY = ((1, 0.45), (2, 0.40), (3, 0.15))  # about 1.7 children a family: ~2,950 for 5,000
FAMILY_FACTS = {"resident": 0.85, "both_parents_working": 0.65, "sibling_enrolled": 0.20}
CHILD_FACTS = {"staff_flag": 0.03}
SIBLING_SAME_PATTERN = 0.7  # otherwise 1 to 3 of the elements differ
ALTERNATE_PARITY = 0.08  # an element asked every other week only (shared custody…)
FIRST_NAMES = ("Léa", "Lucas", "Emma", "Louis", "Jade", "Gabriel", "Chloé", "Hugo", "Inès", "Arthur", "Lina", "Jules")


# --- inputs ----------------------------------------------------------------------------------------------

@dataclass
class Inputs:
    candidates: list[committee.Candidate]
    remaining: dict[tuple[str, str], int]  # (ISO date, slot code) -> places left before the committee
    first_names: dict[str, str]  # child_id -> first name (the job reads them from the validations)
    families: int


def _profile(rng: random.Random) -> list[tuple[int, str]]:
    """One child's 8 (weekday, slot) picks, drawn from the patterns families actually send."""
    pick = rng.random()
    if pick < 0.50:  # lunch and evening, the four school days: the most common year
        chosen = [(d, s) for d in SCHOOL_DAYS for s in ("MIDI", "SOIR")]
    elif pick < 0.70:  # morning and lunch
        chosen = [(d, s) for d in SCHOOL_DAYS for s in ("MATIN", "MIDI")]
    elif pick < 0.90:  # lunch every day, evening three days, the Wednesday all day
        chosen = [(d, "MIDI") for d in SCHOOL_DAYS] + [(d, "SOIR") for d in rng.sample(SCHOOL_DAYS, 3)]
        chosen.append((WEDNESDAY, "JOURNEE"))
    else:  # a mix: Wednesday half-days and a few school-day slots
        chosen = [(WEDNESDAY, rng.choice(("MATIN", "APRESMIDI")))]
        pool = [(d, s) for d in SCHOOL_DAYS for s in SLOTS[d]]
        chosen += rng.sample(pool, ELEMENTS_PER_CHILD - 1)
    return chosen


def _swap(rng: random.Random, chosen: list[tuple[int, str]], count: int) -> list[tuple[int, str]]:
    """Replace ``count`` picks by others (a sibling's variant), never two slots of one day that overlap."""
    chosen = list(chosen)
    for _ in range(count):
        chosen.pop(rng.randrange(len(chosen)))
        wednesday = {s for d, s in chosen if d == WEDNESDAY}
        free = [(d, s) for d in SLOTS for s in SLOTS[d] if (d, s) not in chosen
                and not (d == WEDNESDAY and wednesday and (s == "JOURNEE" or "JOURNEE" in wednesday))]
        chosen.append(rng.choice(free))
    return chosen


def _elements(rng: random.Random, chosen: list[tuple[int, str]], parity: str,
              inherited: dict[tuple[int, str], str] | None = None) -> tuple[ElementKey, ...]:
    """The picks as pattern elements: a sibling keeps the parities of the elements it shares."""
    inherited = inherited or {}
    return tuple(sorted((d, s, inherited.get((d, s)) or (parity if rng.random() < ALTERNATE_PARITY else "all"))
                        for d, s in chosen))


def build(children: int = DEFAULT_CHILDREN, seed: int = SEED) -> Inputs:
    """The committee's candidates and places left, as ``jobs.gather`` returns them (deterministic)."""
    rng = random.Random(seed)
    dates: dict[ElementKey, tuple[str, ...]] = {}

    def dates_of(key: ElementKey) -> tuple[str, ...]:
        if key not in dates:  # the project's own copy of a pattern element over the period's open days
            lines = expand([PatternElement(*key)], CALENDAR, PERIOD)  # type: ignore[arg-type]
            dates[key] = tuple(line.date.isoformat() for line in lines)
        return dates[key]

    sizes, shares = zip(*CHILDREN_PER_FAMILY, strict=True)
    start, window = PRE_ENROLMENT
    candidates: list[committee.Candidate] = []
    first_names: dict[str, str] = {}
    families = 0
    while len(candidates) < children:
        families += 1
        family_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        family_facts = {k: rng.random() < rate for k, rate in FAMILY_FACTS.items()}
        # Requests come in faster when the window opens; a family sends its children's a few minutes apart.
        sent = start + window * rng.betavariate(1.0, 2.5)
        size = min(rng.choices(sizes, shares)[0], children - len(candidates))
        parity = rng.choice(("even", "odd"))  # a family alternating weeks keeps one parity
        first = _elements(rng, _profile(rng), parity)
        for rank in range(size):
            keys = first
            if rank and rng.random() >= SIBLING_SAME_PATTERN:  # a sibling's variant: 1 to 3 picks differ
                chosen = _swap(rng, [(d, s) for d, s, _ in first], rng.randint(1, 3))
                keys = _elements(rng, chosen, parity, {(d, s): p for d, s, p in first})
            child_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            facts = {**family_facts, **{k: rng.random() < rate for k, rate in CHILD_FACTS.items()}}
            requested = sent + timedelta(minutes=rank * rng.uniform(1, 6), seconds=rng.randrange(60))
            candidates.append(committee.Candidate(
                str(uuid.UUID(int=rng.getrandbits(128), version=4)), family_id, child_id, requested.isoformat(),
                facts, {key: dates_of(key) for key in keys}))
            first_names[child_id] = rng.choice(FIRST_NAMES)

    demand: Counter[tuple[str, str]] = Counter()
    for candidate in candidates:
        for (_, slot, _), days in candidate.elements.items():
            for day in days:
                demand[(day, slot)] += 1
    remaining = {}
    for cell, asked in sorted(demand.items()):
        places = max(1, round(asked * COVERAGE[cell[1]]))
        if rng.random() < ALREADY_TAKEN[0]:
            places -= rng.randint(0, int(places * ALREADY_TAKEN[1]))
        remaining[cell] = places
    return Inputs(candidates, remaining, first_names, families)


# --- what the job does after allocating (jobs.simulate, without DynamoDB) ---------------------------------

def _element_row(a: committee.Allocation, key: ElementKey, dates: tuple[str, ...]) -> dict[str, Any]:
    """``jobs.element_row`` without the period's context (the labels come from LABELS)."""
    outcome = a.outcomes[key]
    full = a.full_dates.get(key, ())
    return {"weekday": key[0], "slot_code": key[1], "slot": LABELS.get(key[1], key[1]), "parity": key[2],
            "outcome": str(outcome), "dates": len(dates),
            "accepted_dates": list(a.accepted_dates.get(key, ())) if outcome == "partial" else [],
            "full_dates": list(full), "reason": committee.full_reason(full)}


def simulation_rows(allocations: list[committee.Allocation], first_names: dict[str, str],
                    weights: dict[str, int], inputs: Inputs) -> tuple[list[str], dict[str, Any]]:
    """Each CommitteeRow's ``data`` and the job's summary, built as ``jobs.simulate`` does."""
    elements = {c.request_id: c.elements for c in inputs.candidates}
    rows = []
    for a in allocations:
        rows.append(json.dumps({
            "request_id": a.request_id, "family_id": a.family_id, "child_id": a.child_id,
            "child_first_name": first_names.get(a.child_id), "rank": a.rank, "score": a.score,
            "parts": [{"criterion": k, "label": committee.CRITERIA_LABELS.get(k, k), "points": v}
                      for k, v in a.parts.items()],
            "answer": committee.answer(a.outcomes.values()),
            "elements": [_element_row(a, k, elements[a.request_id][k]) for k in sorted(a.outcomes)]}))
    summary = {"children": len(allocations), "weights": weights,
               "answers": {k: sum(1 for a in allocations if committee.answer(a.outcomes.values()) == k)
                           for k in ("accepted", "partially_accepted", "waitlisted")}}
    return rows, summary


# --- measuring -------------------------------------------------------------------------------------------

@dataclass
class Measure:
    times: list[float]
    peak: int  # bytes, tracemalloc

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def measure(call: Callable[[], T], repeat: int) -> tuple[Measure, T]:
    """``repeat`` untraced runs for the time, then one traced run for the peak; returns the last result."""
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    del result
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    result = call()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Measure(times, peak - base), result


def allocate(inputs: Inputs, weights: dict[str, int], siblings: bool, partial: bool = False
             ) -> Callable[[], tuple[list[committee.Allocation], dict[tuple[str, str], int]]]:
    def call() -> tuple[list[committee.Allocation], dict[tuple[str, str], int]]:
        remaining = dict(inputs.remaining)  # allocate updates it in place; the copy is a few ms, counted
        return committee.allocate(inputs.candidates, remaining, weights, siblings, partial), remaining
    return call


def given(inputs: Inputs, allocations: list[committee.Allocation]) -> Counter[tuple[str, str]]:
    """Places taken per (date, slot): whole elements' dates and partial elements' dates given."""
    by_id = {c.request_id: c for c in inputs.candidates}
    taken: Counter[tuple[str, str]] = Counter()
    for a in allocations:
        for key in a.outcomes:
            for day in a.dates_given(key, by_id[a.request_id].elements[key]):
                taken[(day, key[1])] += 1
    return taken


WASTE_GOAL = 0.01  # issue 12: at most 1 % of the places left free on a date × slot where a line waits


# --- invariants ------------------------------------------------------------------------------------------

def invariants(inputs: Inputs, allocations: list[committee.Allocation], remaining: dict[tuple[str, str], int],
               siblings: bool, partial: bool = False) -> dict[str, bool]:
    by_id = {c.request_id: c for c in inputs.candidates}
    taken = given(inputs, allocations)
    checks = {
        "no (date, slot) over capacity (remaining never negative)": min(remaining.values()) >= 0
        and all(taken[cell] <= places for cell, places in inputs.remaining.items())
        and all(inputs.remaining[cell] - taken[cell] == remaining[cell] for cell in inputs.remaining),
        f"every child has an outcome for each of its {ELEMENTS_PER_CHILD} elements":
            len(allocations) == len(inputs.candidates) == len({a.request_id for a in allocations})
            and all(set(a.outcomes) == set(by_id[a.request_id].elements)
                    and len(a.outcomes) == ELEMENTS_PER_CHILD for a in allocations),
        "ranks are 1..n in the order served": [a.rank for a in allocations] == list(range(1, len(allocations) + 1)),
    }
    if siblings:
        # One place per sibling on each date that sibling asks: a date is given to all who ask it or none.
        dates: dict[tuple[str, ElementKey, str], set[bool]] = defaultdict(set)
        for a in allocations:
            for key in a.outcomes:
                mine = by_id[a.request_id].elements[key]
                took = set(a.dates_given(key, mine))
                for day in mine:
                    dates[(a.family_id, key, day)].add(day in took)
        served = [a.family_id for a in allocations]
        together = all(len(values) == 1 for values in dates.values())
        contiguous = len({f for f, _ in _runs(served)}) == len(_runs(served))
        checks["siblings kept together: identical outcome on every date they share"] = together
        checks["siblings kept together: served one after the other"] = contiguous
    if partial:
        waste = committee.free_where_waiting(remaining, allocations, inputs.candidates)
        checks[f"places free where a line waits at most {WASTE_GOAL:.0%} of the places"] = \
            waste <= WASTE_GOAL * sum(inputs.remaining.values())
    return checks


def after(inputs: Inputs, allocations: list[committee.Allocation], remaining: dict[tuple[str, str], int],
          siblings: bool) -> dict[str, int]:
    """What the committee leaves: lines to publish, full cells, places left, and how the rule played."""
    by_id = {c.request_id: c for c in inputs.candidates}
    lines: Counter[str] = Counter()
    refused: set[tuple[int, str]] = set()  # weekday × slot where a higher-ranked element was waitlisted
    overtaken = 0
    groups: set[tuple[str, ElementKey]] = set()
    for a in allocations:
        group = a.family_id if siblings else a.request_id
        for key, outcome in sorted(a.outcomes.items()):
            dates = by_id[a.request_id].elements[key]
            took = len(a.dates_given(key, dates))
            lines["accepted"] += took
            lines["waitlisted"] += len(dates) - took
            groups.add((group, key))
            if outcome == "waitlisted":
                refused.add(key[:2])
            elif key[:2] in refused:
                overtaken += 1
    return {"accepted lines": lines["accepted"], "waitlisted lines": lines["waitlisted"],
            "element checks": len(groups), "full cells": sum(1 for v in remaining.values() if v == 0),
            "places left": sum(remaining.values()), "overtaken": overtaken,
            "free where waiting": committee.free_where_waiting(remaining, allocations, inputs.candidates)}


def split_siblings(allocations: list[committee.Allocation]) -> tuple[int, int]:
    """Elements asked by 2 or 3 children of one family, and how many of them got different outcomes."""
    outcomes: dict[tuple[str, ElementKey], list[str]] = defaultdict(list)
    for a in allocations:
        for key, outcome in a.outcomes.items():
            outcomes[(a.family_id, key)].append(outcome)
    shared = [set(values) for values in outcomes.values() if len(values) > 1]
    return len(shared), sum(1 for values in shared if len(values) > 1)


def _runs(values: list[str]) -> list[tuple[str, int]]:
    runs: list[tuple[str, int]] = []
    for value in values:
        if runs and runs[-1][0] == value:
            runs[-1] = (value, runs[-1][1] + 1)
        else:
            runs.append((value, 1))
    return runs


# --- report ----------------------------------------------------------------------------------------------

def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def mib(size: float) -> str:
    return f"{size / 2**20:,.1f} MiB"


def outcome_counts(allocations: list[committee.Allocation]) -> tuple[Counter[str], Counter[str]]:
    answers = Counter(committee.answer(a.outcomes.values()) for a in allocations)
    elements = Counter(o for a in allocations for o in a.outcomes.values())
    return answers, elements


CONFIGS = ((False, False), (True, False), (False, True), (True, True))  # (keep_siblings_together, partial)


def _label(siblings: bool, partial: bool) -> str:
    return f"keep_siblings_together={siblings}, partial={partial}"


def run(children: int, repeat: int, seed: int) -> int:
    weights = dict(committee.DEFAULT_WEIGHTS)
    started = time.perf_counter()
    inputs = build(children, seed)  # untraced: tracemalloc would make it ten times slower
    built = time.perf_counter() - started

    measured = {}
    for siblings, partial in CONFIGS:
        measured[(siblings, partial)] = measure(allocate(inputs, weights, siblings, partial), repeat)
    together_allocations = measured[(True, True)][1][0]
    rows_measure, (rows, summary) = measure(
        lambda: simulation_rows(together_allocations, inputs.first_names, weights, inputs), repeat)

    candidates = inputs.candidates
    family_sizes = Counter(Counter(c.family_id for c in candidates).values())
    element_dates = sum(len(days) for c in candidates for days in c.elements.values())
    kinds = Counter(k for c in candidates for k in c.elements)
    parities = Counter(k[2] for c in candidates for k in c.elements)
    sizes = [len(r.encode()) for r in rows]
    places = list(inputs.remaining.values())
    total = sum(places)
    days = {d for d, _ in inputs.remaining}

    out = [
        f"Committee benchmark: {len(candidates):,} children × {ELEMENTS_PER_CHILD} pattern elements, "
        f"{PERIOD.start} to {PERIOD.end} (Calendar 67 / zone B), seed {seed}",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, load average {os.getloadavg()[0]:.1f} at the start of the report",
        "",
        "Problem size",
        "",
        "| | |",
        "|---|---:|",
        f"| children (requests) | {len(candidates):,} |",
        f"| families (1 / 2 / 3 children) | {inputs.families:,} "
        f"({' / '.join(str(family_sizes.get(n, 0)) for n in (1, 2, 3))}) |",
        f"| pattern elements | {len(candidates) * ELEMENTS_PER_CHILD:,} ({len(kinds)} distinct; "
        f"{parities['all']:,} every week, {parities['even'] + parities['odd']:,} every other week) |",
        f"| element-dates (lines) | {element_dates:,} |",
        f"| (date, slot) cells | {len(inputs.remaining):,} ({len(days)} open days) |",
        f"| places left per cell before the committee | {min(places):,} to {max(places):,} "
        f"(total {total:,}) |",
        f"| inputs built in (not counted) | {ms(built)} |",
        "",
        f"Measured (time: best and median of {repeat} untraced runs; memory: tracemalloc peak of one traced run)",
        "",
        "| step | best | median | peak memory |",
        "|---|---:|---:|---:|",
    ]
    for (siblings, partial), (m, _) in measured.items():
        out.append(f"| `committee.allocate`, {_label(siblings, partial)} | {ms(m.best)} | {ms(m.median)} "
                   f"| {mib(m.peak)} |")
    out += [
        f"| simulation rows (JSON per child + summary, no DynamoDB) | {ms(rows_measure.best)} "
        f"| {ms(rows_measure.median)} | {mib(rows_measure.peak)} |",
        "",
        "Outcomes",
        "",
        "| keep_siblings_together | partial | accepted | partially accepted | waitlisted | elements accepted "
        "| elements partial | elements waitlisted |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (siblings, partial), (_, (allocations, _)) in measured.items():
        answers, elements = outcome_counts(allocations)
        out.append(f"| {siblings} | {partial} | {answers['accepted']:,} | {answers['partially_accepted']:,} | "
                   f"{answers['waitlisted']:,} | {elements['accepted']:,} | {elements['partial']:,} | "
                   f"{elements['waitlisted']:,} |")
    out += [
        "",
        "After the committee (lines: element-dates)",
        "",
        "| keep_siblings_together | partial | element checks | lines accepted | lines waitlisted | full cells "
        "| places left | places left where a line waits (share of the places) "
        "| elements accepted after a higher-ranked refusal on the same weekday × slot |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (siblings, partial), (_, (allocations, remaining)) in measured.items():
        left = after(inputs, allocations, remaining, siblings)
        out.append(f"| {siblings} | {partial} | {left['element checks']:,} | {left['accepted lines']:,} | "
                   f"{left['waitlisted lines']:,} | {left['full cells']:,} | {left['places left']:,} | "
                   f"{left['free where waiting']:,} ({left['free where waiting'] / total:.2%}) | "
                   f"{left['overtaken']:,} |")
    apart_allocations = measured[(False, False)][1][0]
    shared = split_siblings(apart_allocations)
    out += [
        "",
        f"Elements shared by siblings: {shared[0]:,}; with keep_siblings_together=False, {shared[1]:,} of them "
        f"get different outcomes for the siblings (True: {split_siblings(measured[(True, False)][1][0])[1]:,}).",
        "",
        f"Simulation rows (keep_siblings_together=True, partial=True): {len(rows):,} ({mib(sum(sizes))} of JSON, "
        f"largest {max(sizes):,} bytes, DynamoDB's item limit is 400 KB); BatchWriteItem calls to write them: "
        f"ceil({len(rows):,} / {BATCH_WRITE_MAX}) = {math.ceil(len(rows) / BATCH_WRITE_MAX):,} (not made); "
        f"summary {json.dumps(summary['answers'])}",
        f"Process max RSS: {mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)}",
        "",
        "Invariants",
        "",
    ]
    ok = True
    for (siblings, partial), (_, (allocations, remaining)) in measured.items():
        for check, passed in invariants(inputs, allocations, remaining, siblings, partial).items():
            ok = ok and passed
            out.append(f"- {_label(siblings, partial)}: {check}: {'ok' if passed else 'FAILED'}")
    print("\n".join(out), flush=True)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=DEFAULT_CHILDREN,
                        help=f"children (one request each; 1 to {MAX_CHILDREN:,}, default {DEFAULT_CHILDREN:,})")
    parser.add_argument("--repeat", type=int, default=3, help=f"untraced runs per step (1 to {MAX_REPEAT}, default 3)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed of the inputs (default {SEED})")
    args = parser.parse_args(argv)
    if not 1 <= args.children <= MAX_CHILDREN:
        parser.error(f"--children must be between 1 and {MAX_CHILDREN:,}")
    if not 1 <= args.repeat <= MAX_REPEAT:
        parser.error(f"--repeat must be between 1 and {MAX_REPEAT}")
    return run(args.children, args.repeat, args.seed)


if __name__ == "__main__":
    sys.exit(main())
