"""A realistic association at volume for ``make run`` (``DEMO_FAMILIES=300 make run``).

Each family goes through the real routes, in this process, as a family and the staff would: account
(active, password ``Demo-Portail-2026``), profile, household, a child, pre-enrolment requests, the
documents they need (stored in S3 as the browser's presigned POST would, then confirmed), submitted.
What family ``n`` asks for (:func:`kind_of`): two in ten a crèche (Crèche Les Lutins - BISCHWILLER,
a weekly programme of 3 to 5 days); the others périscolaire at Schweighouse (half of them with
Wednesdays at Haguenau), and one in four of those a séjour too (montagne or mer). Then staff accept
the documents and validate most files (one in six stays « à valider »): the manager for Schweighouse
and Haguenau, the séjours coordinator for séjours, the admin for the crèche. Planning learns it from
``FamilyValidated`` and the families book: their year on PERISCOLAIRE 2026 - 2027 with one of four
patterns (and the Wednesdays of MERCREDI 2026 - 2027), the crèche's year on CRECHE 2026 - 2027, the
séjour's week. Staff decide part of them (a third of the périscolaire years, half of the crèche years
and séjours), so every staff screen — validation queue, answers queue, waiting list, committee,
places per day — has hundreds of rows across structures.

It runs in a background thread once the stack is up (the portal answers meanwhile), :data:`WORKERS`
families at a time, and logs its progress every 25 families; a family that fails is logged and the
others go on. With the default ``DEMO_FAMILIES=0`` nothing of this runs and ``make run`` stays fast.
Families are ``famille-0001@demo.portail-familles.fr``… and are not re-created when they exist.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("portail.demo")
MAX_FAMILIES = 2000
WORKERS = 8
WAIT_SECONDS = 120
FIRST_NAMES = ("Léa", "Hugo", "Emma", "Louis", "Jade", "Gabriel", "Chloé", "Arthur", "Inès", "Jules", "Manon",
               "Raphaël", "Zoé", "Adam", "Lina", "Nathan", "Camille", "Ethan", "Sarah", "Noah")
LAST_NAMES = ("Muller", "Schmitt", "Meyer", "Weber", "Fischer", "Klein", "Wagner", "Becker", "Hoffmann", "Roth",
              "Koch", "Richter", "Braun", "Walter", "Lang", "Huber", "Kieffer", "Wolff", "Bauer", "Zimmermann")
PATTERNS = (
    [{"weekday": 0, "slot_code": "MIDI"}, {"weekday": 0, "slot_code": "SOIR"},
     {"weekday": 1, "slot_code": "MIDI"}, {"weekday": 3, "slot_code": "MIDI"}],  # the guide's
    [{"weekday": d, "slot_code": "MIDI"} for d in (0, 1, 3, 4)],
    [{"weekday": d, "slot_code": s} for d in (0, 1, 3, 4) for s in ("MATIN", "SOIR")],
    [{"weekday": 1, "slot_code": "MIDI", "parity": "even"}, {"weekday": 4, "slot_code": "SOIR", "parity": "odd"}],
)
PERISCOLAIRE = "periscolaire-2026-2027-schweighouse"
MERCREDI = "mercredi-2026-2027-haguenau"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CRECHE = "creche-2026-2027-bischwiller"
CRECHE_STRUCTURE = "creche-les-lutins"
CRECHE_DAYS = ((0, 1, 2, 3, 4), (0, 1, 3, 4), (1, 2, 3))
SEJOURS = ("sejour-vosges-2027", "sejour-mer-2027")  # 6-11 years, 9-14 years
SEJOURS_STRUCTURE = "sejours"
# The documents each kind of request needs (enrolment.completeness.REQUIREMENTS): (type, for the child?).
REQUIRED = {
    "periscolaire": (("vaccinations", True), ("health_form", True), ("insurance", False), ("mandatory_proofs", False)),
    "creche": (("vaccinations", True), ("health_form", True), ("insurance", False), ("caf_quotient", False),
               ("mandatory_proofs", False)),
    "sejour": (("health_form", True), ("vaccinations", True), ("insurance", False), ("caf_quotient", False),
               ("rgpd_charter", False), ("news_charter", False)),
}


def requested() -> int:
    """How many families ``DEMO_FAMILIES`` asks for (0 when unset; at most MAX_FAMILIES)."""
    raw = os.environ.get("DEMO_FAMILIES", "0").strip() or "0"
    if not raw.isdigit():
        raise SystemExit("DEMO_FAMILIES doit être un nombre de familles (par exemple 300).")
    return min(int(raw), MAX_FAMILIES)


def start(app: Callable[..., Any], count: int, manager_email: str, password: str) -> threading.Thread:
    """Seed ``count`` families in a background thread through ``app`` (the local gateway's WSGI app)."""
    thread = threading.Thread(target=_seed, args=(app, count, manager_email, password), name="demo-volume",
                              daemon=True)
    thread.start()
    return thread


class _Client:
    def __init__(self, app: Callable[..., Any]) -> None:
        from werkzeug.test import Client

        self.http = Client(app)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None,
             expect: tuple[int, ...] = (200, 201, 202, 204)) -> Any:
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        response = self.http.open(path, method=method, headers=headers,
                                  data=json.dumps(body).encode() if body is not None else None)
        if response.status_code not in expect:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        return response.json if response.data else None

    def status(self, method: str, path: str, token: str) -> int:
        return int(self.http.open(path, method=method, headers={"Authorization": f"Bearer {token}"}).status_code)


