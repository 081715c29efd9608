"""DynamoDB requests per action: every family and staff action, its count, its floor and the ratio.

``python -m benchmarks.request_counts`` runs one realistic scenario in this process, on moto with the
infra template deployed (as the tests do) and the four services behind the local gateway, and prints a
Markdown table (stdout) that goes to benchmarks/README.md. It never measures time: counts are exact and
the same on any machine. Exit status 1 when an action exceeds ``RATIO_GOAL`` × its floor (the table says
which), 2 when the scenario itself failed.

Counting: ``botocore.endpoint.Endpoint.make_request`` is wrapped on the class (every client of the
process, boto3's and PynamoDB's, sends through it once per API call; retries happen inside it). A request
counts for an action when the calling thread is inside that action: the HTTP call for a route, or one
queue consumer's handler for an event (the scenario drains the queues itself, consumer by consumer; the
outbox relay's own requests are not counted to any action).

Floors: the fewest DynamoDB requests the action needs with the current data model — the items or
partitions it must read (one GetItem, or one Query per partition), plus one request for its writes (one
conditional write, or one transaction for state and outbox together, or ceil(n / 25) BatchWriteItem
calls, or ceil(n / 100) transactions). Each floor is written next to its action with its reason.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

RATIO_GOAL = 1.5
PREFIX = "portail-counts"
PERIOD = "periscolaire-2026-2027-schweighouse"
STRUCTURE = "acem-schweighouse"
GUIDE = [{"weekday": 0, "slot_code": "MIDI"}, {"weekday": 0, "slot_code": "SOIR"},
         {"weekday": 1, "slot_code": "MIDI"}, {"weekday": 3, "slot_code": "MIDI"}]
BOOKING_MOMENT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # inside the 2026 - 2027 booking window


class Failed(Exception):
    """The scenario did not run as expected."""


@dataclass
class Row:
    service: str
    who: str
    action: str
    floor: int
    why: str
    operations: Counter[str] = field(default_factory=Counter)
    per: int = 1  # rows of a job: its counts are shown per child

    @property
    def count(self) -> float:
        return round(sum(self.operations.values()) / self.per, 1)

    @property
    def ratio(self) -> float:
        return self.count / self.floor if self.floor else float(self.count or 1)


class Counting:
    """DynamoDB requests of the process, credited to the action the calling thread is in."""

    def __init__(self) -> None:
        self._scope = threading.local()
        self._lock = threading.Lock()

    def install(self) -> None:
        from botocore.endpoint import Endpoint

        original = Endpoint.make_request
        counting = self

        @functools.wraps(original)
        def make_request(endpoint: Any, operation_model: Any, request_dict: dict[str, Any]) -> Any:
            if operation_model.service_model.service_name == "dynamodb":
                row: Row | None = getattr(counting._scope, "row", None)
                if row is not None:
                    with counting._lock:
                        row.operations[operation_model.name] += 1
            return original(endpoint, operation_model, request_dict)

        Endpoint.make_request = make_request  # type: ignore[method-assign]

    @contextlib.contextmanager
    def inside(self, row: Row | None) -> Iterator[None]:
        previous = getattr(self._scope, "row", None)
        self._scope.row = row
        try:
            yield
        finally:
            self._scope.row = previous


class Scenario:
    """The stack of the tests (moto, the template, the gateway) and the table being filled."""

    def __init__(self, counting: Counting) -> None:
        from moto import mock_aws

        from infra import bootstrap
        from infra.local import dynamodb
        from infra.local.apps import load_apps

        self.counting = counting
        self.rows: list[Row] = []
        self._mock = mock_aws()
        self._mock.start()
        dynamodb.install()
        self.outputs = bootstrap.deploy(PREFIX)
        self.apps = load_apps()
        from werkzeug.test import Client

        from infra.local.gateway import Gateway

        self.http = Client(Gateway(self.apps))
        self.consumer_rows: dict[str, Row] = {}

    def close(self) -> None:
        self._mock.stop()

    # --- what tests/helpers.py expects of a stack ---

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        return self.http.open(path, method=method, data=data, headers=headers)

    def drain(self) -> int:
        """Relay and deliver until nothing moves; each consumer's requests go to its own row when asked."""
        from infra.local import workers

        total = 0
        for _ in range(60):
            moved = workers.relay_once()
            received = 0
            for app, source in workers.queue_sources(self.apps):
                with self.counting.inside(self.consumer_rows.get(source.name)):
                    received += workers.pump_queue(app, source, 0, retry_delay=0)
            total += received
            if not moved and not received:
                return total
        raise Failed("the stack did not settle")

    def mail(self) -> list[dict[str, Any]]:
        from infra.local import mailbox

        return mailbox.messages()

    def mail_to(self, address: str) -> list[dict[str, Any]]:
        return [m for m in self.mail() if m["to"] == address]

    # --- measuring ---

    def measure(self, service: str, who: str, action: str, floor: int, why: str, method: str, path: str,
                body: Any = None, token: str | None = None, expect: int = 200) -> Any:
        if token:  # the shared authorizer reads the session on every authenticated route (one BatchGetItem)
            floor, why = floor + 1, f"session (1) + {why}"
        row = Row(service, who, action, floor, why)
        with self.counting.inside(row):
            response = self.call(method, path, body, token)
        if response.status_code != expect and not (200 <= response.status_code < 300 and 200 <= expect < 300):
            raise Failed(f"{action}: {method} {path} answered {response.status_code}: "
                         f"{response.get_data(as_text=True)[:500]}")
        self.rows.append(row)
        return response.json

    @contextlib.contextmanager
    def consumers(self, rows: dict[str, Row]) -> Iterator[None]:
        """Credit the requests of the named queue consumers to ``rows`` while draining."""
        self.consumer_rows = rows
        try:
            yield
        finally:
            self.consumer_rows = {}
            self.rows.extend(rows.values())


