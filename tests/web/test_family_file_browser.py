"""The family file in a real browser, as the user guide tells it: a child's file in sections, a
pre-enrolment request whose "Il vous reste à compléter" items are links to the screens that fix
them, documents sent straight to the storage, and the structure manager who accepts the documents
and validates the file. Assertions are on what a person sees.

Families are created through HTTP (signup, e-mailed link, the parts of the file a test is not about)
and then used through the portal like a person would."""

from __future__ import annotations

import contextlib
import json
import re
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.web.test_signup_browser import link_path, wait_for_mail

pytestmark = pytest.mark.browser

PASSWORD = "Soleil2024Ete"
MANAGER = "responsable@demo.portail-familles.fr"
DEMO_PASSWORD = "Demo-Portail-2026"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PERISCOLAIRE_DOCS = [("vaccinations", True), ("health_form", True), ("insurance", False), ("mandatory_proofs", False)]


# --- HTTP helpers (what a test is not about) ------------------------------------------------------


def http(base: str, method: str, path: str, body: object = None, token: str | None = None) -> tuple[int, object]:
    request = urllib.request.Request(
        base + path, method=method, data=json.dumps(body).encode() if body is not None else None
    )
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        # Generous: with two test workers, two live stacks and two browsers (and other engineers) share
        # the 2 cores; a moto transaction can then take tens of seconds.
        with urllib.request.urlopen(request, timeout=120) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        text = error.read()
        return error.code, json.loads(text) if text else None


def ok(result: tuple[int, object]) -> object:
    status, body = result
    assert 200 <= status < 300, f"HTTP {status}: {body}"
    return body


def presigned_post(url: str, fields: dict[str, str], filename: str, content: bytes, content_type: str) -> int:
    """What the portal does in the browser: every field of the presigned POST, then the file."""
    boundary = uuid.uuid4().hex
    parts = []
    for key, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(url, method="POST", data=b"".join(parts))
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    with urllib.request.urlopen(request, timeout=15) as response:
        return response.status


@dataclass
class Family:
    email: str
    token: str
    last_name: str
    first_name: str
    family_id: str = ""
    child_id: str = ""
    request_id: str = ""


def new_family(live_stack, last_name: str = "Dupont", first_name: str = "Marie") -> Family:
    """A confirmed family account whose file is open (signup, e-mailed link, login)."""
    base = live_stack.base_url.rstrip("/")
    email = f"famille-{uuid.uuid4().hex[:12]}@example.org"
    ok(
        http(
            base,
            "POST",
            "/api/accounts/signup",
            {
                "civility": "Mme",
                "last_name": last_name,
                "first_name": first_name,
                "email": email,
                "phone": "0612345678",
                "address": {
                    "line1": "12 rue des Vosges",
                    "line2": "",
                    "postal_code": "67590",
                    "city": "Schweighouse-sur-Moder",
                },
                "password": PASSWORD,
                "accept_terms": True,
            },
        )
    )
    mail = wait_for_mail(live_stack, email, "/confirmer-email?token=")
    token = parse_qs(urlsplit(link_path(mail["text"], "/confirmer-email?token=")).query)["token"][0]
    ok(http(base, "POST", "/api/accounts/verify", {"token": token}))
    login = ok(http(base, "POST", "/api/accounts/login", {"email": email, "password": PASSWORD}))
    family = Family(email, login["access_token"], last_name, first_name)
    deadline = time.monotonic() + 15
    while True:  # the file is opened by an event, a moment after the signup
        status, body = http(base, "GET", "/api/enrolment/family", token=family.token)
        if status == 200:
            family.family_id = body["family_id"]
            return family
        assert time.monotonic() < deadline, f"no family file: {status} {body}"
        time.sleep(0.3)


CHILD = {
    "last_name": "Dupont",
    "first_name": "Léa",
    "sex": "F",
    "birth_date": "2018-03-14",
    "medical": {
        "doctor_name": "Dr Weber",
        "doctor_phone": "0388123456",
        "vaccinations": [{"name": "DTP", "date": "2019-05-02"}],
        "allergies": "",
        "diet": "",
        "pai": False,
        "treatments": "",
        "notes": "",
    },
    "authorisations": {"photos": True, "leave_alone": False, "transport": True, "emergency_care": True},
    "authorised_persons": [{"name": "Anne Dupont", "relationship": "Grand-mère", "phone": "0611223344"}],
}


