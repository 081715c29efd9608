"""A family's first connection in a real browser, as the user guide tells it:
create the account in 5 steps, confirm the e-mail address from the link received,
log in and land on "Mon compte". Assertions are on what a person sees."""

import re
import time
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

MAIL_TIMEOUT_S = 15
TILES = [
    "Mon profil",
    "Mon foyer",
    "Mes enfants",
    "Informations scolaires",
    "Pré-inscriptions périscolaire",
    "Pré-inscriptions crèche",
    "Pré-inscriptions séjours",
    "Mes éditions",
    "Mes documents",
]


def _recipients(mail):
    to = mail.get("to")
    return [str(item).lower() for item in (to if isinstance(to, list) else [to])]


def wait_for_mail(live_stack, address, needle, timeout=MAIL_TIMEOUT_S):
    """Newest e-mail to `address` whose text contains `needle` (emails arrive asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        mails = live_stack.mail()
        for mail in reversed(mails):
            if any(address.lower() in rcpt for rcpt in _recipients(mail)) and needle in (mail.get("text") or ""):
                return mail
        if time.monotonic() > deadline:
            seen = [(m.get("to"), m.get("subject")) for m in mails[-10:]]
            raise AssertionError(f"no e-mail to {address} containing {needle!r} after {timeout}s; last ones: {seen}")
        time.sleep(0.25)


def link_path(text, marker):
    """Path and query of the first link containing `marker`, to open on the test's own base URL."""
    found = re.search(r"(?:https?://[^\s/]+)?" + re.escape(marker) + r"[^\s\"'<>]+", text)
    assert found, f"no link with {marker!r} in the e-mail:\n{text}"
    parts = urlsplit(found.group(0).rstrip(".,;)"))
    return f"{parts.path}?{parts.query}"