def _wait(what: str, probe: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    raise RuntimeError(f"gave up waiting for {what}")


def _seed(app: Callable[..., Any], count: int, manager_email: str, password: str) -> None:
    from infra.local.demo import STAFF

    client = _Client(app)
    started = time.monotonic()
    emails = {role: email for _, role, email, *_ in STAFF}

    def login(email: str) -> str:
        return str(client.call("POST", "/api/accounts/login", {"email": email, "password": password})["access_token"])

    def family(n: int) -> bool:
        try:
            _family(_Client(app), n, staff, password)
            return True
        except Exception:  # one family's failure is logged; the others are still seeded
            log.exception("données de démonstration : la famille %d n'a pas pu être créée", n)
            return False

    try:
        staff = Staff(login(manager_email), login(emails["admin"]), login(emails["coordinator"]))
    except Exception:
        log.exception("données de démonstration : arrêt sur erreur")
        return
    done = failed = 0
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for ok in pool.map(family, range(1, count + 1)):
            done += 1
            failed += not ok
            if done % 25 == 0 or done == count:
                log.warning("données de démonstration : %d familles sur %d (%.0f s)%s", done, count,
                            time.monotonic() - started, f", {failed} en échec" if failed else "")


@dataclass(frozen=True)
class Staff:
    """The demo staff's tokens: the manager (Schweighouse, Haguenau), the admin (the crèche has no
    manager of its own in the demo) and the séjours coordinator."""

    manager: str
    admin: str
    coordinator: str


def kind_of(n: int) -> str:
    """What family ``n`` asks for: two in ten a crèche; the others périscolaire (half with Wednesdays
    at Haguenau), one in four of them a séjour too."""
    if n % 10 in (3, 7):
        return "creche"
    return "periscolaire+sejour" if n % 4 == 1 else "periscolaire"


def sejour_of(n: int) -> str:
    """The séjour of family ``n``'s child for its age: born in 2016 or 2017 (n % 5 is 0 or 1), 9 to 11
    next July, the sea (9-14 years); younger, the mountains (6-11)."""
    return SEJOURS[1] if n % 5 in (0, 1) else SEJOURS[0]


def _family(client: _Client, n: int, staff: Staff, password: str) -> None:
    from accounts import schemas, service
    from accounts.models import Account
    from shared.auth import Principal, Role, issue_token

    first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n * 7) % len(LAST_NAMES)]
    email = f"famille-{n:04d}@demo.portail-familles.fr"
    if service.account_by_email(email) is not None:
        return
    service.signup(schemas.Signup(
        civility="Mme", last_name=last, first_name="Claire", email=email, phone="06 12 34 56 78",
        address={"line1": f"{n} rue des Tilleuls", "postal_code": "67590", "city": "Schweighouse-sur-Moder"},
        password=password, accept_terms=True), "demo-volume")
    account = service.account_by_email(email)
    assert account is not None
    account.update(actions=[Account.status.set("active")])
    family_id = account.account_id
    token = issue_token(Principal(family_id, Role.FAMILY, f"demo-{n}"))[0]
    kind = kind_of(n)
    creche = kind == "creche"

    _wait("the family file", lambda: client.status("GET", "/api/enrolment/family", token) == 200)
    client.call("PUT", "/api/enrolment/family/profile", {
        "civility": "Mme", "last_name": last, "first_name": "Claire",
        "address": {"line1": f"{n} rue des Tilleuls", "line2": "", "postal_code": "67590",
                    "city": "Schweighouse-sur-Moder"},
        "mobile_phone": "06 12 34 56 78", "profession": "Infirmière", "employer": "CH de Haguenau",
        "work_phone": "03 88 06 30 00"}, token)
    client.call("PUT", "/api/enrolment/family/household", {
        "spouse": {"civility": "M.", "last_name": last, "first_name": "Marc", "mobile_phone": "0711223344",
                   "profession": "Menuisier"},
        "billing": {"name": f"Claire {last}", "address": {"line1": f"{n} rue des Tilleuls", "line2": "",
                                                          "postal_code": "67590", "city": "Schweighouse-sur-Moder"}},
        "allocataire": {"regime": "CAF", "number": f"{1000000 + n}"},
        "quotient": {"value": 400 + (n * 37) % 1200, "date": "2026-01-15"}, "other_children": []}, token)
    child_body: dict[str, Any] = {
        "last_name": last, "first_name": first, "sex": "F" if n % 2 else "M",
        "birth_date": f"{2024 + n % 2}-0{1 + n % 9}-1{n % 9}" if creche else f"{2016 + n % 5}-0{1 + n % 9}-1{n % 9}",
        "medical": {"doctor_name": "Dr Weber", "doctor_phone": "03 88 73 00 00",
                    "vaccinations": [{"name": "DTP", "date": "2019-06-01" if not creche else "2025-06-01"}],
                    "allergies": "", "diet": "", "pai": False, "treatments": "", "notes": ""},
        "authorisations": {"photos": True, "leave_alone": False, "transport": True, "emergency_care": True},
        "authorised_persons": [{"name": f"Anne {last}", "relationship": "Grand-mère", "phone": "0699887766"}]}
    if not creche:
        child_body["school"] = {"school_id": "schweighouse-elementaire",
                                "school_name": "École élémentaire de Schweighouse-sur-Moder", "class_level": "CE1",
                                "school_year": "2026-2027"}
    child_id = client.call("POST", "/api/enrolment/children", child_body, token)["child_id"]

    wednesday = not creche and n % 2 == 0
    bodies: list[dict[str, Any]] = []
    if creche:
        bodies.append({"kind": "creche", "child_id": child_id, "structure_id": CRECHE_STRUCTURE,
                       "desired_start": "2027-01-04",
                       "weekly_programme": [{"weekday": d, "arrival": "08:00", "departure": "17:30"}
                                            for d in CRECHE_DAYS[n % len(CRECHE_DAYS)]]})
    else:
        body: dict[str, Any] = {"kind": "periscolaire", "child_id": child_id, "structure_id": "acem-schweighouse",
                                "desired_start": "2027-01-04"}
        if wednesday:
            body["wednesday_structure_id"] = "acem-haguenau-mercredi"
        bodies.append(body)
        if kind == "periscolaire+sejour":
            bodies.append({"kind": "sejour", "child_id": child_id, "sejour_ids": [sejour_of(n)]})
    requests = [client.call("POST", "/api/enrolment/requests", b, token) for b in bodies]
    needed = dict.fromkeys(doc for b in bodies for doc in REQUIRED[b["kind"]])
    documents = [_document(client, token, doc_type, child_id if per_child else None)
                 for doc_type, per_child in needed]
    for request in requests:
        client.call("POST", f"/api/enrolment/requests/{request['request_id']}/submit", token=token)
    if n % 6 == 0:
        return  # « à valider »: staff have files left to validate
    reviewer = staff.admin if creche else staff.manager
    for document_id in documents:
        client.call("POST", f"/api/enrolment/staff/families/{family_id}/documents/{document_id}/review",
                    {"decision": "accepted"}, reviewer)
    for body, request in zip(bodies, requests, strict=True):
        who = {"creche": staff.admin, "sejour": staff.coordinator}.get(body["kind"], staff.manager)
        client.call("POST", f"/api/enrolment/staff/requests/{request['request_id']}/validate",
                    {"family_id": family_id}, who)
    structures = {CRECHE_STRUCTURE} if creche else {"acem-schweighouse"} | (
        {SEJOURS_STRUCTURE} if kind == "periscolaire+sejour" else set())
    _wait("planning's validations", lambda: structures <= {
        v["structure_id"] for v in client.call("GET", "/api/planning/validations", token=token)["items"]
        if v["status"] == "validated"})

    if creche:
        pattern = [{"weekday": d, "slot_code": s} for d in CRECHE_DAYS[n % len(CRECHE_DAYS)]
                   for s in ("MATIN", "APRESMIDI")]
        booked = client.call("POST", "/api/planning/requests", {
            "child_id": child_id, "period_id": CRECHE, "selection": pattern}, token)
        if n % 20 == 3:  # half of the crèche families (n % 10 is 3 or 7)
            _decide(client, family_id, booked, pattern, staff.admin)
        return
    pattern = PATTERNS[n % len(PATTERNS)]
    booked = client.call("POST", "/api/planning/requests", {
        "child_id": child_id, "period_id": PERISCOLAIRE, "selection": pattern}, token)
    if wednesday:
        _wait("planning's Wednesday validation", lambda: any(
            v["structure_id"] == "acem-haguenau-mercredi" and v["status"] == "validated"
            for v in client.call("GET", "/api/planning/validations", token=token)["items"]))
        client.call("POST", "/api/planning/requests", {
            "child_id": child_id, "period_id": MERCREDI,
            "selection": [{"weekday": 2, "slot_code": "JOURNEE"}]}, token, expect=(201, 400, 409))
    if n % 3 == 0:
        _decide(client, family_id, booked, pattern, staff.manager)
    if kind == "periscolaire+sejour":
        sejour = sejour_of(n)
        stay = [{"weekday": d, "slot_code": "SEJOUR"} for d in range(5)]
        # The guide's séjour booking: the first day's presence, copied over the séjour's week.
        request = client.call("POST", "/api/planning/requests", {
            "child_id": child_id, "period_id": sejour, "first_day_slots": ["SEJOUR"]}, token)
        if n % 8 == 1:  # half of the séjours (n % 4 == 1)
            _decide(client, family_id, request, stay, staff.coordinator)