# --- the scenario ---------------------------------------------------------------------------------------------

def accounts(s: Scenario) -> dict[str, Any]:
    from tests.helpers import PASSWORD, link_token, signup_body

    email = "claire.muller@example.fr"
    s.measure("accounts", "family", "Sign up (« Créer mon compte »)", 1,
              "one transaction: account, unique e-mail, confirmation token, outbox",
              "POST", "/api/accounts/signup", signup_body(email), expect=201)
    sent = Row("notifications", "event", "E-mail on an event (AccountCreated → confirmation)", 2,
               "claim the event (conditional put), mark it done (update)")
    with s.consumers({"notifications_events": sent}):
        s.drain()
    mail = [m for m in s.mail_to(email) if "/confirmer-email" in m["text"]][-1]
    token = link_token(mail["text"], "/confirmer-email")
    s.measure("accounts", "family", "Confirm the e-mail address", 2,
              "read the token (GetItem), one transaction: account active, token used",
              "POST", "/api/accounts/verify", {"token": token})
    logged = s.measure("accounts", "family", "Log in", 3,
                       "the e-mail's key item and the account (2 GetItem), the session (PutItem)",
                       "POST", "/api/accounts/login", {"email": email, "password": PASSWORD})
    family = logged["access_token"]
    s.measure("accounts", "family", "Mon compte (GET /me)", 1, "the account (GetItem)",
              "GET", "/api/accounts/me", token=family)
    s.measure("accounts", "family", "Change the password", 2,
              "the account (GetItem), one transaction: new hash, sessions ended (generation)",
              "POST", "/api/accounts/password/change",
              {"current_password": PASSWORD, "new_password": "Brioche-Chocolat-43"}, token=family)
    s.measure("accounts", "family", "Forgotten password (request a link)", 2,
              "read the account by e-mail, one transaction: reset token, outbox",
              "POST", "/api/accounts/password/forgot", {"email": email}, expect=202)
    s.drain()
    logged = s.call("POST", "/api/accounts/login", {"email": email, "password": "Brioche-Chocolat-43"})
    if logged.status_code != 200:
        raise Failed(f"login after the password change: {logged.json}")
    family = logged.json["access_token"]
    s.measure("accounts", "family", "Log out", 1, "end the session (UpdateItem or DeleteItem)",
              "POST", "/api/accounts/logout", token=family, expect=204)
    logged = s.call("POST", "/api/accounts/login", {"email": email, "password": "Brioche-Chocolat-43"})
    family, family_id = logged.json["access_token"], logged.json["account"]["account_id"]

    from accounts import schemas, service

    service.create_staff(schemas.StaffCreate(email="admin@asso.fr", civility="Mme", first_name="Camille",
                                             last_name="Martin", role="admin", structures=[]), "bench",
                         password=PASSWORD)
    admin = s.call("POST", "/api/accounts/login",
                   {"email": "admin@asso.fr", "password": PASSWORD}).json["access_token"]
    s.measure("accounts", "admin", "Create a staff account (invitation)", 1,
              "one transaction: account, unique e-mail, invitation token, outbox",
              "POST", "/api/accounts/staff", {"email": "responsable@asso.fr", "civility": "Mme", "first_name": "Julie",
                                              "last_name": "Schmitt", "role": "manager",
                                              "structures": [STRUCTURE, "acem-haguenau-mercredi"]},
              token=admin, expect=201)
    s.measure("accounts", "admin", "List staff accounts", 1, "one Query (staff index)",
              "GET", "/api/accounts/staff", token=admin)
    service.create_staff(schemas.StaffCreate(email="julie@asso.fr", civility="Mme", first_name="Julie",
                                             last_name="Schmitt", role="manager",
                                             structures=[STRUCTURE, "acem-haguenau-mercredi"]), "bench",
                         password=PASSWORD)
    manager = s.call("POST", "/api/accounts/login",
                     {"email": "julie@asso.fr", "password": PASSWORD}).json["access_token"]
    return {"family": family, "family_id": family_id, "email": email, "admin": admin, "manager": manager,
            "password": "Brioche-Chocolat-43"}


