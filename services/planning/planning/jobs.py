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

from pynamodb.exceptions import TransactWriteError

from planning import answers, committee, decisions
from planning.models import CommitteeJob, CommitteeRow, Outbox, ReservationRequest
from planning.reservations import context, request_lines, validations
from shared import clock, outbox
from shared.ddb import transaction
from shared.errors import Conflict, NotFound
from shared.events import planning as ev

PAGE = 100  # rows published per message: a few thousand DynamoDB calls, well inside the consumer's timeout


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


def jobs_of(period_id: str) -> list[CommitteeJob]:
    """The period's committee runs, newest first."""
    return sorted(CommitteeJob.query(f"COMMITTEE#{period_id}", CommitteeJob.sk.startswith("JOB#")),
                  key=lambda j: j.created_at, reverse=True)


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


def in_committee_window(period: dict[str, Any], request: ReservationRequest) -> bool:
    """A request made during the period's pre-enrolment window goes to the committee."""
    window = period.get("pre_enrolment")
    if not window:
        return True
    return window["start"] <= request.created_at.date().isoformat() <= window["end"]


def gather(period_id: str, first_names: dict[str, str | None] | None = None,
           ) -> tuple[list[committee.Candidate], dict[tuple[str, str], int]]:
    """The candidates (pending requests of the pre-enrolment window) and the places left per date.

    Reads are bounded: one Query per request for its lines, one per family for its validations, and
    the siblings' places come from the structure's requests already read (no Query per request)."""
    ctx = context(period_id)
    structure_requests = list(ReservationRequest.by_structure.query(f"STRUCTURE#{ctx.data['structure_id']}"))
    requests = [r for r in structure_requests if r.period_id == period_id and in_committee_window(ctx.data, r)]
    by_family: dict[str, list[ReservationRequest]] = defaultdict(list)
    for r in structure_requests:
        by_family[r.family_id].append(r)
    lines_of: dict[str, list[Any]] = {}

    def lines(request: ReservationRequest) -> list[Any]:
        if request.request_id not in lines_of:
            lines_of[request.request_id] = request_lines(request)
        return lines_of[request.request_id]

    def holds_place(request: ReservationRequest) -> bool:
        return any(ln.was_accepted and ln.status != "cancelled" for ln in lines(request))

    known: dict[str, list[Any]] = {}
    candidates = []
    for request in requests:
        pending = [ln for ln in lines(request) if ln.status == "pending"]
        if not pending:
            continue
        pattern = json.loads(request.pattern or "[]")
        elements: dict[tuple[int, str, str], list[str]] = defaultdict(list)
        for line in pending:
            elements[answers.element_of(line, pattern)].append(line.date)
        rows = known.setdefault(request.family_id, validations(request.family_id))
        if first_names is not None:
            first_names[request.request_id] = next((v.child_first_name for v in rows
                                                    if v.child_id == request.child_id), request.child_first_name)
        sibling = any(o.child_id != request.child_id and holds_place(o) for o in by_family[request.family_id])
        candidates.append(committee.Candidate(
            request.request_id, request.family_id, request.child_id, request.created_at.isoformat(),
            decisions.facts(request, rows, sibling), {k: tuple(sorted(v)) for k, v in elements.items()}))
    taken = decisions.places_taken(period_id)
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
    first_names: dict[str, str | None] = {}
    candidates, remaining = gather(job.period_id, first_names)
    weights = decisions.weights()
    allocations = committee.allocate(candidates, remaining, weights, bool(options.get("keep_siblings_together")))
    ctx = context(job.period_id)
    names = {c.request_id: c for c in candidates}
    with CommitteeRow.batch_write() as batch:
        for a in allocations:
            batch.save(CommitteeRow(*CommitteeRow.key(job.job_id, a.rank), data=json.dumps({
                "request_id": a.request_id, "family_id": a.family_id, "child_id": a.child_id,
                "child_first_name": first_names.get(a.request_id), "rank": a.rank, "score": a.score,
                "requested_at": names[a.request_id].requested_at,
                "parts": [{"criterion": k, "label": committee.CRITERIA_LABELS.get(k, k), "points": v}
                          for k, v in a.parts.items()],
                "answer": committee.answer(a.outcomes.values()),
                "elements": [{"weekday": k[0], "slot_code": k[1], "slot": ctx.label(k[1]), "parity": k[2],
                              "outcome": o} for k, o in sorted(a.outcomes.items())]})))
    summary = {"children": len(allocations), "weights": weights,
               "answers": {k: sum(1 for a in allocations if committee.answer(a.outcomes.values()) == k)
                           for k in ("accepted", "partially_accepted", "waitlisted")}}
    job.update(actions=[CommitteeJob.status.set("simulated"), CommitteeJob.summary.set(json.dumps(summary))])