def complete_file(live_stack, family: Family, documents: bool = True, submit: bool = True) -> Family:
    """Profile, household, a child with school, a périscolaire request, its documents, submitted."""
    base, token = live_stack.base_url.rstrip("/"), family.token
    ok(
        http(
            base,
            "PUT",
            "/api/enrolment/family/profile",
            {
                "civility": "Mme",
                "last_name": family.last_name,
                "first_name": family.first_name,
                "address": {
                    "line1": "12 rue des Vosges",
                    "line2": "",
                    "postal_code": "67590",
                    "city": "Schweighouse-sur-Moder",
                },
                "mobile_phone": "0612345678",
            },
            token,
        )
    )
    ok(
        http(
            base,
            "PUT",
            "/api/enrolment/family/household",
            {
                "spouse": None,
                "billing": {
                    "name": f"{family.first_name} {family.last_name}",
                    "address": {
                        "line1": "12 rue des Vosges",
                        "line2": "",
                        "postal_code": "67590",
                        "city": "Schweighouse-sur-Moder",
                    },
                },
                "allocataire": {"regime": "CAF", "number": "1234567"},
                "quotient": None,
                "other_children": [],
            },
            token,
        )
    )
    child = ok(http(base, "POST", "/api/enrolment/children", CHILD, token))
    family.child_id = child["child_id"]
    ok(
        http(
            base,
            "PUT",
            f"/api/enrolment/children/{family.child_id}/school",
            {
                "school_id": "schweighouse-elementaire",
                "school_name": "École élémentaire de Schweighouse-sur-Moder",
                "class_level": "CE1",
                "school_year": "2026-2027",
            },
            token,
        )
    )
    request = ok(
        http(
            base,
            "POST",
            "/api/enrolment/requests",
            {
                "kind": "periscolaire",
                "child_id": family.child_id,
                "structure_id": "acem-schweighouse",
                "desired_start": "2027-01-04",
            },
            token,
        )
    )
    family.request_id = request["request_id"]
    if documents:
        for doc_type, for_child in PERISCOLAIRE_DOCS:
            started = ok(
                http(
                    base,
                    "POST",
                    "/api/enrolment/documents",
                    {
                        "type": doc_type,
                        "child_id": family.child_id if for_child else None,
                        "filename": f"{doc_type}.pdf",
                        "content_type": "application/pdf",
                    },
                    token,
                )
            )
            assert presigned_post(
                started["upload"]["url"], started["upload"]["fields"], f"{doc_type}.pdf", PDF, "application/pdf"
            ) in (200, 201, 204)
            ok(
                http(
                    base, "POST", f"/api/enrolment/documents/{started['document']['document_id']}/confirm", token=token
                )
            )
    if submit:
        ok(http(base, "POST", f"/api/enrolment/requests/{family.request_id}/submit", token=token))
    return family


# --- browser helpers ---------------------------------------------------------------------------------


def field(scope, label: str):
    """The input whose visible label is `label`, followed by " *" when it is required."""
    return scope.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def validate_file(base: str, family) -> None:
    """The demo manager accepts every document of the family's file and validates its request (API)."""
    manager = ok(http(base, "POST", "/api/accounts/login", {"email": MANAGER, "password": DEMO_PASSWORD}))[
        "access_token"
    ]
    for doc in ok(http(base, "GET", f"/api/enrolment/staff/families/{family.family_id}", token=manager))["documents"]:
        ok(
            http(
                base,
                "POST",
                f"/api/enrolment/staff/families/{family.family_id}/documents/{doc['document_id']}/review",
                {"decision": "accepted"},
                manager,
            )
        )
    ok(
        http(
            base,
            "POST",
            f"/api/enrolment/staff/requests/{family.request_id}/validate",
            {"family_id": family.family_id},
            manager,
        )
    )