def enrolment(s: Scenario, who: dict[str, Any]) -> dict[str, Any]:
    from tests.enrolment.support import HOUSEHOLD, PROFILE, child, upload

    family, manager, family_id = who["family"], who["manager"], who["family_id"]
    s.measure("enrolment", "family", "Mon espace personnel (GET /family)", 1,
              "the family's partition (one Query)", "GET", "/api/enrolment/family", token=family)
    s.measure("enrolment", "family", "Save « Mon profil »", 2,
              "the family's partition (one Query), one write (or one transaction with its outbox)",
              "PUT", "/api/enrolment/family/profile", PROFILE, token=family)
    s.measure("enrolment", "family", "Save « Mon foyer »", 2, "read the file, one write",
              "PUT", "/api/enrolment/family/household", HOUSEHOLD, token=family)
    created = s.measure("enrolment", "family", "Add a child", 2, "read the file, one write",
                        "POST", "/api/enrolment/children", child(), token=family, expect=201)
    child_id = created["child_id"]
    s.measure("enrolment", "family", "Save a child's school", 2, "read the file, one write",
              "PUT", f"/api/enrolment/children/{child_id}/school",
              {"school_id": "schweighouse-elementaire", "school_name": "École élémentaire de Schweighouse-sur-Moder",
               "class_level": "CP", "school_year": "2026-2027"}, token=family)
    s.measure("enrolment", "family", "Edit a child", 2, "read the file, one write",
              "PUT", f"/api/enrolment/children/{child_id}", child(first_name="Léa"), token=family)
    s.measure("enrolment", "family", "Catalogue of structures", 1, "one Query (catalogue partition)",
              "GET", "/api/enrolment/catalogue", token=family)
    request = s.measure("enrolment", "family", "Ask for a pre-enrolment (périscolaire, two structures)", 2,
                        "read the file, one write", "POST", "/api/enrolment/requests",
                        {"kind": "periscolaire", "child_id": child_id, "structure_id": STRUCTURE,
                         "desired_start": "2027-01-04", "wednesday_structure_id": "acem-haguenau-mercredi"},
                        token=family, expect=201)
    request_id = request["request_id"]
    s.measure("enrolment", "family", "What is missing (completeness)", 1, "the family's partition (one Query)",
              "GET", f"/api/enrolment/requests/{request_id}/completeness", token=family)
    documents = [upload(s, family, doc_type, child_id if per_child else None)
                 for doc_type, per_child in (("vaccinations", True), ("health_form", True), ("insurance", False),
                                             ("mandatory_proofs", False))]
    started = s.measure("enrolment", "family", "Upload a document (presigned POST)", 1,
                        "one write (the pending document)", "POST", "/api/enrolment/documents",
                        {"type": "caf_quotient", "filename": "caf.pdf", "content_type": "application/pdf"},
                        token=family, expect=201)
    extra = started["document"]["document_id"]
    s.measure("enrolment", "family", "Delete a document", 2, "read it (GetItem), delete it (conditional)",
              "DELETE", f"/api/enrolment/documents/{extra}", token=family)
    s.measure("enrolment", "family", "Submit the request", 2, "read the file, one transaction (request, outbox)",
              "POST", f"/api/enrolment/requests/{request_id}/submit", token=family)
    s.drain()
    s.measure("enrolment", "staff", "Pre-enrolment requests (staff queue)", 1, "one Query per structure index page",
              "GET", f"/api/enrolment/staff/requests?structure_id={STRUCTURE}", token=manager)
    s.measure("enrolment", "staff", "Read a family file (staff)", 1, "the family's partition (one Query)",
              "GET", f"/api/enrolment/staff/families/{family_id}", token=manager)
    s.measure("enrolment", "staff", "Open a document (download link)", 1, "the document (GetItem)",
              "GET", f"/api/enrolment/staff/families/{family_id}/documents/{documents[0]}/download", token=manager)
    for index, document_id in enumerate(documents):
        if index == 0:
            s.measure("enrolment", "staff", "Accept a document", 2,
                      "the family's partition (one Query), one conditional write",
                      "POST", f"/api/enrolment/staff/families/{family_id}/documents/{document_id}/review",
                      {"decision": "accepted"}, token=manager)
        else:
            s.call("POST", f"/api/enrolment/staff/families/{family_id}/documents/{document_id}/review",
                   {"decision": "accepted"}, token=manager)
    s.measure("enrolment", "staff", "Validate the family file", 2,
              "the family's partition (one Query), one transaction (request, validation, outbox)",
              "POST", f"/api/enrolment/staff/requests/{request_id}/validate", {"family_id": family_id}, token=manager)
    validated = Row("planning", "event", "FamilyValidated → planning's read model (2 events: one per structure)",
                    4, "per event: claim the event, one transaction (validation, done)")
    with s.consumers({"planning_events": validated}):
        s.drain()
    changed = dict(PROFILE, profession="Sage-femme")
    s.measure("enrolment", "family", "Change the profile after validation (pending change)", 2,
              "read the file, one transaction (pending change, outbox)",
              "PUT", "/api/enrolment/family/profile", changed, token=family)
    s.drain()
    changes = s.measure("enrolment", "staff", "Pending changes (staff)", 1, "one Query (index of pending changes)",
                        "GET", "/api/enrolment/staff/changes", token=manager)["items"]
    if changes:
        change = changes[0]
        s.measure("enrolment", "staff", "Approve a pending change", 2,
                  "the family's partition (one Query), one transaction",
                  "POST", f"/api/enrolment/staff/families/{change['family_id']}/changes/{change['change_id']}/review",
                  {"decision": "approved"}, token=manager)
    s.measure("enrolment", "family", "Mes éditions (list)", 1, "the family's partition (one Query)",
              "GET", "/api/enrolment/editions", token=family)
    return {"child_id": child_id}


