"""Mes éditions: documents the portal prints for the family (PDF, fpdf2 with its core fonts).

- the health form ("Fiche sanitaire de liaison"), pre-filled from the child's record, to print, sign and
  upload back as the ``health_form`` document;
- the welcome contract ("Contrat d'accueil") of a reservation request planning accepted (fully or
  partially): planning publishes ``RequestDecided`` and :func:`record_decision` keeps it as a
  ``Decision`` item of the family file.

The core fonts (Helvetica) are declared with WinAnsiEncoding, so the text is written in cp1252: every
French letter, the typographic apostrophe, dashes, « » and € print as they are; anything outside cp1252
becomes a plain equivalent or "?". The PDFs hold medical data: they are built in memory, returned to the
family (or staff) and never stored nor logged.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

from enrolment import family as family_file
from enrolment.models import Decision, family_pk
from shared import clock
from shared.errors import NotFound
from shared.events.planning import ANSWER_LABELS as SHARED_ANSWER_LABELS
from shared.events.planning import RequestDecided
from shared.logs import get_logger

logger = get_logger("enrolment")

AVAILABLE_ANSWERS = ("accepted", "partially_accepted")
# « Demande acceptée », « Demande partiellement acceptée »: the answer's words of the shared table.
ANSWER_LABELS = {code: f"Demande {label[0].lower()}{label[1:]}" for code, label in SHARED_ANSWER_LABELS.items()}
ACTIVITY_LABELS = {"periscolaire": "Accueil périscolaire", "mercredi": "Accueil du mercredi",
                   "creche": "Crèche (multi-accueil)", "sejour": "Séjour de vacances"}
HEALTH_FORM_TITLE = "Fiche sanitaire de liaison"
CONTRACT_TITLE = "Contrat d'accueil"
PORTAL_NAME = "Portail Familles"

_REPLACEMENTS = {"\u202f": " ", "\u2009": " ", "\u2007": " ", "\u2002": " ", "\u2003": " ", "\u2010": "-",
                 "\u2011": "-", "\u2212": "-", "\u2032": "'", "\u2033": '"', "\u2192": "->"}


def pdf_text(value: Any) -> str:
    """``value`` as text the core fonts can print (cp1252), keeping French letters and punctuation."""
    text = "" if value is None else str(value)
    text = "".join(_REPLACEMENTS.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFC", text)
    return text.encode("cp1252", "replace").decode("cp1252")


def french_date(value: date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    elif isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y")


def french_phone(value: str | None) -> str:
    """``+33612345678`` as ``06 12 34 56 78`` (numbers are stored in E.164)."""
    if not value:
        return ""
    digits = "0" + value[3:] if value.startswith("+33") else value
    if len(digits) == 10 and digits.isdigit():
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    return value


def yes_no(value: bool | None) -> str:
    return "Non renseigné" if value is None else ("Oui" if value else "Non")


def slug(value: str) -> str:
    """An ASCII file-name part: ``Léa-Marie`` → ``lea-marie``."""
    ascii_value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_value).strip("-") or "enfant"


# --- the PDF layout ------------------------------------------------------------------------------------



# --- the health form ------------------------------------------------------------------------------------

def health_form_pdf(view: family_file.FileView, child_id: str) -> bytes:
    """The child's "fiche sanitaire de liaison", pre-filled, with the blanks to sign."""
    child = view.child(child_id)
    profile = view.profile
    household = view.household
    medical = child.medical
    from enrolment.pdf import Pdf  # fpdf and its fonts load on the first PDF, not at cold start

    pdf = Pdf(HEALTH_FORM_TITLE, "document confidentiel (données de santé)")
    pdf.heading(HEALTH_FORM_TITLE,
                "Pré-remplie à partir du dossier famille le " + french_date(clock.now().date())
                + ". Vérifiez chaque information, complétez ou corrigez à la main si nécessaire, "
                  "puis datez, signez et déposez-la dans « Mes documents ».")

    pdf.section("L'enfant")
    pdf.field("Nom", child.last_name)
    pdf.field("Prénom", child.first_name)
    pdf.field("Sexe", {"F": "Fille", "M": "Garçon"}[child.sex])
    pdf.field("Date de naissance", french_date(child.birth_date))
    if child.school is not None:
        pdf.field("École", child.school.school_name)
        pdf.field("Classe (année scolaire)", f"{child.school.class_level} ({child.school.school_year})")

    pdf.section("Responsables légaux")
    if profile is not None:
        pdf.field("Responsable légal", f"{profile.civility} {profile.first_name} {profile.last_name}")
        address = profile.address
        pdf.field("Adresse", ", ".join(p for p in (address.line1, address.line2,
                                                   f"{address.postal_code} {address.city}") if p))
        pdf.field("Téléphone portable", french_phone(profile.mobile_phone))
        pdf.field("Téléphone domicile", french_phone(profile.home_phone), blank=False)
        pdf.field("Téléphone professionnel", french_phone(profile.work_phone), blank=False)
    else:
        family = view.family
        pdf.field("Responsable légal", f"{family.civility} {family.first_name} {family.last_name}")
        pdf.field("Adresse", "")
        pdf.field("Téléphone portable", "")
    pdf.field("E-mail", view.family.email)
    spouse = household.spouse if household is not None else None
    if spouse is not None:
        pdf.field("Second responsable", f"{spouse.civility} {spouse.first_name} {spouse.last_name}")
        pdf.field("Téléphone portable", french_phone(spouse.mobile_phone))
    else:
        pdf.field("Second responsable", "")
        pdf.field("Téléphone", "")

    pdf.section("Médecin traitant")
    pdf.field("Nom du médecin", medical.doctor_name)
    pdf.field("Téléphone du médecin", french_phone(medical.doctor_phone))

    pdf.section("Vaccinations")
    if medical.vaccinations:
        rows = [[v.name, french_date(v.date)] for v in sorted(medical.vaccinations, key=lambda v: v.date)]
        pdf.grid(["Vaccin", "Date"], rows, [120, 60])
    else:
        pdf.paragraph("Aucune vaccination renseignée : joignez la copie des pages vaccins du carnet de santé.")
    pdf.paragraph("Joindre la copie des pages « vaccinations » du carnet de santé. Si l'enfant n'a pas les "
                  "vaccins obligatoires, joindre un certificat médical de contre-indication.", size=8, style="I")

    pdf.section("Renseignements médicaux")
    pdf.field("Allergies", medical.allergies or "Aucune signalée")
    pdf.field("Régime alimentaire", medical.diet or "Aucun")
    pdf.field("PAI (projet d'accueil individualisé)", yes_no(medical.pai))
    pdf.field("Traitement en cours", medical.treatments or "Aucun")
    pdf.paragraph("Un traitement à prendre pendant l'accueil ne peut être donné qu'avec l'ordonnance et les "
                  "médicaments dans leur emballage d'origine, marqués au nom de l'enfant.", size=8, style="I")
    pdf.field("Autres informations utiles", medical.notes, blank=False)

    pdf.section("Autorisations")
    authorisations = child.authorisations
    pdf.field("Soins d'urgence", yes_no(authorisations.emergency_care))
    pdf.field("Photos et vidéos", yes_no(authorisations.photos))
    pdf.field("Départ seul", yes_no(authorisations.leave_alone))
    pdf.field("Transport", yes_no(authorisations.transport))

    pdf.section("Personnes autorisées à récupérer l'enfant")
    if child.authorised_persons:
        rows = [[p.name, p.relationship, french_phone(p.phone)] for p in child.authorised_persons]
        pdf.grid(["Nom", "Lien avec l'enfant", "Téléphone"], rows, [75, 55, 50])
    else:
        pdf.grid(["Nom", "Lien avec l'enfant", "Téléphone"], [["", "", ""], ["", "", ""]], [75, 55, 50])

    pdf.section("Engagement du responsable légal")
    statement = (f"Je soussigné(e) ......................................................, responsable légal de "
                 f"l'enfant {child.first_name} {child.last_name}, déclare exacts les renseignements portés sur "
                 "cette fiche")
    if authorisations.emergency_care:
        statement += (" et autorise le responsable de l'accueil à prendre, le cas échéant, toutes mesures "
                      "(traitement médical, hospitalisation, intervention chirurgicale) rendues nécessaires par "
                      "l'état de santé de l'enfant")
    pdf.paragraph(statement + ".")
    pdf.ln(2)
    pdf.paragraph("Fait à : .................................................    "
                  "Le : ........ / ........ / ................")
    pdf.signature_boxes(["Date et signature du responsable légal"], height=28)
    return pdf.done()