def log_in(page: Page, base: str, email: str, password: str, staff: bool = False) -> None:
    page.goto(f"{base}{'/gestion/connexion' if staff else '/connexion'}")
    field(page, "Adresse e-mail").fill(email)
    field(page, "Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    heading = "Espace professionnel" if staff else "Mon compte"
    expect(page.get_by_role("heading", level=1, name=heading, exact=True)).to_be_visible()


def log_out(page: Page) -> None:
    """Log out and wait until the portal says so: the logout call must end before the next page loads,
    or the next page would still find the old session and send the browser back to its home."""
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté(e) du Portail Familles.")).to_be_visible()


def answer(page: Page, question: str, choice: str) -> None:
    page.get_by_role("radiogroup", name=re.compile(re.escape(question))).get_by_role("radio", name=choice).check()


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


@contextlib.contextmanager
def opened_from_storage(page: Page):
    """A click that opens a new tab on a presigned GET of the storage; yields the request's info.

    The storage answers with the file as an attachment, so the tab turns into a download."""
    with (
        page.context.expect_event("request", predicate=lambda r: "X-Amz-Signature=" in r.url) as request_info,
        page.expect_popup() as popup_info,
    ):
        yield request_info
    popup_info.value.close()


def insurance_key_suffix(base: str, family: Family) -> str:
    documents = ok(http(base, "GET", "/api/enrolment/family", token=family.token))["documents"]
    insurance = next(d for d in documents if d["type"] == "insurance")
    return f"{family.family_id}/{insurance['document_id']}"


# --- tests ---------------------------------------------------------------------------------------------


def test_family_fills_and_saves_a_child(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    family = new_family(live_stack)
    log_in(page, base, family.email, PASSWORD)

    page.get_by_role("link", name="Mes enfants").click()
    expect(page.get_by_role("heading", level=1, name="Mes enfants")).to_be_visible()
    page.get_by_role("link", name="Ajouter un enfant").click()
    expect(page.get_by_role("heading", level=1, name="Ajouter un enfant")).to_be_visible()
    main = page.get_by_role("main")
    for section in ["Identité", "Dossier médical", "Autorisations", "Personnes autorisées à récupérer l'enfant"]:
        expect(main.get_by_role("heading", level=2, name=section)).to_be_visible()

    # Nothing typed: the required fields say so, next to each of them
    page.get_by_role("button", name="Enregistrer l'enfant").click()
    expect(page.get_by_role("alert").first).to_contain_text("Veuillez corriger les erreurs signalées.")
    expect(field(page, "Nom")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "Nom")).to_have_accessible_description(re.compile("Indiquez le nom de l'enfant."))
    expect(field(page, "Nom")).to_be_focused()
    expect(page.get_by_role("radiogroup", name=re.compile("soins d'urgence"))).to_have_accessible_description(
        re.compile("Répondez par oui ou par non.")
    )

    # Identité
    field(page, "Nom").fill("Dupont")
    field(page, "Prénom").fill("Léa")
    answer(page, "Sexe", "Fille")
    field(page, "Date de naissance").fill("2018-03-14")
    # Dossier médical, with two vaccinations (rows added and removed)
    field(page, "Médecin traitant").fill("Dr Weber")
    field(page, "Téléphone du médecin").fill("03 88 12 34 56")
    page.get_by_role("button", name="Ajouter un vaccin").click()
    expect(field(page, "Nom du vaccin")).to_be_focused()
    field(page, "Nom du vaccin").fill("DTP")
    field(page, "Date du vaccin").fill("2019-05-02")
    page.get_by_role("button", name="Ajouter un vaccin").click()
    vaccine2 = page.get_by_role("group", name="Vaccin 2")
    field(vaccine2, "Nom du vaccin").fill("ROR")
    field(vaccine2, "Date du vaccin").fill("2019-06-10")
    page.get_by_role("button", name="Ajouter un vaccin").click()
    page.get_by_role("button", name="Supprimer : Vaccin 3").click()
    expect(page.get_by_role("group", name="Vaccin 3")).to_have_count(0)
    field(page, "Allergies").fill("Arachide")
    answer(page, "Projet d'accueil individualisé", "Oui")
    # Autorisations
    answer(page, "prise de photos", "Oui")
    answer(page, "partir seul", "Non")
    answer(page, "transport", "Oui")
    answer(page, "soins d'urgence", "Oui")
    # Personnes autorisées à récupérer l'enfant: a relationship too long for the API
    page.get_by_role("button", name="Ajouter une personne").click()
    field(page, "Nom et prénom").fill("Anne Dupont")
    field(page, "Lien de parenté").fill("Grand-mère " + "maternelle " * 5)
    field(page, "Téléphone").fill("06 11 22 33 44")
    page.get_by_role("button", name="Enregistrer l'enfant").click()

    # The server's error lands on the input of that row ("authorised_persons.0.relationship")
    relationship = field(page, "Lien de parenté")
    expect(relationship).to_have_attribute("aria-invalid", "true")
    expect(relationship).to_be_focused()
    expect(page.get_by_role("alert").first).to_be_visible()
    relationship.fill("Grand-mère")
    page.get_by_role("button", name="Enregistrer l'enfant").click()

    # Saved: back on "Mes enfants" with the child listed
    expect(page.get_by_role("heading", level=1, name="Mes enfants")).to_be_visible()
    expect(main).to_contain_text("Léa est ajouté(e) à vos enfants.")
    page.get_by_role("link", name="Léa Dupont").click()
    expect(page.get_by_role("heading", level=1, name="Léa Dupont")).to_be_visible()
    expect(field(page, "Médecin traitant")).to_have_value("Dr Weber")
    expect(field(page, "Téléphone du médecin")).to_have_value("03 88 12 34 56")
    expect(field(page.get_by_role("group", name="Vaccin 2"), "Nom du vaccin")).to_have_value("ROR")
    expect(
        page.get_by_role("radiogroup", name=re.compile("partir seul")).get_by_role("radio", name="Non")
    ).to_be_checked()
    expect(field(page, "Lien de parenté")).to_have_value("Grand-mère")

    child = ok(http(base, "GET", "/api/enrolment/family", token=family.token))["children"][0]
    assert child["medical"]["vaccinations"] == [
        {"name": "DTP", "date": "2019-05-02"},
        {"name": "ROR", "date": "2019-06-10"},
    ]
    assert child["medical"]["pai"] is True
    assert child["authorisations"] == {"photos": True, "leave_alone": False, "transport": True, "emergency_care": True}
    assert child["authorised_persons"] == [
        {"name": "Anne Dupont", "relationship": "Grand-mère", "phone": "+33611223344"}
    ]


def test_completeness_links_lead_to_the_screens_to_complete(page, live_stack, artifacts_dir):
    base = live_stack.base_url.rstrip("/")
    family = new_family(live_stack, "Klein", "Sophie")
    ok(
        http(
            base,
            "POST",
            "/api/enrolment/children",
            {**CHILD, "last_name": "Klein", "first_name": "Hugo", "sex": "M"},
            family.token,
        )
    )
    log_in(page, base, family.email, PASSWORD)

    page.get_by_role("link", name="Pré-inscriptions périscolaire").click()
    expect(page.get_by_role("heading", level=1, name="Pré-inscriptions périscolaire")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text(
        "premier établissement pour les jours scolaires, deuxième établissement pour le mercredi"
    )
    field(page, "Enfant").select_option(label="Hugo Klein")
    field(page, "Établissement (jours scolaires)").select_option(
        label="(cah)ACEM - SCHWEIGHOUSE (Schweighouse-sur-Moder)"
    )
    field(page, "Deuxième établissement (mercredi)").select_option(label="ACEM - HAGUENAU (mercredis) (Haguenau)")
    field(page, "Date de début souhaitée").fill("2027-01-04")
    field(page, "Informations supplémentaires").fill("Le mercredi chez ses grands-parents à Haguenau.")
    page.get_by_role("button", name="Enregistrer ma demande").click()

    card = page.get_by_role("article", name="Périscolaire – Hugo")
    expect(card).to_contain_text("Brouillon")
    expect(card).to_contain_text("(cah)ACEM - SCHWEIGHOUSE")
    expect(card).to_contain_text("ACEM - HAGUENAU (mercredis)")
    expect(card.get_by_role("heading", name="Compléter / Valider ma demande")).to_be_visible()
    expect(card).to_contain_text("Il vous reste à compléter :")
    expect(card.get_by_role("button", name="Valider ma demande")).to_have_count(0)
    for label, href in [
        ("Mon profil : informations personnelles à compléter", "/mon-compte/profil"),
        ("Mon foyer : coordonnées de facturation et régime allocataire", "/mon-compte/foyer"),
        ("Hugo : informations scolaires", "/mon-compte/scolarite"),
        ("Copie des vaccins", re.compile(r"^/mon-compte/documents\?manquant=document_vaccinations_[\w-]+$")),
    ]:
        expect(card.get_by_role("link", name=label)).to_have_attribute("href", href)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts_dir / "preinscription-periscolaire-mobile.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # "En cliquant sur les informations manquantes… vous serez automatiquement redirigé"
    card.get_by_role("link", name="Mon profil : informations personnelles à compléter").click()
    expect(page.get_by_role("heading", level=1, name="Mon profil")).to_be_visible()
    assert path_of(page) == "/mon-compte/profil"
    expect(field(page, "Nom")).to_have_value("Klein")  # pre-filled from the account
    expect(field(page, "Téléphone mobile")).to_have_value("06 12 34 56 78")
    field(page, "Profession").fill("Infirmière")
    page.get_by_role("button", name="Enregistrer mon profil").click()
    expect(main).to_contain_text("Votre profil est enregistré.")

    page.go_back()
    card = page.get_by_role("article", name="Périscolaire – Hugo")
    expect(card).to_contain_text("Il vous reste à compléter :")
    expect(card.get_by_role("link", name=re.compile("^Mon profil"))).to_have_count(0)

    card.get_by_role("link", name="Mon foyer : coordonnées de facturation et régime allocataire").click()
    expect(page.get_by_role("heading", level=1, name="Mon foyer")).to_be_visible()
    expect(field(page, "Nom de la famille (facturation)")).to_have_value("Sophie Klein")
    answer(page, "Régime", "CAF")
    page.get_by_role("button", name="Enregistrer mon foyer").click()
    number = field(page, "Numéro d'allocataire")
    expect(number).to_have_accessible_description(re.compile("Le numéro d'allocataire CAF est obligatoire."))
    number.fill("7654321")
    page.get_by_role("button", name="Enregistrer mon foyer").click()
    expect(main).to_contain_text("Les informations de votre foyer sont enregistrées.")

    page.go_back()
    page.get_by_role("article", name="Périscolaire – Hugo").get_by_role(
        "link", name="Hugo : informations scolaires"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Informations scolaires")).to_be_visible()
    school = page.get_by_role("region", name="Hugo Klein")
    field(school, "École").select_option(label="Autre école")
    field(school, "Nom et commune de l'école").fill("École Jean Moulin, Strasbourg")
    field(school, "Classe").select_option("CE1")
    expect(field(school, "Année scolaire")).to_have_value(re.compile(r"^\d{4}-\d{4}$"))
    school.get_by_role("button", name=re.compile("^Enregistrer")).click()
    expect(school).to_contain_text("Les informations scolaires de Hugo sont enregistrées.")

    page.go_back()
    card = page.get_by_role("article", name="Périscolaire – Hugo")
    expect(card.get_by_role("link", name="Hugo : informations scolaires")).to_have_count(0)
    card.get_by_role("link", name="Copie des vaccins").click()
    expect(page.get_by_role("heading", level=1, name="Mes documents")).to_be_visible()
    assert path_of(page) == "/mon-compte/documents"
    expect(page.get_by_role("heading", level=2, name="Documents de Hugo Klein")).to_be_visible()
    expect(page.get_by_role("article", name="Copie des vaccins")).to_contain_text("Manquant")
    # the link lands on the missing document itself, not the top of the page (issue 9, point 6)
    expect(page.get_by_role("article", name="Copie des vaccins").get_by_role("heading")).to_be_focused()
    expect(page.get_by_role("article", name="Copie des vaccins").get_by_role("heading")).to_be_in_viewport()

    # Mon compte tells where the request stands
    page.get_by_role("banner").get_by_role("link", name="Mon compte").click()
    expect(main).to_contain_text("Périscolaire – Hugo : brouillon")


def test_documents_upload_and_validation_of_the_request(page, live_stack, tmp_path, artifacts_dir):
    base = live_stack.base_url.rstrip("/")
    family = complete_file(live_stack, new_family(live_stack, "Meyer", "Julie"), documents=False, submit=False)
    log_in(page, base, family.email, PASSWORD)
    page.get_by_role("link", name="Mes documents").click()
    expect(page.get_by_role("heading", level=1, name="Mes documents")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=2, name="Documents de Léa Dupont")).to_be_visible()
    expect(main.get_by_role("heading", level=2, name="Documents de la famille")).to_be_visible()

    # Too big: said at once, nothing sent
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1))
    vaccines = page.get_by_role("article", name="Copie des vaccins")
    chooser = vaccines.get_by_label(re.compile("^Choisir un fichier"))
    chooser.set_input_files(str(big))
    vaccines.get_by_role("button", name=re.compile("^Envoyer le document")).click()
    expect(chooser).to_have_accessible_description(re.compile("dépasse la taille maximale de 10 Mo"))

    # Not really a PDF: the API reads the content and refuses it, in French, under the input
    fake = tmp_path / "photo.pdf"
    fake.write_bytes(b"ceci n'est pas un PDF")
    chooser.set_input_files(str(fake))
    vaccines.get_by_role("button", name=re.compile("^Envoyer le document")).click()
    expect(chooser).to_have_accessible_description(re.compile("Format refusé : seuls les fichiers PDF, JPEG ou PNG"))
    expect(vaccines.get_by_role("alert")).to_contain_text("Format refusé")
    expect(vaccines).to_contain_text("Manquant")

    # A real PDF, for each required document
    pdf = tmp_path / "document.pdf"
    pdf.write_bytes(PDF)
    for title in [
        "Copie des vaccins",
        "Fiche sanitaire signée",
        "Attestation d'assurance",
        "Justificatifs obligatoires",
    ]:
        line = page.get_by_role("article", name=title)
        expect(line).to_contain_text("Manquant")
        line.get_by_label(re.compile("^Choisir un fichier")).set_input_files(str(pdf))
        line.get_by_role("button", name=re.compile("^Envoyer le document")).click()
        expect(line).to_contain_text("En attente de vérification")
        expect(line).to_contain_text("document.pdf")
    expect(main).to_contain_text("est envoyé : il est en attente de vérification.")
    insurance = page.get_by_role("article", name="Attestation d'assurance")
    expect(insurance).to_contain_text("valable jusqu'au 31/08/")

    # "Voir" opens the file in a new tab, on a presigned address of the storage
    with opened_from_storage(page) as opened:
        insurance.get_by_role("button", name="Voir : document.pdf").click()
    assert urlsplit(opened.value.url).path.endswith(insurance_key_suffix(base, family))
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts_dir / "mes-documents-mobile.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Everything is there: the request can be validated
    page.get_by_role("banner").get_by_role("link", name="Mon compte").click()
    page.get_by_role("link", name="Pré-inscriptions périscolaire").click()
    card = page.get_by_role("article", name="Périscolaire – Léa")
    card.get_by_role("button", name="Valider ma demande").click()
    expect(card).to_contain_text("Transmise – en attente de validation")
    expect(main).to_contain_text("Votre demande est transmise.")
    page.get_by_role("banner").get_by_role("link", name="Mon compte").click()
    expect(main).to_contain_text("Périscolaire – Léa : transmise, en attente de validation")
    expect(main).to_contain_text("Mon compte doit être validé par le responsable de la structure")

    # Mes éditions: the health form to download
    page.get_by_role("link", name="Mes éditions").click()
    expect(page.get_by_role("heading", level=3, name="Fiche sanitaire de Léa")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name=re.compile("^Télécharger : Fiche sanitaire de Léa")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    expect(main).to_contain_text("après la décision de la commission d'attribution des places")


def test_manager_accepts_documents_and_validates_the_file(page, live_stack, artifacts_dir):
    base = live_stack.base_url.rstrip("/")
    family = complete_file(live_stack, new_family(live_stack, f"Schneider{uuid.uuid4().hex[:4]}", "Paul"))
    log_in(page, base, MANAGER, DEMO_PASSWORD, staff=True)

    page.get_by_role("link", name="Validation des dossiers").click()
    expect(page.get_by_role("heading", level=1, name="Validation des dossiers")).to_be_visible()
    expect(field(page, "Statut")).to_have_value("submitted")
    row = page.get_by_role("row").filter(has_text=family.last_name)
    expect(row).to_contain_text("Léa")
    expect(row).to_contain_text("Périscolaire")
    expect(row).to_contain_text("(cah)ACEM - SCHWEIGHOUSE")
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts_dir / "gestion-dossiers-mobile.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    row.get_by_role("link", name=re.compile(family.last_name)).click()

    expect(
        page.get_by_role("heading", level=1, name=re.compile(f"Dossier de la famille {family.last_name}"))
    ).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=3, name="Léa Dupont")).to_be_visible()
    expect(main).to_contain_text("Dr Weber")
    expect(main).to_contain_text("DTP (02/05/2019)")
    expect(main).to_contain_text("Anne Dupont (Grand-mère, 06 11 22 33 44)")
    request = page.get_by_role("article", name="Périscolaire – Léa")
    expect(request).to_contain_text("Transmise")

    # Documents not accepted yet: the validation says what is missing
    request.get_by_role("button", name=re.compile("^Valider le dossier")).click()
    alert = request.get_by_role("alert")
    expect(alert).to_contain_text("Le dossier n'est pas complet")
    expect(alert).to_contain_text("Copie des vaccins")

    # "Ouvrir" a document: a new tab on the storage
    vaccines = page.get_by_role("article", name="Copie des vaccins – Léa")
    with opened_from_storage(page):
        vaccines.get_by_role("button", name=re.compile("^Ouvrir")).click()

    # A refusal needs its reason
    insurance = page.get_by_role("article", name="Attestation d'assurance")
    insurance.get_by_role("button", name=re.compile("^Refuser")).click()
    insurance.get_by_role("button", name="Confirmer le refus").click()
    expect(field(insurance, "Motif du refus")).to_have_accessible_description(re.compile("Indiquez le motif du refus."))
    insurance.get_by_role("button", name="Annuler").click()

    for title in [
        "Copie des vaccins – Léa",
        "Fiche sanitaire signée – Léa",
        "Attestation d'assurance",
        "Justificatifs obligatoires",
    ]:
        document = page.get_by_role("article", name=title)
        document.get_by_role("button", name=re.compile("^Accepter")).click()
        expect(page.get_by_role("article", name=title)).to_contain_text("Accepté")
    expect(main).to_contain_text("Document accepté")

    page.get_by_role("article", name="Périscolaire – Léa").get_by_role(
        "button", name=re.compile("^Valider le dossier")
    ).click()
    expect(main).to_contain_text("Le dossier est validé")
    expect(page.get_by_role("article", name="Périscolaire – Léa")).to_contain_text("Validée")

    # The queue's "Validées" filter lists it
    page.get_by_role("link", name="Retour à la liste des dossiers").click()
    field(page, "Statut").select_option(label="Validées")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("row").filter(has_text=family.last_name)).to_contain_text("Validée")
    state = ok(http(base, "GET", "/api/enrolment/family", token=family.token))
    assert state["validated"] is True