def planning(s: Scenario, who: dict[str, Any]) -> None:
    from shared import clock

    clock.reset()
    clock.travel(BOOKING_MOMENT - clock.now())
    relog = {k: s.call("POST", "/api/accounts/login", {"email": e, "password": p}).json["access_token"]
             for k, e, p in (("family", who["email"], who["password"]),
                             ("manager", "julie@asso.fr", "Tartine-Confiture-42"),
                             ("admin", "admin@asso.fr", "Tartine-Confiture-42"))}
    family, manager, admin = relog["family"], relog["manager"], relog["admin"]
    family_id, child_id = who["family_id"], who["child_id"]
    s.measure("planning", "family", "Mon planning: validations", 1, "the family's validations (one Query)",
              "GET", "/api/planning/validations", token=family)
    s.measure("planning", "family", "Catalogue (periods, slots)", 1, "one Query (catalogue partition)",
              "GET", "/api/planning/catalogue", token=family)
    s.measure("planning", "family", "Mes plannings", 1, "the family's partition (one Query)",
              "GET", "/api/planning/plannings", token=family)
    body = {"child_id": child_id, "period_id": PERIOD, "selection": GUIDE}
    preview = s.measure("planning", "family", "Preview the year (« Suivant »)", 2,
                        "catalogue, the family's partition (validations and requests): 2 Queries (decision 53)",
                        "POST", "/api/planning/requests/preview", body, token=family)
    lines = len(preview["lines"])
    created = s.measure("planning", "family", f"Submit the guide's year (« Valider », {lines} lines)",
                        3 + math.ceil(lines / 100),
                        "catalogue, the family's partition (2 Queries), request number (update), lines, request "
                        f"and outbox in ceil({lines} / 100) transactions",
                        "POST", "/api/planning/requests", body,
                        token=family, expect=201)
    request_id = created["request_id"]
    s.drain()
    s.measure("planning", "family", "Historique (my requests)", 1, "the family's requests (one Query)",
              "GET", "/api/planning/requests", token=family)
    # Lines live in the family's month partitions (decision 15: a month view is one Query), so a request's
    # lines are another read (its gsi2 index) than the request itself.
    s.measure("planning", "family", "One request with its lines", 2,
              "the request (GetItem) and its lines (one Query of its index)",
              "GET", f"/api/planning/requests/{request_id}", token=family)
    s.measure("planning", "family", "Month agenda", 1, "the family's month (one Query)",
              "GET", "/api/planning/agenda?month=2026-09", token=family)
    s.measure("planning", "family", "Add slots to the year (« Ajouter »)",
              4, "catalogue and the family's partition (2 Queries), the request (GetItem), ~36 lines, "
              "request and outbox in one transaction", "POST", f"/api/planning/requests/{request_id}/lines",
              {"selection": [{"weekday": 4, "slot_code": "MIDI"}]}, token=family)
    s.drain()
    view = s.call("GET", f"/api/planning/requests/{request_id}", None, family).json
    first = [ln for ln in view["lines"] if ln["status"] == "pending"][-1]
    # The line's key needs the child, which the request gives (with the family's contact for the e-mail).
    s.measure("planning", "family", "Ask to cancel one line", 3,
              "the request with the family's contact (one Query), the line (GetItem), one conditional "
              "transaction (line, request counts, outbox)",
              "POST", f"/api/planning/requests/{request_id}/cancel",
              {"lines": [{"date": first["date"], "slot_code": first["slot_code"]}]}, token=family)
    s.drain()
    feed = s.measure("planning", "family", "Create the iCalendar feed", 1, "one conditional write",
                     "POST", "/api/planning/feed", token=family, expect=201)
    s.measure("planning", "family", "Read the feed's address", 1, "one GetItem", "GET", "/api/planning/feed",
              token=family)
    name = feed.get("url", "").rsplit("/", 1)[-1]
    for _ in range(10):  # shared.http's PATH_PARAM refuses a name starting with « _ » or « - » (reported)
        if not name or name[0].isalnum():
            break
        s.call("DELETE", "/api/planning/feed", None, family)
        name = s.call("POST", "/api/planning/feed", None, family).json.get("url", "").rsplit("/", 1)[-1]
    if name:
        s.measure("planning", "calendar app", "Fetch the iCalendar feed", 2,
                  "the feed (GetItem), its lines (one Query)", "GET", f"/api/planning/feeds/{name}")
    s.measure("planning", "family", "Revoke the feed", 1, "one delete", "DELETE", "/api/planning/feed", token=family)

    s.measure("planning", "staff", "Réponses aux demandes (queue, one page)", 1, "one Query (structure index page)",
              "GET", f"/api/planning/staff/requests?structure_id={STRUCTURE}", token=manager)
    s.measure("planning", "staff", "Open a request (staff)", 2,
              "the request with its family's partition (one Query), its lines (one Query of its index)",
              "GET", f"/api/planning/staff/requests/{family_id}/{request_id}", token=manager)
    s.measure("planning", "staff", "Annulations demandées", 1, "one Query (index page)",
              "GET", f"/api/planning/staff/cancellations?structure_id={STRUCTURE}", token=manager)
    s.measure("planning", "staff", "Confirm the cancellation", 2,
              "the request's lines (one Query), one transaction (lines, counters, outbox)",
              "POST", f"/api/planning/staff/requests/{family_id}/{request_id}/cancellations/confirm", {},
              token=manager)
    decided = Row("planning", "staff", f"Decide the full year (accept all, {lines + 36} lines)", 0, "")
    with s.counting.inside(decided):
        answer = s.call("POST", f"/api/planning/staff/requests/{family_id}/{request_id}/decide",
                        {"elements": [{**e, "decision": "accepted"} for e in GUIDE]
                         + [{"weekday": 4, "slot_code": "MIDI", "decision": "accepted"}]}, manager)
    if answer.status_code != 200:
        raise Failed(f"decide: {answer.status_code} {answer.json}")
    decided_lines = len(answer.json.get("lines", [])) or lines
    decided.floor = 3 + math.ceil(decided_lines / 50)
    decided.why = (f"session (1) + the request's lines (one Query), period counters (one Query), "
                   f"ceil({decided_lines} / 50) transactions (a line and its date's counter: 2 items each)")
    s.rows.append(decided)
    s.drain()
    s.measure("planning", "staff", "Liste d'attente", 1, "one Query (index page)",
              "GET", f"/api/planning/staff/waitlist?structure_id={STRUCTURE}", token=manager)
    s.measure("planning", "staff", "Places par jour (a month)", 1, "the structure's month counters (one Query)",
              "GET", f"/api/planning/staff/occupancy?structure_id={STRUCTURE}&date=2026-09-07", token=manager)
    s.measure("planning", "staff", "Tableau de bord (board)", 1, "one Query", "GET",
              f"/api/planning/staff/board?structure_id={STRUCTURE}&period_id={PERIOD}&month=2026-09", token=manager)
    s.measure("planning", "staff", "Period settings", 2, "read the period (GetItem), one conditional write",
              "PUT", f"/api/planning/staff/periods/{PERIOD}/settings",
              {"decision_mode": "manual", "waitlist_mode": "auto", "auto_confirm_cancellations": False,
               "offer_reply_days": 0, "capacities": {"MATIN": 30, "MIDI": 60, "SOIR": 40}}, token=manager)
    s.measure("planning", "staff", "Add a closure", 2, "read the closures (GetItem), one write (with its outbox)",
              "POST", f"/api/planning/catalogue/structures/{STRUCTURE}/closures",
              {"start": "2027-05-12", "end": "2027-05-12", "label": "Journée pédagogique"}, token=manager, expect=201)
    s.measure("planning", "staff", "Committee criteria", 1, "one GetItem",
              "GET", "/api/planning/staff/committee/criteria", token=manager)
    committee(s, admin, manager)


