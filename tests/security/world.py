"""A small world for the authorization matrix and the fuzzer, built only through the public routes and the
event path: two families, three children, eight actors, every kind of resource a route can address.

Family A has two children: Anatole (périscolaire at Schweighouse, structure 1) and Apolline (a séjour,
the coordinator's). Family B has Bertille (crèche Les Lutins, structure 2). Each child and family carries
marker strings (medical details, document names, e-mail…) so a response can be searched for data its
reader must not see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests as http

from tests.enrolment.support import PDF
from tests.helpers import confirmed_family, seed_catalogue, staff_token
from tests.planning.support import at

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # the séjours open their bookings on 1 November
STRUCTURE_1, STRUCTURE_2, SEJOURS = "acem-schweighouse", "creche-les-lutins", "sejours"
PERIODS = {STRUCTURE_1: "periscolaire-2026-2027-schweighouse", STRUCTURE_2: "creche-2026-2027-bischwiller",
           SEJOURS: "sejour-vosges-2027"}
ACTORS = ("anonymous", "family_a", "family_b", "manager_1", "manager_2", "coordinator", "committee", "admin")
CHILDREN = ("A1", "A2", "B1")
FAMILY_OF = {"A1": "A", "A2": "A", "B1": "B"}
STRUCTURE_OF = {"A1": STRUCTURE_1, "A2": SEJOURS, "B1": STRUCTURE_2}
FIRST_NAMES = {"A1": "Anatole", "A2": "Apolline", "B1": "Bertille"}
LAST_NAMES = {"A": "Aubertin", "B": "Bernardi"}
EMAILS = {"A": "famille.aubertin@matrice.example.fr", "B": "famille.bernardi@matrice.example.fr"}
STAFF = {"manager_1": ("manager", [STRUCTURE_1]), "manager_2": ("manager", [STRUCTURE_2]),
         "coordinator": ("coordinator", [SEJOURS]), "committee": ("committee", [STRUCTURE_1]),
         "admin": ("admin", [])}
DOCUMENTS = {"periscolaire": ("vaccinations", "health_form", "insurance", "mandatory_proofs"),
             "creche": ("vaccinations", "health_form", "insurance", "caf_quotient", "mandatory_proofs"),
             "sejour": ("vaccinations", "health_form", "insurance", "caf_quotient", "rgpd_charter", "news_charter")}
CHILD_DOCUMENTS = ("vaccinations", "health_form")
KIND_OF = {"A1": "periscolaire", "A2": "sejour", "B1": "creche"}


def private_markers(subject: str) -> tuple[str, ...]:
    """Strings only the subject's readers may see: a child's medical record, people and documents, or a
    family's contact, allocataire number and family-level documents."""
    if subject in CHILDREN:
        name = FIRST_NAMES[subject]
        return (f"Allergie-{name}-Kiwi", f"Traitement-{name}-Sirop", f"Gardien-{name}", f"Dr {name}-Medecin",
                f"vaccinations-{name}.pdf", f"health_form-{name}.pdf", f"Allergie-{name}-Nouvelle")
    return (EMAILS[subject], f"CAF{subject}77310", f"Conjoint{subject.lower()}", f"Profession-{subject}-Marq",
            f"insurance-{subject}.pdf", f"caf_quotient-{subject}.pdf")


def name_markers(subject: str) -> tuple[str, ...]:
    """A child's first name or a family's name: what a list of requests shows its staff."""
    return (FIRST_NAMES[subject],) if subject in CHILDREN else (LAST_NAMES[subject],)


def profile(family: str) -> dict[str, Any]:
    return {"civility": "Mme", "last_name": LAST_NAMES[family], "first_name": "Claire",
            "address": {"line1": "3 rue des Tilleuls", "line2": "", "postal_code": "67590",
                        "city": "Schweighouse-sur-Moder"},
            "mobile_phone": "06 12 34 56 78", "profession": f"Profession-{family}-Marq", "employer": "CH",
            "work_phone": "03 88 06 30 00"}


