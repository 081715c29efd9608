"""The placement committee as a job: a staff request queues it (an event to planning's own queue), the
consumer gathers the period's pending requests, allocates them (:mod:`planning.committee`), and stores
a simulation the committee reviews — each child's rank, score parts and element outcomes. Publishing
is a second job that applies the outcomes through the capacity-checked writes and tells each family.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from planning import answers, catalogue, committee, decisions
from planning.calendar import Period
from planning.lifecycle import Transition
from planning.line_store import MAX_ITEMS, StaleWrite, UnitOfWork
from planning.models import (
    CommitteeJob,
    CommitteeRow,
    Outbox,
    ReservationLine,
    ReservationRequest,
    Validation,
)
from planning.pattern import PatternElement, expand
from planning.reservations import context, request_lines
from shared import clock, outbox
from shared.ddb import transaction
from shared.errors import Conflict, NotFound
from shared.events import planning as ev

PAGE = 100  # rows published per message: a few thousand DynamoDB calls, well inside the consumer's timeout


def request_job(period_id: str, options: dict[str, Any], correlation_id: str) -> CommitteeJob:
    """Queue a simulation of a period the caller has checked (the route reads it for the staff scope)."""
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
    job.status = "publishing"  # as written, conditionally: no second read
    return job


def in_committee_window(period: dict[str, Any], request: ReservationRequest) -> bool:
    """A request made during the period's pre-enrolment window goes to the committee."""
    window = period.get("pre_enrolment")
    if not window:
        return True
    return window["start"] <= request.created_at.date().isoformat() <= window["end"]


COMMITTEE_STATUSES = ("pending", "waitlisted")  # a line the committee answers (waiting lines are ranked too)
TOLD_PER_TRANSACTION = 25  # a family told: history, event, row marker and the offers' index (4 items)


def gather(period_id: str, first_names: dict[str, str | None] | None = None,
           numbers: dict[str, str] | None = None, asking: set[str] | None = None, ctx: Any = None,
           ) -> tuple[list[committee.Candidate], dict[tuple[str, str], int]]:
    """The candidates (requests of the pre-enrolment window with lines pending or already on the waiting
    list) and the places left per date. A line the manager put on the waiting list is ranked with the
    others: otherwise its places would go to a lower-ranked child.

    Reads are bounded and mostly shared: the structure's requests (one Query a page), the children's
    validations by key (one BatchGetItem per 100), the period's counters (one Query); a request's lines
    are read (one Query) only when its counts do not show that every line is still open and exactly the
    copy of its pattern over its dates (:func:`open_copy`); the siblings' places come from the requests."""
    ctx = ctx if ctx is not None else context(period_id)
    structure_requests = list(ReservationRequest.by_structure.query(f"STRUCTURE#{ctx.data['structure_id']}"))
    requests = [r for r in structure_requests if r.period_id == period_id and in_committee_window(ctx.data, r)]
    by_family: dict[str, list[ReservationRequest]] = defaultdict(list)
    for r in structure_requests:
        by_family[r.family_id].append(r)
    lines_of: dict[str, list[Any]] = {}

    def lines(request: ReservationRequest) -> list[Any]:
        if request.request_id not in lines_of:
            lines_of[request.request_id] = open_copy(ctx, request) or request_lines(request)
        return lines_of[request.request_id]

    def holds_place(request: ReservationRequest) -> bool:
        counts = request.counts()
        if counts and not counts.get("cancel_requested"):  # the counts kept on the request say it
            return bool(counts.get("accepted"))
        return any(ln.was_accepted and ln.status != "cancelled" for ln in lines(request))

    wanted = [r for r in requests if not (r.counts() and not any(r.counts().get(s) for s in COMMITTEE_STATUSES))]
    known = _validations(wanted)
    candidates = []
    for request in requests:
        counts = request.counts()
        if counts and not any(counts.get(s) for s in COMMITTEE_STATUSES):
            continue  # nothing left to answer: no Query of its lines
        open_lines = [ln for ln in lines(request) if ln.status in COMMITTEE_STATUSES]
        if not open_lines:
            continue
        pattern = json.loads(request.pattern or "[]")
        elements: dict[tuple[int, str, str], list[str]] = defaultdict(list)
        for line in open_lines:
            elements[answers.element_of(line, pattern)].append(line.date)
        rows = known.get((request.family_id, request.child_id), [])
        if first_names is not None:
            first_names[request.request_id] = next((v.child_first_name for v in rows
                                                    if v.child_id == request.child_id), request.child_first_name)
        if numbers is not None:
            numbers[request.request_id] = request.number
        if asking is not None and any(ln.status == "pending" for ln in open_lines):
            asking.add(request.request_id)  # a request with lines still asked: its family hears the answer
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
                remaining[(day, slot)] = max(capacity.get(slot, 0) - taken.get((day, slot), 0), 0)
    return candidates, remaining


