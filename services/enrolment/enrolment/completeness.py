"""What a pre-enrolment request still lacks: plain functions over the family file, no AWS.

Each missing item has a code, a French label and the portal path of the screen that fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from enrolment.schemas import ChildData, Household, Profile

DOC_LABELS = {
    "vaccinations": "Copie des vaccins",
    "health_form": "Fiche sanitaire signée",
    "insurance": "Attestation d'assurance",
    "mandatory_proofs": "Justificatifs obligatoires",
    "caf_quotient": "Copie du quotient familial de la CAF",
    "rgpd_charter": "Charte RGPD colo'apprenantes signée",
    "news_charter": "Charte OnDonneDesNouvelles signée",
    "welcome_contract": "Contrat d'accueil signé",
}
# Required documents per activity: (type, scope) where scope is "child" or "family".
REQUIREMENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "periscolaire": (("vaccinations", "child"), ("health_form", "child"), ("insurance", "family"),
                     ("mandatory_proofs", "family")),
    "creche": (("vaccinations", "child"), ("health_form", "child"), ("insurance", "family"),
               ("caf_quotient", "family"), ("mandatory_proofs", "family")),
    "sejour": (("health_form", "child"), ("vaccinations", "child"), ("insurance", "family"),
               ("caf_quotient", "family"), ("rgpd_charter", "family"), ("news_charter", "family")),
}
DOCUMENTS_LINK = "/mon-compte/documents"


@dataclass(frozen=True)
class Missing:
    code: str
    label: str
    link: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "label": self.label, "link": self.link}


@dataclass(frozen=True)
class DocumentState:
    type: str
    child_id: str | None
    status: str
    valid_until: date | None


def requirements_view() -> dict[str, list[dict[str, str]]]:
    return {kind: [{"type": t, "label": DOC_LABELS[t], "scope": scope} for t, scope in items]
            for kind, items in REQUIREMENTS.items()}


def _usable(doc: DocumentState, today: date, accepted_only: bool) -> bool:
    ok_status = ("accepted",) if accepted_only else ("pending", "accepted")
    return doc.status in ok_status and (doc.valid_until is None or doc.valid_until >= today)


def missing_documents(kind: str, child_id: str, documents: list[DocumentState], today: date,
                      accepted_only: bool = False) -> list[Missing]:
    """Required documents absent, rejected or expired (``accepted_only``: not yet accepted by staff)."""
    result = []
    for doc_type, scope in REQUIREMENTS[kind]:
        wanted_child = child_id if scope == "child" else None
        if not any(d.type == doc_type and d.child_id == wanted_child and _usable(d, today, accepted_only)
                   for d in documents):
            code = f"document_{doc_type}" + (f"_{child_id}" if scope == "child" else "")
            result.append(Missing(code, DOC_LABELS[doc_type], DOCUMENTS_LINK))
    return result


def missing_items(kind: str, profile: Profile | None, household: Household | None, child_id: str,
                  child: ChildData, documents: list[DocumentState], today: date) -> list[Missing]:
    """Everything a request of ``kind`` for ``child`` still lacks, in the order of the guide's screens."""
    result: list[Missing] = []
    if profile is None:
        result.append(Missing("profile", "Mon profil : informations personnelles à compléter", "/mon-compte/profil"))
    if household is None:
        result.append(Missing("household", "Mon foyer : coordonnées de facturation et régime allocataire",
                              "/mon-compte/foyer"))
    child_link = f"/mon-compte/enfants/{child_id}"
    name = child.first_name
    if not child.medical.doctor_name:
        result.append(Missing(f"doctor_{child_id}", f"{name} : médecin traitant", child_link))
    if not child.medical.vaccinations:
        result.append(Missing(f"vaccinations_{child_id}", f"{name} : vaccinations", child_link))
    if child.authorisations.emergency_care is None:
        result.append(Missing(f"emergency_care_{child_id}", f"{name} : autorisation de soins d'urgence",
                              child_link))
    if any(getattr(child.authorisations, f) is None for f in ("photos", "leave_alone", "transport")):
        result.append(Missing(f"authorisations_{child_id}", f"{name} : autorisations (photos, départ seul, "
                              "transport)", child_link))
    if not child.authorised_persons:
        result.append(Missing(f"authorised_persons_{child_id}",
                              f"{name} : personnes autorisées à récupérer l'enfant", child_link))
    if kind == "periscolaire" and child.school is None:
        result.append(Missing(f"school_{child_id}", f"{name} : informations scolaires", "/mon-compte/scolarite"))
    result.extend(missing_documents(kind, child_id, documents, today))
    return result


def as_fields(missing: list[Missing]) -> dict[str, Any]:
    return {m.code: m.label for m in missing}
