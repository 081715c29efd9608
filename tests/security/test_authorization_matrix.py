"""The authorization matrix (issue #10): every route of the four apps (read from their route table) × the 8
actors × the resources it can address — a child (or a family's document) that is the actor's own and ones
that are not. Staff scope is per child: a manager sees only the children, requests, documents and
pending changes of their structures' requests; a family only its own.

A cell is a leak when a refused actor gets a 2xx, or when any answer carries a marker string (medical
record, document name, allocataire number, e-mail, a child's name) of a child or family the actor may not
see. A cell is wrongly refused when an entitled actor gets 401/403/404 (or a GET is not 2xx; a public
POST only must not fail): the matrix must be able to tell both apart. A route without an entry in
``EXPECT`` fails the test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from shared.auth import Role
from tests.helpers import PASSWORD
from tests.planning.support import at
from tests.security.routes import ROUTES, Route
from tests.security.world import (
    ACTORS,
    CHILDREN,
    FAMILY_OF,
    FIRST_NAMES,
    NOW,
    PERIODS,
    SCHOOL,
    SEJOURS,
    STAFF,
    STRUCTURE_1,
    STRUCTURE_OF,
    World,
    child_body,
    decisions,
    enrolment_request,
    household,
    name_markers,
    planning_body,
    private_markers,
    profile,
)

Body = Callable[[World, str, str | None], Any]


@dataclass(frozen=True)
class Expect:
    """How a route addresses data, hence who may use it on which subject.

    ``public``: no token needed (capabilities such as a feed's secret included); ``any``: every role the
    route lists; ``self``: the caller's own data, no id given; ``admin``: the administrator only;
    ``list``: staff lists, optionally filtered by a structure; ``structure``: a structure, its periods or
    committee runs; ``family``: a family by its id; ``child``: a child, its request, document or change;
    ``own``: an id looked up only among the caller's own data (another's id finds nothing)."""

    kind: str
    body: Body | None = None
    only: tuple[str, ...] = ()  # the subjects the route can address, when not every child


def none(world: World, actor: str, subject: str | None) -> Any:
    return None


def const(value: Any) -> Body:
    return lambda world, actor, subject: value


def _family(actor: str) -> str:
    return "A" if actor != "family_b" else "B"


def _child(subject: str | None) -> str:
    return subject if subject in CHILDREN else "A1"


SEJOUR = {"structure_id": SEJOURS, "name": "Séjour montagne - Vosges", "start": "2027-07-12", "end": "2027-07-16",
          "places": 24, "age_min": 6, "age_max": 11, "booking_opens": "2026-11-01"}


def _booking(world: World, subject: str | None) -> dict[str, Any]:
    return planning_body(_child(subject), world.child_ids[_child(subject)])


EXPECT: dict[str, Expect] = {
    # accounts
    "GET /accounts/health": Expect("public"),
    "GET /accounts/me": Expect("self"),
    "GET /accounts/staff": Expect("admin"),
    "POST /accounts/email/change": Expect("self", lambda w, a, s: {"new_email": f"nouveau.{a}@matrice.example.fr",
                                                                    "password": PASSWORD}),
    "POST /accounts/email/confirm": Expect("public", const({"token": "jeton-inconnu-0123"})),
    "POST /accounts/login": Expect("public", const({"email": "personne@matrice.example.fr", "password": "x"})),
    "POST /accounts/logout": Expect("self"),
    "POST /accounts/password/change": Expect("self", const({"current_password": "Mauvais-Mot-De-Passe-1",
                                                            "new_password": "Nouveau-Mot-De-Passe-42"})),
    "POST /accounts/password/forgot": Expect("public", const({"email": "personne@matrice.example.fr"})),
    "POST /accounts/password/reset": Expect("public", const({"token": "jeton-inconnu-0123",
                                                             "new_password": "Nouveau-Mot-De-Passe-42"})),
    "POST /accounts/signup": Expect("public", const({})),
    "POST /accounts/staff": Expect("admin", lambda w, a, s: {
        "email": f"invite.{a}@matrice.example.fr", "civility": "Mme", "first_name": "Inès", "last_name": "Invitée",
        "role": "manager", "structures": [STRUCTURE_1]}),
    "POST /accounts/verify": Expect("public", const({"token": "jeton-inconnu-0123"})),
    "POST /accounts/verify/resend": Expect("public", const({"email": "personne@matrice.example.fr"})),
    # enrolment: the family's file
    "GET /enrolment/health": Expect("public"),
    "GET /enrolment/catalogue": Expect("any"),
    "GET /enrolment/documents/requirements": Expect("any"),
    "GET /enrolment/family": Expect("self"),
    "PUT /enrolment/family/profile": Expect("self", lambda w, a, s: profile(_family(a))),
    "PUT /enrolment/family/household": Expect("self", lambda w, a, s: household(_family(a))),
    "POST /enrolment/children": Expect("self", lambda w, a, s: child_body("B1" if a == "family_b" else "A1")),
    "PUT /enrolment/children/{child_id}": Expect("child", lambda w, a, s: child_body(_child(s))),
    "DELETE /enrolment/children/{child_id}": Expect("child"),
    "PUT /enrolment/children/{child_id}/school": Expect("child", const(SCHOOL)),
    "POST /enrolment/requests": Expect("child", lambda w, a, s: enrolment_request(_child(s), w.child_ids[_child(s)])),
    "GET /enrolment/requests/{request_id}/completeness": Expect("child"),
    "POST /enrolment/requests/{request_id}/submit": Expect("child"),
    "DELETE /enrolment/requests/{request_id}": Expect("child"),
    "POST /enrolment/documents": Expect("child", lambda w, a, s: {
        "type": "health_form", "filename": "fiche.pdf", "content_type": "application/pdf",
        "child_id": w.child_ids[_child(s)]}),
    "POST /enrolment/documents/{document_id}/confirm": Expect("child"),
    "GET /enrolment/documents/{document_id}/download": Expect("child"),
    "DELETE /enrolment/documents/{document_id}": Expect("child"),
    "GET /enrolment/editions": Expect("self"),
    "GET /enrolment/editions/health_form/{child_id}": Expect("child"),
    "GET /enrolment/editions/welcome_contract/{request_id}": Expect("child"),
    # enrolment: staff
    "GET /enrolment/staff/requests": Expect("list"),
    "GET /enrolment/staff/changes": Expect("self"),  # the caller's work list: no filter to point elsewhere
    "GET /enrolment/staff/families/{family_id}": Expect("family"),
    "GET /enrolment/staff/families/{family_id}/documents/{document_id}/download": Expect("child"),
    "POST /enrolment/staff/families/{family_id}/documents/{document_id}/review": Expect(
        "child", const({"decision": "accepted"})),
    "POST /enrolment/staff/families/{family_id}/changes/{change_id}/review": Expect(
        "child", const({"decision": "approved"})),
    "POST /enrolment/staff/requests/{request_id}/validate": Expect(
        "child", lambda w, a, s: {"family_id": w.family_ids[FAMILY_OF[_child(s)]]}),
    "POST /enrolment/staff/requests/{request_id}/return": Expect(
        "child", lambda w, a, s: {"family_id": w.family_ids[FAMILY_OF[_child(s)]], "message": "À compléter."}),
    # planning: the family
    "GET /planning/health": Expect("public"),
    "GET /planning/feeds/{name}": Expect("public"),
    "GET /planning/catalogue": Expect("any"),
    "GET /planning/calendar": Expect("any"),
    "GET /planning/validations": Expect("self"),
    "GET /planning/plannings": Expect("self"),
    "GET /planning/agenda": Expect("self"),
    "GET /planning/requests": Expect("self"),
    "GET /planning/feed": Expect("self"),
    "POST /planning/feed": Expect("self"),
    "DELETE /planning/feed": Expect("self"),
    "POST /planning/requests/preview": Expect("child", lambda w, a, s: _booking(w, s)),
    "POST /planning/requests": Expect("child", lambda w, a, s: _booking(w, s)),
    "GET /planning/requests/{request_id}": Expect("child"),
    "POST /planning/requests/{request_id}/lines": Expect("child", lambda w, a, s: {
        k: v for k, v in planning_body(_child(s), "").items() if k not in ("child_id", "period_id")}),
    "POST /planning/requests/{request_id}/cancel": Expect("child", const({"all": True, "preview": True})),
    "POST /planning/requests/{request_id}/offer": Expect("child", const({"accept": False})),
    # planning: catalogue and staff
    "PUT /planning/catalogue/structures/{structure_id}": Expect("structure", lambda w, a, s: {
        "name": "Structure", "commune": "Haguenau", "departement": "67", "zone": "B",
        "activities": [w.periods[PERIODS[STRUCTURE_OF[_child(s)]]]["activity"]]}),
    "POST /planning/catalogue/structures/{structure_id}/closures": Expect(
        "structure", lambda w, a, s: {"start": closure_day(a), "end": closure_day(a), "label": "Fermeture"}),
    "PUT /planning/catalogue/periods/{period_id}": Expect("structure", lambda w, a, s: {
        k: v for k, v in w.periods[PERIODS[STRUCTURE_OF[_child(s)]]].items() if k != "period_id"}),
    "PUT /planning/staff/periods/{period_id}/settings": Expect("structure", const({})),
    "GET /planning/staff/occupancy": Expect("structure"),
    "GET /planning/staff/board": Expect("structure"),
    "GET /planning/staff/requests": Expect("structure"),
    "GET /planning/staff/cancellations": Expect("structure"),
    "GET /planning/staff/waitlist": Expect("structure"),
    "POST /planning/staff/waitlist/promote": Expect(
        "structure", lambda w, a, s: {"period_id": PERIODS[STRUCTURE_OF[_child(s)]]}),
    "GET /planning/staff/requests/{family_id}/{request_id}": Expect("child"),
    "POST /planning/staff/requests/{family_id}/{request_id}/decide": Expect(
        "child", lambda w, a, s: {"elements": decisions(_child(s))}),
    "POST /planning/staff/requests/{family_id}/{request_id}/cancellations/confirm": Expect("child", const({})),
    "POST /planning/staff/families/{family_id}/flag": Expect("child", lambda w, a, s: {
        "child_id": w.child_ids[_child(s)], "structure_id": STRUCTURE_OF[_child(s)], "flag": True}),
    "GET /planning/staff/committee/criteria": Expect("any"),
    "PUT /planning/staff/committee/criteria": Expect("admin", const(
        {"sibling_enrolled": 30, "both_parents_working": 20, "resident": 10, "staff_flag": 40})),
    "GET /planning/staff/committee/{period_id}/jobs": Expect("structure"),
    "POST /planning/staff/committee/{period_id}/jobs": Expect("structure", const({})),
    "GET /planning/staff/committee/{period_id}/jobs/{job_id}": Expect("structure"),
    "POST /planning/staff/committee/{period_id}/jobs/{job_id}/publish": Expect("structure"),
    # back office (catalogue, territory, day lists and sheets, audit log)
    "GET /planning/staff/catalogue": Expect("self"),
    "PUT /planning/catalogue/sejours/{sejour_id}": Expect("structure", const(SEJOUR), only=("A2",)),
    "POST /planning/catalogue/sejours/{sejour_id}/archive": Expect("structure", const({"archived": False}),
                                                                  only=("A2",)),
    "POST /planning/catalogue/periods/{period_id}/archive": Expect("structure", const({"archived": False})),
    "POST /planning/catalogue/structures/{structure_id}/archive": Expect("structure", const({"archived": False})),
    "DELETE /planning/catalogue/structures/{structure_id}/closures/{start}": Expect("structure"),
    "DELETE /planning/catalogue/periods/{period_id}": Expect("structure"),
    "GET /planning/staff/daylist": Expect("structure"),
    "POST /enrolment/staff/day-sheet": Expect("child", lambda w, a, s: {
        "structure_id": STRUCTURE_OF[_child(s)],
        "children": [{"family_id": w.family_ids[FAMILY_OF[_child(s)]], "child_id": w.child_ids[_child(s)]}]}),
    "GET /enrolment/territory": Expect("any"),
    "PUT /enrolment/territory": Expect("admin", const({})),
    "GET /enrolment/staff/audit": Expect("admin"),
    "GET /enrolment/staff/families/{family_id}/audit": Expect("family"),
    "GET /enrolment/family/answers": Expect("self"),
    "GET /enrolment/family/answers/{request_id}": Expect("own"),
    "GET /planning/calendars": Expect("any"),
    "GET /planning/staff/committee/{period_id}/jobs/{job_id}/export": Expect("structure"),
    "PUT /accounts/staff/{account_id}": Expect("admin", const(
        {"civility": "Mme", "first_name": "Inès", "last_name": "Remplaçante", "role": "manager",
         "structures": [STRUCTURE_1]})),
    "POST /accounts/staff/{account_id}/deactivate": Expect("admin"),
    "POST /accounts/staff/{account_id}/reactivate": Expect("admin"),
    "POST /accounts/staff/{account_id}/invitation": Expect("admin"),
    # notifications
    "GET /notifications/health": Expect("public"),
}

DOCUMENT_ROUTES = ("{document_id}",)
FAMILY_SUBJECTS = ("A", "B")


def subjects(route: Route, expect: Expect) -> list[str | None]:
    """What a route can be pointed at: nothing (lists, the caller's own data) or each child — and, for
    document routes, each family's family-level documents."""
    kind = expect.kind
    if expect.only:
        return list(expect.only)
    if kind in ("self", "any", "admin") or (kind == "public" and not route.params):
        return [None]
    if kind == "list":
        return [None, *CHILDREN]
    if any(p in route.path for p in DOCUMENT_ROUTES):
        return [*CHILDREN, *FAMILY_SUBJECTS]
    return list(CHILDREN)


def closure_day(actor: str) -> str:
    """Each actor adds (then removes) a closure of its own, so one's removal leaves the other's."""
    return f"2027-08-{10 + ACTORS.index(actor):02d}"


def path_values(world: World, route: Route, subject: str, actor: str) -> dict[str, str]:
    family = subject if subject in FAMILY_SUBJECTS else FAMILY_OF[subject]
    child = _child(subject)
    planning_request = route.service == "planning" or "welcome_contract" in route.path
    values = {
        "child_id": world.child_ids[child],
        "family_id": world.family_ids[family],
        "request_id": (world.planning_requests if planning_request else world.enrolment_requests)[child],
        "document_id": world.documents[subject],
        "change_id": world.changes[child],
        "period_id": PERIODS[STRUCTURE_OF[child]],
        "structure_id": STRUCTURE_OF[child],
        "job_id": world.jobs[child],
        "name": world.feeds[family],
        "sejour_id": PERIODS[SEJOURS],
        "start": closure_day(actor),
    }
    return {p: values[p] for p in route.params}


def query(route: Route, subject: str | None) -> dict[str, str]:
    child = _child(subject)
    month = "2027-07" if child == "A2" else "2026-11"
    if subject is None:
        return {"month": month, "period_id": PERIODS[STRUCTURE_1], "period_ids": PERIODS[STRUCTURE_1]} \
            if route.service == "planning" else {}
    structure = STRUCTURE_OF[child]
    if route.service == "enrolment":
        return {"structure_id": structure}
    return {"structure_id": structure, "period_id": PERIODS[structure], "month": month,
            "date": "2027-07-12" if child == "A2" else "2026-11-16", "status": "all"}


def role_of(actor: str) -> Role | None:
    if actor == "anonymous":
        return None
    if actor.startswith("family"):
        return Role.FAMILY
    return Role(STAFF[actor][0])


def sees(actor: str, subject: str) -> bool:
    """Whether ``actor`` may see the child (or the family) ``subject``."""
    if actor == "admin":
        return True
    if actor.startswith("family"):
        family = subject if subject in FAMILY_SUBJECTS else FAMILY_OF[subject]
        return family == actor[-1].upper()
    if actor not in STAFF:
        return False
    structures = STAFF[actor][1]
    children = [subject] if subject in CHILDREN else [c for c in CHILDREN if FAMILY_OF[c] == subject]
    return any(STRUCTURE_OF[c] in structures for c in children)


def manages(actor: str, subject: str) -> bool:
    return actor == "admin" or (actor in STAFF and STRUCTURE_OF[_child(subject)] in STAFF[actor][1])


def allowed(route: Route, kind: str, actor: str, subject: str | None) -> bool:
    if kind == "public":
        return True
    role = role_of(actor)
    if role is None or role not in (route.roles or ()):
        return False
    if kind in ("self", "any", "own"):
        return True
    if kind == "admin":
        return actor == "admin"
    if subject is None:
        return kind == "list"
    if kind in ("list", "structure"):
        return manages(actor, subject)
    if kind == "family":
        return sees(actor, FAMILY_OF.get(subject, subject))
    return sees(actor, subject)


def forbidden_markers(actor: str) -> list[str]:
    hidden = [s for s in (*CHILDREN, *FAMILY_SUBJECTS) if not sees(actor, s)]
    return [m for s in hidden for m in (*private_markers(s), *name_markers(s))]


def order(route: Route) -> int:
    """Reads first; then changes; deletions; the child's deletion; what ends a session last."""
    if route.key in ("POST /accounts/password/change", "POST /accounts/logout"):
        return 5 if route.key.endswith("logout") else 4
    if route.method == "GET":
        return 0
    if route.method == "DELETE":
        return 3 if "/children/" in route.path else 2
    return 1


@dataclass
class Cell:
    route: Route
    actor: str
    subject: str | None
    allowed: bool

    def __str__(self) -> str:
        return f"{self.route.key} as {self.actor} on {self.subject or '-'}"


def cells() -> list[Cell]:
    found = [Cell(route, actor, subject, allowed(route, EXPECT[route.key].kind, actor, subject))
             for route in ROUTES if route.key in EXPECT
             for subject in subjects(route, EXPECT[route.key]) for actor in ACTORS]
    # Within each group, refusals first: an allowed change must not alter what a refused cell meets.
    return sorted(found, key=lambda c: (order(c.route), c.allowed, c.route.key))


def test_every_route_has_an_expectation() -> None:
    keys = {route.key for route in ROUTES}
    assert sorted(keys - set(EXPECT)) == [], "routes without an entry in the authorization matrix"
    assert sorted(set(EXPECT) - keys) == [], "entries of the matrix for routes that no longer exist"
    assert len(ROUTES) >= 101


def test_authorization_matrix(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    at(NOW)
    tried, leaks, refused, errors = 0, [], [], []
    for cell in cells():
        expect = EXPECT[cell.route.key]
        if cell.subject is None:  # only an admin route names an id without a subject: the spare staff account
            path = cell.route.url({p: world.spare_staff_id for p in cell.route.params})
        else:
            path = cell.route.url(path_values(world, cell.route, cell.subject, cell.actor))
        params = query(cell.route, cell.subject)
        if params:
            path += "?" + urlencode(params)
        body = (expect.body or none)(world, cell.actor, cell.subject)
        response = world.call(cell.route.method, path, cell.actor, body)
        tried += 1
        status, text = response.status_code, response.get_data().decode("utf-8", "replace")  # PDFs too
        # A public route's answer is its caller's (a feed's secret is the capability to read it).
        seen = [] if expect.kind == "public" else [m for m in forbidden_markers(cell.actor) if m in text]
        if status >= 500:
            errors.append(f"{cell}: {status}")
        if seen or (not cell.allowed and status < 300):
            leaks.append(f"{cell}: {status} {seen}")
        elif cell.allowed and ((cell.route.method == "GET" and status >= 300)
                               or (expect.kind != "public" and status in (401, 403, 404))):
            refused.append(f"{cell}: {status} {text[:160]}")
    with capsys.disabled():
        print(f"\nauthorization matrix: {len(ROUTES)} routes × {len(ACTORS)} actors, {tried} cells tried, "
              f"{len(leaks)} leaks, {len(refused)} wrongly refused, {len(errors)} errors ≥ 500")
    assert tried >= 1000
    assert (leaks, errors, refused) == ([], [], []), "\n".join(
        ["LEAKS:", *leaks, "ERRORS:", *errors, "WRONGLY REFUSED:", *refused])


def test_markers_are_distinct() -> None:
    """A marker of one subject never contains another subject's (the check would blame the wrong one)."""
    markers = {s: (*private_markers(s), *name_markers(s)) for s in (*CHILDREN, *FAMILY_SUBJECTS)}
    for subject, own in markers.items():
        for other, theirs in markers.items():
            if other != subject:
                assert not any(a in b for a in theirs for b in own), (subject, other)
    assert set(FIRST_NAMES) == set(CHILDREN)
