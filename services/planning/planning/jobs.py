"""The placement committee as a job: a staff request queues it (an event to planning's own queue), the
consumer gathers the period's pending requests, allocates them (:mod:`planning.committee`), and stores
a simulation the committee reviews — each child's rank, score parts and element outcomes. Publishing
is a second job that applies the outcomes through the capacity-checked writes and tells each family.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from typing import Any

from planning import committee, decisions
from planning.models import Capacity, CommitteeJob, CommitteeRow, Outbox, ReservationLine, ReservationRequest
from planning.reservations import context, request_lines, validations
from shared import clock, outbox
from shared.ddb import transaction
from shared.errors import Conflict, NotFound
from shared.events import planning as ev


def request_job(period_id: str, options: dict[str, Any], correlation_id: str) -> CommitteeJob:
    context(period_id)  # the period exists
    job_id = str(uuid.uuid4())
    job = CommitteeJob(*CommitteeJob.key(period_id, job_id), job_id=job_id, period_id=period_id, status="queued",
                       options=json.dumps(options), created_at=clock.now())
    with transaction() as tx:
        tx.save(job)
        tx.save(outbox.entry(Outbox, ev.CommitteeJobRequested(job_id=job_id, period_id=period_id, action="simulate",
                                                               correlation_id=correlation_id)))
    return job


def get_job(period_id: str, job_id: str) -> CommitteeJob:
    try:
        return CommitteeJob.get(*CommitteeJob.key(period_id, job_id), consistent_read=True)
    except CommitteeJob.DoesNotExist:
        raise NotFound("Cette simulation n'existe pas.") from None


def request_publication(period_id: str, job_id: str, correlation_id: str) -> CommitteeJob:
    job = get_job(period_id, job_id)
    if job.status != "simulated":
        raise Conflict("Seule une simulation terminée peut être publiée.", fields={"job_id": job.status})
    with transaction() as tx:
        tx.update(job, actions=[CommitteeJob.status.set("publishing")],
                  condition=CommitteeJob.status == "simulated")
        tx.save(outbox.entry(Outbox, ev.CommitteeJobRequested(job_id=job_id, period_id=period_id, action="publish",
                                                               correlation_id=correlation_id)))
    job.refresh()
    return job


def _in_window(period: dict[str, Any], request: ReservationRequest) -> bool:
    window = period.get("pre_enrolment")
    if not window:
        return True
    return window["start"] <= request.created_at.date().isoformat() <= window["end"]


def gather(period_id: str) -> tuple[list[committee.Candidate], dict[tuple[str, str], int]]:
    """The candidates (pending requests of the pre-enrolment window) and the places left per date."""
    ctx = context(period_id)
    requests = [r for r in ReservationRequest.by_structure.query(f"STRUCTURE#{ctx.data['structure_id']}")
                if r.period_id == period_id and _in_window(ctx.data, r)]
    known: dict[str, list[Any]] = {}
    candidates = []
    for request in requests:
        pending = [ln for ln in request_lines(request) if ln.status == "pending"]
        if not pending:
            continue
        pattern = json.loads(request.pattern or "[]")
        elements: dict[tuple[int, str, str], list[str]] = defaultdict(list)
        for line in pending:
            elements[decisions.element_of(line, pattern)].append(line.date)
        rows = known.setdefault(request.family_id, validations(request.family_id))
        candidates.append(committee.Candidate(
            request.request_id, request.family_id, request.child_id, request.created_at.isoformat(),
            decisions.facts(request, rows), {k: tuple(sorted(v)) for k, v in elements.items()}))
    taken = {tuple(item.sk.split("#", 1)): int(item.taken) for item in Capacity.query(f"CAPACITY#{period_id}")}
    capacity = {s["code"]: int(s["capacity"]) for s in ctx.data["slots"]}
    remaining: dict[tuple[str, str], int] = {}
    for candidate in candidates:
        for (_, slot, _), dates in candidate.elements.items():
            for day in dates:
                remaining[(day, slot)] = capacity[slot] - taken.get((day, slot), 0)
    return candidates, remaining


def simulate(job: CommitteeJob) -> None:
    job.update(actions=[CommitteeJob.status.set("simulating")])
    options = json.loads(job.options or "{}")
    candidates, remaining = gather(job.period_id)
    weights = decisions.weights()
    allocations = committee.allocate(candidates, remaining, weights, bool(options.get("keep_siblings_together")))
    ctx = context(job.period_id)
    names = {}
    with CommitteeRow.batch_write() as batch:
        for a in allocations:
            rows = names.setdefault(a.family_id, {v.child_id: v.child_first_name for v in validations(a.family_id)})
            batch.save(CommitteeRow(*CommitteeRow.key(job.job_id, a.request_id), data=json.dumps({
                "request_id": a.request_id, "family_id": a.family_id, "child_id": a.child_id,
                "child_first_name": rows.get(a.child_id), "rank": a.rank, "score": a.score,
                "parts": [{"criterion": k, "label": committee.CRITERIA_LABELS.get(k, k), "points": v}
                          for k, v in a.parts.items()],
                "answer": committee.answer(a.outcomes.values()),
                "elements": [{"weekday": k[0], "slot_code": k[1], "slot": ctx.label(k[1]), "parity": k[2],
                              "outcome": o} for k, o in sorted(a.outcomes.items())]})))
    summary = {"children": len(allocations), "weights": weights,
               "answers": {k: sum(1 for a in allocations if committee.answer(a.outcomes.values()) == k)
                           for k in ("accepted", "partially_accepted", "waitlisted")}}
    job.update(actions=[CommitteeJob.status.set("simulated"), CommitteeJob.summary.set(json.dumps(summary))])


def rows(job_id: str) -> list[dict[str, Any]]:
    return sorted((json.loads(r.data) for r in CommitteeRow.query(f"JOB#{job_id}")), key=lambda r: r["rank"])


def publish(job: CommitteeJob, correlation_id: str) -> None:
    """Apply the simulation in rank order: accepted elements take their places (a place taken since the
    simulation sends the line to the waiting list instead), waitlisted ones wait with their score."""
    ctx = context(job.period_id)
    for row in rows(job.job_id):
        request = ReservationRequest.get(*ReservationRequest.key(row["family_id"], row["request_id"]))
        outcome = {(e["weekday"], e["slot_code"], e["parity"]): e["outcome"] for e in row["elements"]}
        pattern = json.loads(request.pattern or "[]")
        for line in request_lines(request):
            if line.status != "pending":
                continue
            wanted = outcome.get(decisions.element_of(line, pattern))
            if wanted == "accepted" and decisions.accept_line(ctx, line):
                continue
            if wanted in ("accepted", "waitlisted"):
                _wait(line, row["score"])
        decisions.announce(ctx, request, "committee", "Réponse de la commission d'attribution", correlation_id)
    job.update(actions=[CommitteeJob.status.set("published")])


def _wait(line: ReservationLine, score: int) -> None:
    line.update(actions=[ReservationLine.status.set("waitlisted"), ReservationLine.priority.set(score)],
                condition=ReservationLine.status == "pending")


def run(event: ev.CommitteeJobRequested) -> dict[str, Any]:
    try:
        job = get_job(event.period_id, event.job_id)
    except NotFound:
        return {"job_id": event.job_id, "outcome": "unknown_job"}  # nothing to retry: no such job
    try:
        if event.action == "simulate":
            simulate(job)
        else:
            publish(job, event.correlation_id)
    except Exception:
        job.update(actions=[CommitteeJob.status.set("failed")])
        raise
    return {"job_id": job.job_id, "action": event.action}