def health_form_filename(view: family_file.FileView, child_id: str) -> str:
    return f"fiche-sanitaire-{slug(view.child(child_id).first_name)}.pdf"


# --- the welcome contract -------------------------------------------------------------------------------

def welcome_contract_pdf(view: family_file.FileView, decision_data: dict[str, Any]) -> bytes:
    """The "contrat d'accueil" of an accepted (or partially accepted) reservation request."""
    data = RequestDecided.model_validate(decision_data)
    profile = view.profile
    child = view.child(data.child_id) if data.child_id in view.children else None
    from enrolment.pdf import Pdf

    pdf = Pdf(CONTRACT_TITLE, f"demande N° {data.request_number}")
    pdf.heading(CONTRACT_TITLE, f"Demande N° {data.request_number} – {ANSWER_LABELS[data.answer]} le "
                                f"{french_date(data.occurred_at)}")

    pdf.section("La structure d'accueil")
    pdf.field("Structure", data.structure_name)
    pdf.field("Activité", ACTIVITY_LABELS.get(data.activity, data.activity))
    pdf.field("Période", data.period_name)

    pdf.section("Le responsable légal")
    if profile is not None:
        pdf.field("Nom", f"{profile.civility} {profile.first_name} {profile.last_name}")
        address = profile.address
        pdf.field("Adresse", ", ".join(p for p in (address.line1, address.line2,
                                                   f"{address.postal_code} {address.city}") if p))
        pdf.field("Téléphone portable", french_phone(profile.mobile_phone))
    else:
        family = view.family
        pdf.field("Nom", f"{family.civility} {family.first_name} {family.last_name}")
        pdf.field("Adresse", "")
        pdf.field("Téléphone portable", "")
    pdf.field("E-mail", view.family.email)

    pdf.section("L'enfant accueilli")
    if child is not None:
        pdf.field("Nom et prénom", f"{child.last_name} {child.first_name}")
        pdf.field("Date de naissance", french_date(child.birth_date))
    else:
        pdf.field("Nom et prénom", "")
        pdf.field("Date de naissance", "")

    pdf.section("Accueil accordé")
    pdf.field("Décision", ANSWER_LABELS[data.answer])
    if data.accepted_slots:
        pdf.paragraph("Créneaux accordés :", style="B")
        for slot in data.accepted_slots:
            pdf.paragraph(f"•  {slot}")
    else:
        pdf.paragraph("Créneaux accordés : voir « Mon planning » sur le portail.")
    if data.answer == "partially_accepted":
        pdf.paragraph("Les autres créneaux demandés restent en liste d'attente ou n'ont pas pu être accordés ; "
                      "leur réponse figure dans « Mon planning ».", size=8.5, style="I")

    pdf.section("Engagements")
    for clause in (
        "La famille s'engage à respecter le règlement intérieur de la structure et les horaires d'accueil.",
        "Les réservations, ajouts et annulations se font sur le portail, dans les délais fixés pour la période ; "
        "une présence réservée et non annulée dans les délais est facturée.",
        "La participation financière est calculée selon le barème de la structure et le quotient familial "
        "transmis ; sans justificatif, le tarif maximal s'applique.",
        "La famille signale sans délai tout changement de situation (coordonnées, santé de l'enfant, personnes "
        "autorisées) dans son dossier sur le portail.",
    ):
        pdf.paragraph(f"-  {clause}")
    pdf.ln(2)
    pdf.paragraph("Fait en deux exemplaires, à : .................................................    "
                  "Le : ........ / ........ / ................")
    pdf.signature_boxes(["Pour la structure : nom, qualité et signature",
                         "Le responsable légal : date et signature, précédées de la mention « Lu et approuvé »"],
                        height=30)
    return pdf.done()