def _validations(requests: list[ReservationRequest]) -> dict[tuple[str, str], list[Validation]]:
    """Each request's child's validation for its structure, by key: one BatchGetItem per 100 requests."""
    keys = sorted({Validation.key(r.family_id, r.structure_id, r.activity, r.child_id) for r in requests})
    found: dict[tuple[str, str], list[Validation]] = defaultdict(list)
    for item in Validation.batch_get(keys):
        found[(item.family_id, item.child_id)].append(item)
    return found


@dataclass(frozen=True)
class _OpenLine:
    """A line known from its request's counts and pattern, without reading it."""

    date: str
    slot_code: str
    status: str
    was_accepted: bool = False


def open_copy(ctx: Any, request: ReservationRequest) -> list[_OpenLine] | None:
    """The request's lines without a Query, when its counts prove what they are: every line still open
    (pending or waiting, one status) and as many as the copy of its pattern over its first to last date.
    Lines are always a subset of that copy (a copy never books a closed day, and a closure is refused while
    a line holds the day), so equal counts mean the same lines. None when not proven (a séjour, a line
    answered, cancelled or left out in the middle): the caller reads them."""
    counts = request.counts()
    pattern = json.loads(request.pattern or "[]")
    status = next(iter(counts), None) if len(counts) == 1 else None
    if not (request.counted and pattern and status in COMMITTEE_STATUSES and request.first_date
            and request.last_date) or counts.get(status or "") != int(request.line_count or 0):
        return None
    first, last = date.fromisoformat(request.first_date), date.fromisoformat(request.last_date)
    period = ctx.period
    copied = expand([PatternElement(e["weekday"], e["slot_code"], e.get("parity", "all")) for e in pattern],
                    ctx.calendar, Period(max(first, period.start), min(last, period.end), period.weekdays,
                                         period.type, period.name))
    if len(copied) != int(request.line_count):
        return None
    return [_OpenLine(ln.date.isoformat(), ln.slot_code, str(status)) for ln in copied]


def element_row(ctx: Any, allocation: committee.Allocation, key: committee.ElementKey,
                dates: tuple[str, ...]) -> dict[str, Any]:
    """One element of a simulation row: its outcome, the dates given (partial) and why it waits."""
    outcome = allocation.outcomes[key]
    full = allocation.full_dates.get(key, ())
    return {"weekday": key[0], "slot_code": key[1], "slot": ctx.label(key[1]), "parity": key[2],
            "outcome": str(outcome), "dates": len(dates),
            "accepted_dates": list(allocation.accepted_dates.get(key, ())) if outcome == "partial" else [],
            "full_dates": list(full), "reason": committee.full_reason(full)}


def simulate(job: CommitteeJob) -> None:
    """Run a simulation on a job already claimed (``simulating``, see :func:`run`)."""
    options = json.loads(job.options or "{}")
    first_names: dict[str, str | None] = {}
    numbers: dict[str, str] = {}
    asking: set[str] = set()
    snap = catalogue.snapshot()  # the period and the criteria, one Query
    ctx = context(job.period_id, snap)
    candidates, remaining = gather(job.period_id, first_names, numbers, asking, ctx)
    places = sum(remaining.values())
    weights = decisions.weights(snap)
    partial = bool(ctx.data.get("partial_answers"))
    allocations = committee.allocate(candidates, remaining, weights, bool(options.get("keep_siblings_together")),
                                     partial)
    names = {c.request_id: c for c in candidates}
    with CommitteeRow.batch_write() as batch:
        for a in allocations:
            elements = names[a.request_id].elements
            batch.save(CommitteeRow(*CommitteeRow.key(job.job_id, a.rank), data=json.dumps({
                "request_id": a.request_id, "family_id": a.family_id, "child_id": a.child_id,
                "child_first_name": first_names.get(a.request_id), "number": numbers.get(a.request_id),
                "rank": a.rank, "score": a.score, "asking": a.request_id in asking,
                "requested_at": names[a.request_id].requested_at,
                "parts": [{"criterion": k, "label": committee.CRITERIA_LABELS.get(k, k), "points": v}
                          for k, v in a.parts.items()],
                "answer": committee.answer(a.outcomes.values()),
                "elements": [element_row(ctx, a, k, elements[k]) for k in sorted(a.outcomes)]})))
    summary = {"children": len(allocations), "weights": weights, "partial_answers": partial,
               "places": places, "places_left": sum(remaining.values()),
               "free_where_waiting": committee.free_where_waiting(remaining, allocations, candidates),
               "answers": {k: sum(1 for a in allocations if committee.answer(a.outcomes.values()) == k)
                           for k in ("accepted", "partially_accepted", "waitlisted")}}
    job.update(actions=[CommitteeJob.status.set("simulated"), CommitteeJob.summary.set(json.dumps(summary))])