def rows(job_id: str, after_rank: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
    """The simulation's rows in rank order, from ``after_rank`` on (one Query, paged by DynamoDB)."""
    found = CommitteeRow.query(f"JOB#{job_id}", CommitteeRow.sk > CommitteeRow.key(job_id, after_rank)[1],
                               limit=limit)
    return [{**json.loads(r.data), "published": r.published} for r in found]


def publish(job: CommitteeJob, correlation_id: str, after_rank: int = 0) -> None:
    """Apply one page of the simulation in rank order, then queue the next page: each message stays
    short whatever the number of children. Accepted elements take their places (a place taken since the
    simulation sends the line to the waiting list instead), waitlisted ones wait with their score. A
    row's family is told in the transaction that marks the row published, so a redelivered page never
    e-mails twice."""
    ctx = context(job.period_id)
    page = rows(job.job_id, after_rank, PAGE)
    for row in page:
        if row["published"]:
            continue
        request = ReservationRequest.get(*ReservationRequest.key(row["family_id"], row["request_id"]))
        outcome = {(e["weekday"], e["slot_code"], e["parity"]): e["outcome"] for e in row["elements"]}
        by_element = answers.group_by_element([ln for ln in request_lines(request) if ln.status == "pending"],
                                              request.pattern)
        for element, lines in by_element.items():
            wanted = outcome.get(element)
            left = decisions.accept_lines(ctx, lines) if wanted == "accepted" else lines
            if wanted in ("accepted", "waitlisted"):
                decisions.set_lines(left, "waitlisted", row["score"])
        marker = CommitteeRow(*CommitteeRow.key(job.job_id, row["rank"]))

        def mark(tx: Any, marker: CommitteeRow = marker) -> None:
            tx.update(marker, actions=[CommitteeRow.published.set(True)],
                      condition=CommitteeRow.published.does_not_exist() | (CommitteeRow.published == False))  # noqa: E712

        try:
            decisions.announce(ctx, request, "committee", "Réponse de la commission d'attribution",
                               correlation_id, also=mark)
        except TransactWriteError:
            continue  # another delivery of this page told the family meanwhile
    last = page[-1]["rank"] if page else after_rank
    job.update(actions=[CommitteeJob.published.set(last)])
    if len(page) == PAGE:
        with transaction() as tx:
            tx.save(outbox.entry(Outbox, ev.CommitteeJobRequested(job_id=job.job_id, period_id=job.period_id,
                                                                   action="publish", after_rank=last,
                                                                   correlation_id=correlation_id)))
        return
    job.update(actions=[CommitteeJob.status.set("published")])


def run(event: ev.CommitteeJobRequested) -> dict[str, Any]:
    try:
        job = get_job(event.period_id, event.job_id)
    except NotFound:
        return {"job_id": event.job_id, "outcome": "unknown_job"}  # nothing to retry: no such job
    try:
        if event.action == "simulate":
            simulate(job)
        else:
            publish(job, event.correlation_id, event.after_rank)
    except Exception:
        job.update(actions=[CommitteeJob.status.set("failed")])
        raise
    return {"job_id": job.job_id, "action": event.action, "after_rank": event.after_rank}