def test_change_after_validation_waits_for_the_manager(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    family = complete_file(live_stack, new_family(live_stack, f"Weber{uuid.uuid4().hex[:4]}", "Anne"))
    validate_file(base, family)

    log_in(page, base, family.email, PASSWORD)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Périscolaire – Léa : validée")
    page.get_by_role("link", name="Mon profil").click()
    mobile = field(page, "Téléphone mobile")
    mobile.fill("07 98 76 54 32")
    page.get_by_role("button", name="Enregistrer mon profil").click()
    expect(main).to_contain_text(
        "Vos modifications seront prises en compte après validation par le responsable de la structure."
    )
    expect(mobile).to_have_accessible_description(
        re.compile("En attente de validation – nouvelle valeur : 07 98 76 54 32")
    )
    page.reload()
    expect(field(page, "Téléphone mobile")).to_have_value("06 12 34 56 78")  # the validated value stands
    expect(main).to_contain_text("En attente de validation – nouvelle valeur : 07 98 76 54 32")

    log_out(page)
    log_in(page, base, MANAGER, DEMO_PASSWORD, staff=True)
    page.goto(f"{base}/gestion/modifications")
    change = page.get_by_role("article", name="Téléphone mobile").filter(has_text=family.last_name)
    expect(change).to_contain_text("06 12 34 56 78")
    expect(change).to_contain_text("07 98 76 54 32")
    change.get_by_role("button", name=re.compile("^Approuver")).click()
    expect(main).to_contain_text("Modification approuvée : Téléphone mobile.")
    profile = ok(http(base, "GET", "/api/enrolment/family", token=family.token))["profile"]
    assert profile["mobile_phone"] == "+33798765432"