def _decide(client: _Client, family_id: str, request: dict[str, Any], pattern: list[dict[str, Any]],
            token: str) -> None:
    """Accept every element of the pattern; where places have run out (409), put it on the waiting list."""
    path = f"/api/planning/staff/requests/{family_id}/{request['request_id']}/decide"
    for decision in ("accepted", "waitlisted"):
        answer = client.call("POST", path, {"elements": [{**e, "decision": decision} for e in pattern]}, token,
                             expect=(200, 409))
        if answer is None or "error" not in answer:
            return


@functools.cache
def _s3() -> Any:
    """One S3 client for the seeding (a new client per document cost more than the upload)."""
    from shared import aws

    return aws.client("s3")


def _document(client: _Client, token: str, doc_type: str, child_id: str | None) -> str:
    from shared import settings

    body = {"type": doc_type, "filename": f"{doc_type}.pdf", "content_type": "application/pdf",
            **({"child_id": child_id} if child_id else {})}
    started = client.call("POST", "/api/enrolment/documents", body, token)
    document = started["document"]
    fields = started["upload"]["fields"]
    # What the browser's presigned POST does: the object lands at the key the service chose.
    _s3().put_object(Bucket=settings.load().documents_bucket, Key=fields["key"], Body=PDF,
                     ContentType="application/pdf")
    client.call("POST", f"/api/enrolment/documents/{document['document_id']}/confirm", token=token)
    return str(document["document_id"])