def field(page, label):
    """The input whose visible label is `label`, followed by " *" when it is required."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def click_next(page, step_shown):
    page.get_by_role("button", name="Suivant").click()
    expect(page.get_by_text(step_shown, exact=True)).to_be_visible()


def test_family_signs_up_confirms_email_and_sees_mon_compte(page, live_stack, artifacts_dir):
    base = live_stack.base_url.rstrip("/")
    email = f"famille-{uuid.uuid4().hex[:12]}@example.org"
    password = "Soleil2024Ete"

    page.goto(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Portail Familles")
    page.get_by_role("link", name="Créer mon compte").click()

    # Step 1 — Identité
    expect(page.get_by_role("heading", level=1, name="Créer mon compte")).to_be_visible()
    expect(page.get_by_text("Je complète les 5 étapes suivantes.")).to_be_visible()
    expect(page.get_by_text("Étape 1 sur 5", exact=True)).to_be_visible()
    expect(page.get_by_text("Les champs marqués d'un * sont obligatoires.")).to_be_visible()
    expect(field(page, "Nom")).to_have_attribute("aria-required", "true")
    page.get_by_role("radio", name="Madame").check()
    field(page, "Nom").fill("Dupont")
    field(page, "Prénom").fill("Marie")
    click_next(page, "Étape 2 sur 5")

    # Step 2 — Coordonnées
    field(page, "Adresse e-mail").fill(email)
    field(page, "Téléphone mobile").fill("06 12 34 56 78")
    click_next(page, "Étape 3 sur 5")

    # Step 3 — Adresse postale
    field(page, "Adresse").fill("12 rue des Vosges")
    field(page, "Complément d'adresse").fill("Bâtiment B")
    field(page, "Code postal").fill("67590")
    field(page, "Ville").fill("Schweighouse-sur-Moder")
    click_next(page, "Étape 4 sur 5")

    # Step 4 — Mot de passe, with its live checklist
    rule = page.get_by_role("listitem").filter(has_text="au moins 10 caractères")
    expect(rule).to_contain_text("(non respecté)")
    field(page, "Mot de passe").fill(password)
    expect(rule).to_contain_text("(respecté)")
    field(page, "Confirmation du mot de passe").fill(password)
    click_next(page, "Étape 5 sur 5")

    # Step 5 — Consentement: both boxes are required
    field(page, "J'accepte les conditions générales d'utilisation").check()
    field(page, "J'accepte la politique de confidentialité").check()
    page.get_by_role("button", name="Suivant").click()

    # Récapitulatif shows what was typed, with a "Modifier" link per step
    expect(page.get_by_role("heading", name="Récapitulatif")).to_be_visible()
    main = page.get_by_role("main")
    for typed in [
        "Madame",
        "Dupont",
        "Marie",
        email,
        "06 12 34 56 78",
        "12 rue des Vosges",
        "Bâtiment B",
        "67590",
        "Schweighouse-sur-Moder",
    ]:
        expect(main).to_contain_text(typed)
    expect(main).not_to_contain_text(password)
    expect(main.get_by_role("link", name=re.compile("^Modifier"))).to_have_count(5)
    page.get_by_role("button", name="Créer mon compte").click()

    # Account created: confirm the address, check the spams, resend possible
    expect(page.get_by_role("heading", level=1, name="Mon compte est créé")).to_be_visible()
    expect(main).to_contain_text(email)
    expect(main).to_contain_text("Attention, pensez à bien vérifier vos SPAMS")
    expect(page.get_by_role("button", name="Renvoyer le lien")).to_be_visible()
    # Within the minute after the first link, « Renvoyer le lien » sends nothing and says when it can
    resends = []
    page.on("request", lambda r: resends.append(r.url) if r.url.endswith("/api/accounts/verify/resend") else None)
    page.get_by_role("button", name="Renvoyer le lien").click()
    expect(main).to_contain_text(re.compile(
        r"aucun nouveau lien n'est envoyé pour l'instant\. Vous pourrez en demander un nouveau à partir de "
        r"\d\d:\d\d:\d\d\."))
    assert resends == []

    # The emailed link confirms the address
    mail = wait_for_mail(live_stack, email, "/confirmer-email?token=")
    page.goto(base + link_path(mail["text"], "/confirmer-email?token="))
    expect(page.get_by_role("heading", level=1, name="Votre adresse e-mail est confirmée")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Se connecter").click()

    # Log in
    expect(page.get_by_role("heading", level=1, name="Se connecter")).to_be_visible()
    field(page, "Adresse e-mail").fill(email)
    field(page, "Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()

    # Mon compte: greeting, breadcrumb, the nine tiles of the guide in order
    expect(page.get_by_role("heading", level=1, name="Mon compte")).to_be_visible()
    assert urlsplit(page.url).path == "/mon-compte"
    expect(main).to_contain_text("Bonjour Marie")
    expect(page.get_by_role("navigation", name="Vous êtes ici :")).to_contain_text("Accueil")
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name="Mon compte")).to_have_attribute("aria-current", "page")
    # « Mon planning » appears only once the pre-enrolment is validated (the guide's « prochaine connexion »)
    expect(banner.locator("nav[data-planning='closed']")).to_have_count(1)
    expect(banner.get_by_role("link", name="Mon planning")).to_have_count(0)
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    tiles = page.get_by_role("list", name="Mon espace personnel").get_by_role("heading", level=2)
    expect(tiles).to_have_text(TILES)
    expect(page.get_by_role("link", name="Mon profil")).to_have_attribute("href", "/mon-compte/profil")
    foyer = page.get_by_role("article", name="Mon foyer")
    expect(foyer.get_by_role("link", name="Mon foyer")).to_have_attribute("href", "/mon-compte/foyer")
    expect(main.get_by_text("Bientôt disponible")).to_have_count(0)
    expect(main).to_contain_text("Mon compte doit être validé par le responsable de la structure")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(tiles.first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "mon-compte-mobile.png"), full_page=True)


def test_wizard_step_with_missing_field_shows_error_and_stays(page, live_stack):
    base = live_stack.base_url.rstrip("/")
    page.goto(f"{base}/inscription")
    expect(page.get_by_text("Étape 1 sur 5", exact=True)).to_be_visible()

    page.get_by_role("radio", name="Monsieur").check()
    field(page, "Prénom").fill("Paul")
    page.get_by_role("button", name="Suivant").click()

    last_name = field(page, "Nom")
    expect(page.get_by_role("alert")).to_contain_text("Indiquez votre nom.")
    expect(last_name).to_have_attribute("aria-invalid", "true")
    expect(last_name).to_have_accessible_description(re.compile("Indiquez votre nom."))
    expect(last_name).to_be_focused()
    expect(page.get_by_text("Étape 1 sur 5", exact=True)).to_be_visible()
    expect(page.get_by_text("Étape 2 sur 5", exact=True)).to_have_count(0)
    # What was typed is kept
    expect(field(page, "Prénom")).to_have_value("Paul")

    # Fixed, the step moves on; a wrong phone number stops step 2 in the same way
    last_name.fill("Martin")
    click_next(page, "Étape 2 sur 5")
    field(page, "Adresse e-mail").fill("paul.martin@example.org")
    field(page, "Téléphone mobile").fill("01 23 45 67 89")
    page.get_by_role("button", name="Suivant").click()
    phone = field(page, "Téléphone mobile")
    expect(phone).to_have_accessible_description(re.compile("mobile français"))
    expect(page.get_by_text("Étape 2 sur 5", exact=True)).to_be_visible()


def test_server_error_brings_back_the_step_holding_the_field(page, live_stack):
    """An address the API refuses (a reserved domain) sends the person back to step 2 with its message."""
    base = live_stack.base_url.rstrip("/")
    page.goto(f"{base}/inscription")
    page.get_by_role("radio", name="Monsieur").check()
    field(page, "Nom").fill("Martin")
    field(page, "Prénom").fill("Paul")
    click_next(page, "Étape 2 sur 5")
    field(page, "Adresse e-mail").fill("paul.martin@exemple.test")
    field(page, "Téléphone mobile").fill("+33 7 12 34 56 78")
    click_next(page, "Étape 3 sur 5")
    field(page, "Adresse").fill("3 place de la Mairie")
    field(page, "Code postal").fill("67500")
    field(page, "Ville").fill("Haguenau")
    click_next(page, "Étape 4 sur 5")
    field(page, "Mot de passe").fill("Printemps2025")
    field(page, "Confirmation du mot de passe").fill("Printemps2025")
    click_next(page, "Étape 5 sur 5")
    field(page, "J'accepte les conditions générales d'utilisation").check()
    field(page, "J'accepte la politique de confidentialité").check()
    page.get_by_role("button", name="Suivant").click()
    page.get_by_role("button", name="Créer mon compte").click()

    expect(page.get_by_text("Étape 2 sur 5", exact=True)).to_be_visible()
    email = field(page, "Adresse e-mail")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile("adresse e-mail valide"))
    expect(email).to_be_focused()
    expect(page.get_by_role("alert")).to_be_visible()
    # Corrected, the way back to the recap is one click
    email.fill("paul.martin@example.org")
    page.get_by_role("button", name="Revenir au récapitulatif").click()
    expect(page.get_by_role("heading", name="Récapitulatif")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("paul.martin@example.org")