def household(family: str) -> dict[str, Any]:
    return {"spouse": {"civility": "M.", "last_name": LAST_NAMES[family], "first_name": f"Conjoint{family.lower()}",
                       "mobile_phone": "0711223344", "profession": "Menuisier"},
            "billing": {"name": f"Claire {LAST_NAMES[family]}", "address": profile(family)["address"]},
            "allocataire": {"regime": "CAF", "number": f"CAF{family}77310"},
            "quotient": {"value": 850, "date": "2026-01-15"}, "other_children": []}


def child_body(child: str, allergies: str | None = None) -> dict[str, Any]:
    name = FIRST_NAMES[child]
    birth = {"A1": "2018-04-02", "A2": "2017-09-12", "B1": "2025-01-10"}[child]
    body: dict[str, Any] = {
        "last_name": LAST_NAMES[FAMILY_OF[child]], "first_name": name, "sex": "F", "birth_date": birth,
        "medical": {"doctor_name": f"Dr {name}-Medecin", "doctor_phone": "03 88 73 00 00",
                    "vaccinations": [{"name": "DTP", "date": "2025-06-01"}],
                    "allergies": allergies or f"Allergie-{name}-Kiwi", "diet": "", "pai": True,
                    "treatments": f"Traitement-{name}-Sirop", "notes": ""},
        "authorisations": {"photos": True, "leave_alone": False, "transport": True, "emergency_care": True},
        "authorised_persons": [{"name": f"Gardien-{name}", "relationship": "Grand-mère", "phone": "0699887766"}],
    }
    if KIND_OF[child] == "periscolaire":
        body["school"] = SCHOOL
    return body


SCHOOL = {"school_id": "schweighouse-elementaire", "school_name": "École élémentaire de Schweighouse-sur-Moder",
          "class_level": "CE1", "school_year": "2026-2027"}


def enrolment_request(child: str, child_id: str) -> dict[str, Any]:
    kind = KIND_OF[child]
    if kind == "periscolaire":
        return {"kind": kind, "child_id": child_id, "structure_id": STRUCTURE_1, "desired_start": "2026-09-07"}
    if kind == "creche":
        return {"kind": kind, "child_id": child_id, "structure_id": STRUCTURE_2, "desired_start": "2026-09-07",
                "weekly_programme": [{"weekday": 0, "arrival": "08:00", "departure": "17:00"}]}
    return {"kind": kind, "child_id": child_id, "sejour_ids": [PERIODS[SEJOURS]]}


def planning_body(child: str, child_id: str) -> dict[str, Any]:
    if child == "A2":
        return {"child_id": child_id, "period_id": PERIODS[SEJOURS], "first_day_slots": ["SEJOUR"]}
    slot = {"A1": "MIDI", "B1": "MATIN"}[child]
    return {"child_id": child_id, "period_id": PERIODS[STRUCTURE_OF[child]],
            "selection": [{"weekday": 0, "slot_code": slot}]}


def decisions(child: str) -> list[dict[str, Any]]:
    """Accept every element the child's planning request asks."""
    if child == "A2":
        return [{"weekday": day, "slot_code": "SEJOUR", "decision": "accepted"} for day in range(5)]
    return [{"weekday": 0, "slot_code": {"A1": "MIDI", "B1": "MATIN"}[child], "decision": "accepted"}]


@dataclass
class World:
    stack: Any
    tokens: dict[str, str | None] = field(default_factory=dict)
    family_ids: dict[str, str] = field(default_factory=dict)  # "A" / "B" -> family id
    child_ids: dict[str, str] = field(default_factory=dict)  # "A1" -> child id
    enrolment_requests: dict[str, str] = field(default_factory=dict)  # child -> pre-enrolment request id
    planning_requests: dict[str, str] = field(default_factory=dict)  # child -> planning request id
    documents: dict[str, str] = field(default_factory=dict)  # child or family -> a document id of it
    changes: dict[str, str] = field(default_factory=dict)  # child -> pending change id
    jobs: dict[str, str] = field(default_factory=dict)  # child -> committee job of the child's period
    feeds: dict[str, str] = field(default_factory=dict)  # family -> feed secret (file name)
    periods: dict[str, dict[str, Any]] = field(default_factory=dict)  # period id -> catalogue entry

    def call(self, method: str, path: str, actor: str, body: Any = None, raw: bytes | None = None) -> Any:
        # As the portal asks: JSON, or the PDF of « Mes éditions » (binary answers need their type accepted).
        return self.stack.call(method, path, body, token=self.tokens.get(actor), raw=raw,
                               headers={"Accept": "application/json, application/pdf"})

    def ok(self, method: str, path: str, actor: str, body: Any = None, status: int = 200) -> Any:
        response = self.call(method, path, actor, body)
        assert response.status_code == status, (method, path, response.status_code, response.get_data()[:500])
        return response.json