def rows(job_id: str, after_rank: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
    """The simulation's rows in rank order, from ``after_rank`` on (one Query, paged by DynamoDB)."""
    found = CommitteeRow.query(f"JOB#{job_id}", CommitteeRow.sk > CommitteeRow.key(job_id, after_rank)[1],
                               limit=limit)
    return [{**json.loads(r.data), "published": r.published} for r in found]


OUTCOME_LABELS = {"accepted": "Acceptée", "partial": "Partiellement acceptée", "waitlisted": "Liste d'attente"}
ANSWER_LABELS = {"accepted": "Acceptée", "partially_accepted": "Partiellement acceptée",
                 "waitlisted": "Sur liste d'attente", "refused": "Refusée"}


def ranking_csv(job: CommitteeJob) -> str:
    """The simulation's ranking as CSV for a spreadsheet (French Excel: ``;`` and a BOM): one line per
    child, in rank order, with the score's parts and each element's outcome and why it waits."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Rang", "N° demande", "Enfant", "Score", "Détail du score", "Décision par jour et plage",
                     "Réponse", "Date de la demande", "Publiée"])
    for row in rows(job.job_id):
        elements = []
        for e in row["elements"]:
            name = f"{answers.WEEKDAYS[e['weekday']]} {e['slot']}"
            if e["parity"] != "all":
                name += f" ({answers.PARITY_LABELS[e['parity']]})"
            told = f"{name} : {OUTCOME_LABELS.get(e['outcome'], e['outcome'])}"
            if e.get("outcome") == "partial":
                told += f" ({len(e.get('accepted_dates', []))} dates sur {e.get('dates')})"
            if e.get("reason"):
                told += f" – {e['reason']}"
            elements.append(told)
        writer.writerow([row["rank"], row.get("number") or "", _cell(row.get("child_first_name") or ""), row["score"],
                         " ; ".join(f"{p['label']} : {p['points']}" for p in row["parts"]),
                         " | ".join(elements), ANSWER_LABELS.get(row["answer"], row["answer"]),
                         (row.get("requested_at") or "")[:10], "Oui" if row["published"] else "Non"])
    return out.getvalue()


def _cell(text: str) -> str:
    """A spreadsheet never runs a cell typed by a family as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def publish(job: CommitteeJob, correlation_id: str, after_rank: int = 0) -> None:
    """Apply one page of the simulation, then queue the next page: each message stays short whatever the
    number of children. See :class:`Publication` for the writes; a row's family is told in the
    transaction that marks the row published, so a redelivered page never e-mails twice."""
    page = rows(job.job_id, after_rank, PAGE)
    todo = [row for row in page if not row["published"]]
    if todo:
        Publication(context(job.period_id), job.job_id, correlation_id).run(todo)
    last = page[-1]["rank"] if page else after_rank
    job.update(actions=[CommitteeJob.published.set(last)])
    if len(page) == PAGE:
        with transaction() as tx:
            tx.save(outbox.entry(Outbox, ev.CommitteeJobRequested(job_id=job.job_id, period_id=job.period_id,
                                                                   action="publish", after_rank=last,
                                                                   correlation_id=correlation_id)))
        return
    job.update(actions=[CommitteeJob.status.set("published")])


@dataclass
class _Planned:
    """A line's move decided by the committee: accepted (a place on its date) or sent to the waiting list."""

    line: ReservationLine
    rank: int
    accept: bool
    priority: int
    reason: str

    @property
    def cell(self) -> tuple[str, str]:
        return (self.line.date, self.line.slot_code)


class Publication:
    """A page of committee rows applied with few DynamoDB calls per child (issue 12: at most 6).

    Reads: the requests and the contacts of the page in two BatchGetItem, one Query of lines per child.
    Writes go through the lines' one writer (:class:`planning.line_store.UnitOfWork`: each line's
    conditional transition, the date's counter moved by the sum of its lines — conditional on the
    capacity —, the requests' status counts and waiting rank, all in one transaction). The moves of
    ``BLOCK`` children at a time are sorted by (date, slot), so one transaction holds many children's
    lines of the same dates with one counter update each: about 80 lines per 100 items instead of 50.
    Then the families are told, 25 per transaction. A transaction refused (a place taken or a line
    changed since the simulation) is planned again from what DynamoDB holds now — the period's counters
    (one Query) and those requests' lines: a changed line is left alone, a date short of places keeps
    its first-ranked lines and sends the others to the waiting list — and tried again. Places never
    exceed capacity; a redelivered page skips published rows and the conditions make the other writes
    harmless."""

    BLOCK = 8  # children whose moves share transactions (8 requests + ~10 counters + ~80 lines ≈ 100 items)
    ATTEMPTS = 5

    def __init__(self, ctx: Any, job_id: str, correlation_id: str) -> None:
        self.ctx, self.job_id, self.correlation_id = ctx, job_id, correlation_id
        self.requests: dict[str, ReservationRequest] = {}
        self.lines: dict[str, list[ReservationLine]] = {}

    def run(self, page: list[dict[str, Any]]) -> None:
        self.requests = {r.request_id: r for r in ReservationRequest.batch_get(
            [ReservationRequest.key(row["family_id"], row["request_id"]) for row in page])}
        contacts = {(v.family_id, v.child_id): v for v in Validation.batch_get(
            {Validation.key(r.family_id, r.structure_id, r.activity, r.child_id) for r in self.requests.values()})}
        self.lines = {rid: request_lines(r) for rid, r in self.requests.items()}
        touched: set[str] = set()
        for start in range(0, len(page), self.BLOCK):
            block = page[start:start + self.BLOCK]
            planned = self._plan(block)
            # Told: a request that had lines asked (pending) at the simulation — also when a first delivery
            # of this page wrote them and died before telling —, or that takes a place now. A request whose
            # waiting lines stay waiting changes nothing for the family.
            touched |= {row["request_id"] for row in block if row.get("asking", True)}
            touched |= {p.line.request_id for p in planned if p.accept}
            self._write(block, planned)
        self._tell(page, self.requests, contacts, self.lines, touched)

    def _plan(self, block: list[dict[str, Any]]) -> list[_Planned]:
        """The moves the rows ask for the lines still open (pending or waiting), in rank order; a date
        with more lines to accept than its slot's capacity keeps the first-ranked ones."""
        planned = []
        for row in block:
            request = self.requests.get(row["request_id"])
            if request is None:
                continue
            by_element = {(e["weekday"], e["slot_code"], e["parity"]): e for e in row["elements"]}
            pattern = json.loads(request.pattern or "[]")
            for line in self.lines[request.request_id]:
                element = by_element.get(answers.element_of(answers.like([line])[0], pattern))
                if element is None or line.status not in COMMITTEE_STATUSES:
                    continue  # not the committee's to answer (decided, cancelled, or asked since)
                accept = element["outcome"] == "accepted" or line.date in element.get("accepted_dates", ())
                planned.append(_Planned(line, row["rank"], accept, row["score"],
                                        "" if accept else element.get("reason") or decisions.FULL))
        return self._fit(planned, {cell: decisions.capacity_of(self.ctx, cell[1])
                                   for cell in {p.cell for p in planned}})

    @staticmethod
    def _fit(planned: list[_Planned], free: dict[tuple[str, str], int]) -> list[_Planned]:
        """Accept at most ``free[cell]`` lines per cell, the first ranked; the others wait (date full)."""
        for p in sorted(planned, key=lambda p: p.rank):
            if p.accept:
                if free.get(p.cell, 0) > 0:
                    free[p.cell] -= 1
                else:
                    p.accept, p.reason = False, decisions.FULL
        return planned

    def _write(self, block: list[dict[str, Any]], planned: list[_Planned]) -> None:
        """Pack the block's moves, sorted by (date, slot), into units of work of at most 100 items."""
        batch: list[_Planned] = []
        cells: set[tuple[str, str]] = set()
        requests: set[str] = set()
        for p in sorted(planned, key=lambda p: (p.cell, p.rank)):
            cost = 1 + (p.accept and p.cell not in cells) + (p.line.request_id not in requests)
            if len(batch) + len(cells) + len(requests) + cost > MAX_ITEMS:
                self._commit(batch)
                batch, cells, requests = [], set(), set()
            batch.append(p)
            requests.add(p.line.request_id)
            if p.accept:
                cells.add(p.cell)
        if batch:
            self._commit(batch)

    def _commit(self, batch: list[_Planned]) -> None:
        for _ in range(self.ATTEMPTS):
            uow = UnitOfWork(lambda slot: decisions.capacity_of(self.ctx, slot))
            for p in batch:
                if p.accept:
                    uow.move(p.line, Transition.ACCEPT)
                else:
                    uow.move(p.line, Transition.WAITLIST, reason=p.reason, priority=p.priority)
            try:
                uow.commit()
                return
            except StaleWrite:
                batch = self._replan(batch)
                if not batch:
                    return
        raise StaleWrite("committee publication: the same moves kept being refused")

    def _replan(self, batch: list[_Planned]) -> list[_Planned]:
        """The batch again from what is stored now: lines changed meanwhile are dropped (and their requests'
        lines kept fresh to tell the family), each date keeps only the places it has left."""
        taken = decisions.places_taken(self.ctx.period_id)
        fresh: dict[tuple[str, str, str], ReservationLine] = {}
        for request_id in {p.line.request_id for p in batch}:
            self.lines[request_id] = request_lines(self.requests[request_id])
            fresh.update({(ln.request_id, ln.date, ln.slot_code): ln for ln in self.lines[request_id]})
        kept = []
        for p in batch:
            line = fresh.get((p.line.request_id, p.line.date, p.line.slot_code))
            if line is not None and line.status in COMMITTEE_STATUSES:
                kept.append(_Planned(line, p.rank, p.accept, p.priority, p.reason))
        return self._fit(kept, {cell: decisions.capacity_of(self.ctx, cell[1]) - taken.get(cell, 0)
                                for cell in {p.cell for p in kept}})

    def _tell(self, page: list[dict[str, Any]], requests: dict[str, ReservationRequest],
              contacts: dict[tuple[str, str], Validation], lines: dict[str, list[ReservationLine]],
              touched: set[str]) -> None:
        """Tell each family whose request changed (a waiting line that stays waiting changes nothing) and
        mark every row published, 25 families per transaction; a batch that fails (a row told by another
        delivery meanwhile) goes family by family, skipping the ones already told."""
        told = []
        for row in page:
            request = requests.get(row["request_id"])
            steps = []
            if request is not None and request.request_id in touched:
                steps = decisions.announcement(self.ctx, request, lines[request.request_id],
                                               contacts.get((request.family_id, request.child_id)), "committee",
                                               "Réponse de la commission d'attribution", self.correlation_id)
            marker = CommitteeRow(*CommitteeRow.key(self.job_id, row["rank"]))

            def mark(tx: TransactWrite, marker: CommitteeRow = marker) -> None:
                tx.update(marker, actions=[CommitteeRow.published.set(True)],
                          condition=CommitteeRow.published.does_not_exist() | (CommitteeRow.published == False))  # noqa: E712

            steps.append(mark)
            told.append(steps)
        for start in range(0, len(told), TOLD_PER_TRANSACTION):
            chunk = told[start:start + TOLD_PER_TRANSACTION]
            try:
                _together([step for steps in chunk for step in steps])
            except TransactWriteError:
                for steps in chunk:
                    with contextlib.suppress(TransactWriteError):  # told by another delivery meanwhile
                        _together(steps)


def _together(steps: list[Any]) -> None:
    with transaction() as tx:
        for step in steps:
            step(tx)


def _claim_simulation(period_id: str, job_id: str) -> CommitteeJob:
    """Mark the job ``simulating`` and read it, in one conditional update (a retry after a crash finds it
    already simulating); NotFound when there is no such job to simulate."""
    job = CommitteeJob(*CommitteeJob.key(period_id, job_id))
    try:
        job.update(actions=[CommitteeJob.status.set("simulating")],
                   condition=CommitteeJob.status.is_in("queued", "simulating"))
    except UpdateError:
        raise NotFound("Cette simulation n'existe pas ou est déjà faite.") from None
    return job


def run(event: ev.CommitteeJobRequested) -> dict[str, Any]:
    try:
        job = (_claim_simulation(event.period_id, event.job_id) if event.action == "simulate"
               else get_job(event.period_id, event.job_id))
    except NotFound:
        return {"job_id": event.job_id, "outcome": "unknown_job"}  # nothing to retry: no such job, or done
    try:
        if event.action == "simulate":
            simulate(job)
        else:
            publish(job, event.correlation_id, event.after_rank)
    except Exception:
        job.update(actions=[CommitteeJob.status.set("failed")])
        raise
    return {"job_id": job.job_id, "action": event.action, "after_rank": event.after_rank}