def committee(s: Scenario, admin: str, manager: str) -> None:
    from tests.planning.support import validated_family

    children = 6
    for n in range(children):
        token, _ = validated_family(s, f"comite{n}@example.fr", [(STRUCTURE, "periscolaire")], f"c-{n}", f"Enfant{n}")
        created = s.call("POST", "/api/planning/requests", {"child_id": f"c-{n}", "period_id": PERIOD,
                                                            "selection": GUIDE[:2]}, token)
        if created.status_code != 201:
            raise Failed(f"committee request: {created.json}")
    s.drain()
    job = s.measure("planning", "committee", "Start a committee simulation", 1, "one transaction (job, outbox)",
                    "POST", f"/api/planning/staff/committee/{PERIOD}/jobs", {"keep_siblings_together": True},
                    token=manager, expect=202)
    simulation = Row("planning", "event", f"Committee simulation job ({children + 1} children, per child)", 0, "")
    with s.consumers({"planning_events": simulation}):
        s.drain()
    path = f"/api/planning/staff/committee/{PERIOD}/jobs/{job['job_id']}"
    view = s.measure("planning", "committee", "Read a simulation (one page of rows)", 2,
                     "the job (GetItem), its rows (one Query)", "GET", path, token=manager)
    if view["status"] != "simulated":
        raise Failed(f"the simulation did not finish: {view['status']}")
    s.measure("planning", "committee", "Publish the answers", 2,
              "read the job, one conditional transaction (status, outbox)",
              "POST", f"{path}/publish", {}, token=manager, expect=202)
    publication = Row("planning", "event", "Committee publication (per child)", 6,
                      "the committee engineer's goal: ≤ 6 calls a child")
    with s.consumers({"planning_events": publication}):
        s.drain()
    rows = int(s.call("GET", path, None, manager).json.get("published_rows") or children + 1)
    publication.per = simulation.per = rows
    publication.action = f"Committee publication, per child ({rows} children; operations: totals)"
    simulation.floor = 1
    simulation.why = "the period's requests and lines are read by pages shared by all children: < 1 a child"
    simulation.action = f"Committee simulation, per child ({rows} children; operations: totals)"