def _upload(world: World, actor: str, doc_type: str, filename: str, child_id: str | None) -> str:
    body = {"type": doc_type, "filename": filename, "content_type": "application/pdf"}
    if child_id:
        body["child_id"] = child_id
    started = world.ok("POST", "/api/enrolment/documents", actor, body, status=201)
    upload = started["upload"]
    sent = http.post(upload["url"], data=upload["fields"], files={"file": (filename, PDF, "application/pdf")},
                     timeout=30)
    assert sent.status_code in (200, 201, 204), sent.text
    document_id = started["document"]["document_id"]
    world.ok("POST", f"/api/enrolment/documents/{document_id}/confirm", actor)
    return str(document_id)


def build(stack: Any) -> World:
    """Everything through HTTP and events: signup, family files, requests, documents, validation by
    admin (so the world does not depend on staff scope rules), planning requests, a decision, pending
    changes, committee runs and calendar feeds."""
    world = World(stack)
    seed_catalogue(stack)
    at(NOW)
    world.tokens["anonymous"] = None
    for actor, (role, structures) in STAFF.items():
        world.tokens[actor] = staff_token(stack, f"{actor.replace('_', '')}@matrice.example.fr", role, structures)
    for family in ("A", "B"):
        actor = f"family_{family.lower()}"
        token, family_id = confirmed_family(stack, EMAILS[family], first_name="Claire")
        world.tokens[actor], world.family_ids[family] = token, family_id
        world.ok("PUT", "/api/enrolment/family/profile", actor, profile(family))
        world.ok("PUT", "/api/enrolment/family/household", actor, household(family))
        family_docs: set[str] = set()
        for child in (c for c in CHILDREN if FAMILY_OF[c] == family):
            child_id = world.ok("POST", "/api/enrolment/children", actor, child_body(child), status=201)["child_id"]
            world.child_ids[child] = child_id
            created = world.ok("POST", "/api/enrolment/requests", actor, enrolment_request(child, child_id),
                               status=201)
            world.enrolment_requests[child] = created["request_id"]
            for doc_type in CHILD_DOCUMENTS:
                document_id = _upload(world, actor, doc_type, f"{doc_type}-{FIRST_NAMES[child]}.pdf", child_id)
                world.documents.setdefault(child, document_id)
            family_docs.update(d for d in DOCUMENTS[KIND_OF[child]] if d not in CHILD_DOCUMENTS)
        for doc_type in sorted(family_docs):
            document_id = _upload(world, actor, doc_type, f"{doc_type}-{family}.pdf", None)
            world.documents.setdefault(family, document_id)
        for child in (c for c in CHILDREN if FAMILY_OF[c] == family):
            world.ok("POST", f"/api/enrolment/requests/{world.enrolment_requests[child]}/submit", actor)
    for family in ("A", "B"):
        family_id = world.family_ids[family]
        for document in world.ok("GET", f"/api/enrolment/staff/families/{family_id}", "admin")["documents"]:
            world.ok("POST", f"/api/enrolment/staff/families/{family_id}/documents/{document['document_id']}/review",
                     "admin", {"decision": "accepted"})
    for child in CHILDREN:
        world.ok("POST", f"/api/enrolment/staff/requests/{world.enrolment_requests[child]}/validate", "admin",
                 {"family_id": world.family_ids[FAMILY_OF[child]]})
    stack.drain()
    # After validation, a change to a child's allergies waits for the staff.
    for child in CHILDREN:
        actor = f"family_{FAMILY_OF[child].lower()}"
        world.ok("PUT", f"/api/enrolment/children/{world.child_ids[child]}", actor,
                 child_body(child, allergies=f"Allergie-{FIRST_NAMES[child]}-Nouvelle"))
    for family in ("A", "B"):
        pending = world.ok("GET", "/api/enrolment/family", f"family_{family.lower()}")["pending_changes"]
        for change in pending:
            child = next(c for c, i in world.child_ids.items() if i == change["child_id"])
            world.changes[child] = change["change_id"]
    assert set(world.changes) == set(CHILDREN), world.changes
    # Planning: each child is booked on its period.
    for child in CHILDREN:
        actor = f"family_{FAMILY_OF[child].lower()}"
        created = world.ok("POST", "/api/planning/requests", actor, planning_body(child, world.child_ids[child]),
                           status=201)
        world.planning_requests[child] = created["request_id"]
    for child in CHILDREN:  # the admin accepts them (each welcome contract becomes available)
        family_id = world.family_ids[FAMILY_OF[child]]
        world.ok("POST", f"/api/planning/staff/requests/{family_id}/{world.planning_requests[child]}/decide",
                 "admin", {"elements": decisions(child)})
    for child in CHILDREN:
        period_id = PERIODS[STRUCTURE_OF[child]]
        world.jobs[child] = world.ok("POST", f"/api/planning/staff/committee/{period_id}/jobs", "admin", {},
                                     status=202)["job_id"]
    for family in ("A", "B"):
        url = world.ok("POST", "/api/planning/feed", f"family_{family.lower()}", status=201)["url"]
        world.feeds[family] = url.rsplit("/", 1)[-1]
    stack.drain()
    world.periods = {p["period_id"]: p for p in world.ok("GET", "/api/planning/catalogue", "admin")["periods"]}
    return world


