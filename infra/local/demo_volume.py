"""A realistic association at volume for ``make run`` (``DEMO_FAMILIES=300 make run``).

Each family goes through the real routes, in this process, as a family and the demo manager would:
account (active, password ``Demo-Portail-2026``), profile, household, a child with its school, a
périscolaire pre-enrolment at Schweighouse (half of them with Wednesdays at Haguenau), its four
documents (stored in S3 as the browser's presigned POST would, then confirmed), submitted. Then the
manager accepts the documents and validates most files (one in six stays « à valider »), planning
learns it from ``FamilyValidated``, and the families book their year on PERISCOLAIRE 2026 - 2027 (and
the Wednesdays of MERCREDI 2026 - 2027 for those enrolled there), with a few patterns; the manager
decides one request in three. So every staff screen has hundreds of rows to page through.

It runs in a background thread once the stack is up (the portal answers meanwhile) and logs its
progress; with the default ``DEMO_FAMILIES=0`` nothing of this runs and ``make run`` stays fast.
Families are ``famille-0001@demo.portail-familles.fr``… and are not re-created when they exist.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger("portail.demo")
MAX_FAMILIES = 2000
WORKERS = 4
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
DOCUMENTS = (("vaccinations", True), ("health_form", True), ("insurance", False), ("mandatory_proofs", False))


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
    client = _Client(app)
    started = time.monotonic()
    try:
        manager = client.call("POST", "/api/accounts/login", {"email": manager_email, "password": password})
        token = manager["access_token"]
        done = 0
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            for _ in pool.map(lambda n: _family(_Client(app), n, token, password), range(1, count + 1)):
                done += 1
                if done % 25 == 0 or done == count:
                    log.warning("données de démonstration : %d familles sur %d (%.0f s)", done, count,
                                time.monotonic() - started)
    except Exception:
        log.exception("données de démonstration : arrêt sur erreur")


def _family(client: _Client, n: int, manager: str, password: str) -> None:
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
    child = client.call("POST", "/api/enrolment/children", {
        "last_name": last, "first_name": first, "sex": "F" if n % 2 else "M",
        "birth_date": f"{2016 + n % 5}-0{1 + n % 9}-1{n % 9}",
        "medical": {"doctor_name": "Dr Weber", "doctor_phone": "03 88 73 00 00",
                    "vaccinations": [{"name": "DTP", "date": "2019-06-01"}], "allergies": "", "diet": "",
                    "pai": False, "treatments": "", "notes": ""},
        "authorisations": {"photos": True, "leave_alone": False, "transport": True, "emergency_care": True},
        "authorised_persons": [{"name": f"Anne {last}", "relationship": "Grand-mère", "phone": "0699887766"}],
        "school": {"school_id": "schweighouse-elementaire",
                   "school_name": "École élémentaire de Schweighouse-sur-Moder", "class_level": "CE1",
                   "school_year": "2026-2027"}}, token)
    child_id = child["child_id"]
    wednesday = n % 2 == 0
    body: dict[str, Any] = {"kind": "periscolaire", "child_id": child_id, "structure_id": "acem-schweighouse",
                            "desired_start": "2027-01-04"}
    if wednesday:
        body["wednesday_structure_id"] = "acem-haguenau-mercredi"
    request = client.call("POST", "/api/enrolment/requests", body, token)
    documents = [_document(client, token, family_id, doc_type, child_id if per_child else None)
                 for doc_type, per_child in DOCUMENTS]
    client.call("POST", f"/api/enrolment/requests/{request['request_id']}/submit", token=token)
    if n % 6 == 0:
        return  # « à valider »: the manager has files left to validate
    for document_id in documents:
        client.call("POST", f"/api/enrolment/staff/families/{family_id}/documents/{document_id}/review",
                    {"decision": "accepted"}, manager)
    client.call("POST", f"/api/enrolment/staff/requests/{request['request_id']}/validate",
                {"family_id": family_id}, manager)
    _wait("planning's validation", lambda: any(
        v["status"] == "validated" for v in client.call("GET", "/api/planning/validations", token=token)["items"]))
    booked = client.call("POST", "/api/planning/requests", {
        "child_id": child_id, "period_id": PERISCOLAIRE, "selection": PATTERNS[n % len(PATTERNS)]}, token)
    if wednesday:
        client.call("POST", "/api/planning/requests", {
            "child_id": child_id, "period_id": MERCREDI,
            "selection": [{"weekday": 2, "slot_code": "JOURNEE"}]}, token, expect=(201, 400, 409))
    if n % 3 == 0:
        pattern = PATTERNS[n % len(PATTERNS)]
        client.call("POST", f"/api/planning/staff/requests/{family_id}/{booked['request_id']}/decide",
                    {"elements": [{**e, "decision": "accepted"} for e in pattern]}, manager)


def _document(client: _Client, token: str, family_id: str, doc_type: str, child_id: str | None) -> str:
    from shared import aws, settings

    body = {"type": doc_type, "filename": f"{doc_type}.pdf", "content_type": "application/pdf",
            **({"child_id": child_id} if child_id else {})}
    started = client.call("POST", "/api/enrolment/documents", body, token)
    document = started["document"]
    fields = started["upload"]["fields"]
    # What the browser's presigned POST does: the object lands at the key the service chose.
    aws.client("s3").put_object(Bucket=settings.load().documents_bucket, Key=fields["key"], Body=PDF,
                                ContentType="application/pdf")
    client.call("POST", f"/api/enrolment/documents/{document['document_id']}/confirm", token=token)
    return str(document["document_id"])