# --- report ---------------------------------------------------------------------------------------------------

def table(rows: list[Row]) -> tuple[str, bool]:
    out = ["| service | who | action | DynamoDB requests | floor | ratio | requests by operation | floor's reason |",
           "|---|---|---|---:|---:|---:|---|---|"]
    ok = True
    for row in rows:
        over = row.ratio > RATIO_GOAL
        ok &= not over
        ops = ", ".join(f"{op} {n}" for op, n in sorted(row.operations.items())) or "none"
        out.append(f"| {row.service} | {row.who} | {row.action} | {row.count:g} | {row.floor} | "
                   f"{row.ratio:.1f}×{' ⚠' if over else ''} | {ops} | {row.why} |")
    within = sum(1 for r in rows if r.ratio <= RATIO_GOAL)
    out.append("")
    out.append(f"{within} of {len(rows)} actions within {RATIO_GOAL}× their floor; ⚠ marks the others.")
    return "\n".join(out), ok


def main() -> int:
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "eu-west-3",
                       "PORTAIL_PREFIX": PREFIX, "PORTAIL_PUBLIC_URL": "http://portail.bench",
                       "PORTAIL_TOKEN_SECRET": "request-counts-secret-0123456789-0123456789"})
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    import logging

    logging.basicConfig(level=logging.ERROR)
    counting = Counting()
    counting.install()
    scenario = Scenario(counting)
    from planning import catalogue
    from shared import clock

    try:
        catalogue.seed_demo()
        scenario.drain()
        who = accounts(scenario)
        who.update(enrolment(scenario, who))
        planning(scenario, who)
        text, ok = table(scenario.rows)
        print(text, flush=True)
        return 0 if ok else 1
    except Failed as failure:
        print(f"Scenario failed: {failure}", file=sys.stderr, flush=True)
        text, _ = table(scenario.rows)
        print(text, file=sys.stderr, flush=True)
        return 2
    finally:
        clock.reset()
        scenario.close()


if __name__ == "__main__":
    sys.exit(main())