def build_light(stack: Any) -> World:
    """A smaller world for the fuzzer (every id kind exists, at a fraction of the cost): family A with
    Anatole, a draft pre-enrolment and one document; planning learns the validation from the event
    itself; a booking the admin accepts, a committee run and a feed."""
    from tests.planning.support import validated_family

    world = World(stack)
    seed_catalogue(stack)
    at(NOW)
    world.tokens["anonymous"] = None
    world.tokens["admin"] = staff_token(stack, "admin@fuzz.example.fr", "admin", [])
    world.tokens["manager_1"] = staff_token(stack, "manager1@fuzz.example.fr", "manager", [STRUCTURE_1])
    world.tokens["committee"] = staff_token(stack, "committee@fuzz.example.fr", "committee", [STRUCTURE_1])
    child_key = "A1"
    token, family_id = validated_family(stack, EMAILS["A"], [(STRUCTURE_1, "periscolaire")], child_id="child-anatole")
    world.tokens["family_a"], world.family_ids["A"] = token, family_id
    world.ok("PUT", "/api/enrolment/family/profile", "family_a", profile("A"))
    child_id = world.ok("POST", "/api/enrolment/children", "family_a", child_body(child_key), status=201)["child_id"]
    world.child_ids[child_key] = child_id
    world.enrolment_requests[child_key] = world.ok("POST", "/api/enrolment/requests", "family_a",
                                                   enrolment_request(child_key, child_id), status=201)["request_id"]
    world.documents[child_key] = _upload(world, "family_a", "health_form", "health_form-Anatole.pdf", child_id)
    # Planning knows the child by the id the validation event gave it.
    booking = planning_body(child_key, "child-anatole")
    world.planning_requests[child_key] = world.ok("POST", "/api/planning/requests", "family_a", booking,
                                                  status=201)["request_id"]
    world.ok("POST", f"/api/planning/staff/requests/{family_id}/{world.planning_requests[child_key]}/decide", "admin",
             {"elements": decisions(child_key)})
    world.jobs[child_key] = world.ok("POST", f"/api/planning/staff/committee/{PERIODS[STRUCTURE_1]}/jobs", "admin",
                                     {}, status=202)["job_id"]
    world.feeds["A"] = world.ok("POST", "/api/planning/feed", "family_a", status=201)["url"].rsplit("/", 1)[-1]
    stack.drain()
    world.periods = {p["period_id"]: p for p in world.ok("GET", "/api/planning/catalogue", "admin")["periods"]}
    return world
