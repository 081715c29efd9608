"""The committee benchmark (benchmarks/committee_5000.py) at 200 children: its invariants, never its times."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from benchmarks import committee_5000 as bench
from planning import committee


def test_main_prints_every_invariant_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--children", "200", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    checks = [line for line in out.splitlines() if line.startswith("- keep_siblings_together=")]
    assert len(checks) == 18 and all(line.endswith(": ok") for line in checks), checks
    for wanted in ("remaining never negative", "an outcome for each of its 8 elements",
                   "identical outcome on every date they share", "places free where a line waits at most 1%"):
        assert any(wanted in line for line in checks), wanted
    assert "| children (requests) | 200 |" in out


@pytest.mark.parametrize("siblings", [False, True])
def test_allocation_invariants_at_200_children(siblings: bool) -> None:
    inputs = bench.build(200)
    remaining = dict(inputs.remaining)
    allocations = committee.allocate(inputs.candidates, remaining, dict(committee.DEFAULT_WEIGHTS), siblings)
    # Without partial answers a full date leaves an element's other dates free: the waste issue 12 measured.
    assert committee.free_where_waiting(remaining, allocations, inputs.candidates) > \
        0.05 * sum(inputs.remaining.values())

    # The problem is contested, with siblings sharing elements: otherwise the checks below would be empty.
    outcomes = Counter(o for a in allocations for o in a.outcomes.values())
    assert outcomes["accepted"] and outcomes["waitlisted"]
    assert max(Counter(c.family_id for c in inputs.candidates).values()) >= 2

    # No (date, slot) over capacity: what is left is what was there minus what was accepted, never negative.
    by_id = {c.request_id: c for c in inputs.candidates}
    taken: Counter[tuple[str, str]] = Counter()
    for a in allocations:
        for key, outcome in a.outcomes.items():
            if outcome == "accepted":
                taken.update((day, key[1]) for day in by_id[a.request_id].elements[key])
    assert min(remaining.values()) >= 0
    assert all(remaining[cell] == places - taken[cell] for cell, places in inputs.remaining.items())

    # Every candidate has an outcome for each of its 8 elements.
    assert sorted(a.request_id for a in allocations) == sorted(by_id)
    assert all(set(a.outcomes) == set(by_id[a.request_id].elements) and len(a.outcomes) == 8 for a in allocations)

    # Siblings kept together: an element they share has one outcome for all of them (apart, some differ).
    if not siblings:
        assert bench.split_siblings(allocations)[1] > 0
    else:
        shared: dict[tuple[str, tuple[int, str, str]], set[str]] = defaultdict(set)
        for a in allocations:
            for key, outcome in a.outcomes.items():
                shared[(a.family_id, key)].add(outcome)
        assert all(len(values) == 1 for values in shared.values())


@pytest.mark.parametrize("siblings", [False, True])
def test_partial_answers_leave_at_most_one_percent_free_where_lines_wait(siblings: bool) -> None:
    inputs = bench.build(200)
    remaining = dict(inputs.remaining)
    allocations = committee.allocate(inputs.candidates, remaining, dict(committee.DEFAULT_WEIGHTS), siblings,
                                     partial=True)
    by_id = {c.request_id: c for c in inputs.candidates}
    assert Counter(o for a in allocations for o in a.outcomes.values())["partial"] > 0
    # Places given never exceed the places left: whole elements and partial dates together.
    taken: Counter[tuple[str, str]] = Counter()
    for a in allocations:
        for key in a.outcomes:
            taken.update((day, key[1]) for day in a.dates_given(key, by_id[a.request_id].elements[key]))
    assert all(remaining[cell] == places - taken[cell] >= 0 for cell, places in inputs.remaining.items())
    # A waiting date is one that had no place for it (for all the siblings asking it, kept together).
    for a in allocations:
        for key, outcome in a.outcomes.items():
            given = set(a.dates_given(key, by_id[a.request_id].elements[key]))
            assert set(a.full_dates.get(key, ())) == set(by_id[a.request_id].elements[key]) - given
            assert (outcome == "partial") == (0 < len(given) < len(by_id[a.request_id].elements[key]))
    waste = committee.free_where_waiting(remaining, allocations, inputs.candidates)
    assert waste <= 0.01 * sum(inputs.remaining.values())