def welcome_contract_filename(decision_data: dict[str, Any]) -> str:
    return f"contrat-accueil-{slug(str(decision_data.get('request_number') or 'demande'))}.pdf"


# --- decisions (read model of planning's RequestDecided) -------------------------------------------------

def record_decision(event: RequestDecided) -> dict[str, Any]:
    """Keep planning's answer to a reservation request; a newer decision replaces an older one."""
    pk, sk = Decision.key(event.family_id, event.request_id)
    try:
        previous = Decision.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        previous = None
    if previous is not None:
        previous_at = datetime.fromisoformat(json.loads(previous.data)["occurred_at"])
        if previous_at > event.occurred_at:
            return {"request_id": event.request_id, "outcome": "older_decision_ignored"}
    Decision(pk, sk, family_id=event.family_id, request_id=event.request_id, data=event.model_dump_json(),
             available=event.answer in AVAILABLE_ANSWERS).save()
    return {"request_id": event.request_id, "answer": event.answer}


def decisions(family_id: str) -> list[Decision]:
    return list(Decision.query(family_pk(family_id), Decision.sk.startswith("DECISION#"), consistent_read=True))


def decision(family_id: str, request_id: str) -> dict[str, Any]:
    """The data of an available welcome contract; 404 while planning has not accepted the request."""
    try:
        item = Decision.get(*Decision.key(family_id, request_id), consistent_read=True)
    except DoesNotExist:
        item = None
    if item is None or not item.available:
        raise NotFound("Le contrat d'accueil n'est pas encore disponible : il le sera dès que la demande aura été "
                       "acceptée.", fields={"request_id": "Contrat non disponible."})
    return dict(json.loads(item.data))


def list_editions(view: family_file.FileView, decision_items: list[Decision]) -> list[dict[str, Any]]:
    """What "Mes éditions" offers: a health form per child, a welcome contract per accepted request.

    ``edition_id`` is the id the PDF route takes: ``/editions/<kind>/<edition_id>``.
    """
    result: list[dict[str, Any]] = []
    children = sorted(view.children.values(), key=lambda c: c.created_at)
    for child in children:
        first_name = view.child(child.child_id).first_name
        result.append({"edition_id": child.child_id, "kind": "health_form", "child_id": child.child_id,
                       "label": f"{HEALTH_FORM_TITLE} – {first_name}", "available": True})
    for item in sorted(decision_items, key=lambda d: d.request_id):
        if not item.available:
            continue
        data = json.loads(item.data)
        child_id = data.get("child_id")
        first_name = view.child(child_id).first_name if child_id in view.children else ""
        text = f"{CONTRACT_TITLE} – N° {data.get('request_number', '')} – {data.get('structure_name', '')}"
        if first_name:
            text += f" – {first_name}"
        result.append({"edition_id": item.request_id, "kind": "welcome_contract", "child_id": child_id,
                       "request_id": item.request_id, "label": text, "available": True})
    return result
