"""Changes to validated information: which fields are watched, their French labels, and the diff.

Once a family is validated, a change to a watched field does not apply: it becomes a pending change
(old and new value) that the structure's staff approve or reject field by field.
"""

from __future__ import annotations

from typing import Any

FIELDS: dict[str, dict[str, str]] = {
    "profile": {
        "civility": "Civilité", "last_name": "Nom", "first_name": "Prénom", "address": "Adresse postale",
        "mobile_phone": "Téléphone mobile", "home_phone": "Téléphone fixe", "profession": "Profession",
        "employer": "Employeur", "work_phone": "Téléphone professionnel",
    },
    "household": {
        "spouse": "Conjoint(e)", "billing": "Coordonnées de facturation", "allocataire": "Régime allocataire",
        "quotient": "Quotient familial", "other_children": "Autres enfants du foyer",
    },
    "child": {
        "last_name": "Nom de l'enfant", "first_name": "Prénom de l'enfant", "sex": "Sexe",
        "birth_date": "Date de naissance", "medical.doctor_name": "Médecin traitant",
        "medical.doctor_phone": "Téléphone du médecin", "medical.vaccinations": "Vaccinations",
        "medical.allergies": "Allergies", "medical.diet": "Régime alimentaire", "medical.pai": "PAI",
        "medical.treatments": "Traitements", "medical.notes": "Observations médicales",
        "authorisations.photos": "Autorisation photos", "authorisations.leave_alone": "Autorisation de partir seul",
        "authorisations.transport": "Autorisation de transport",
        "authorisations.emergency_care": "Autorisation de soins d'urgence",
        "authorised_persons": "Personnes autorisées à récupérer l'enfant", "school": "Informations scolaires",
    },
}


def get(data: dict[str, Any] | None, path: str) -> Any:
    value: Any = data or {}
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def put(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``path`` set to ``value``."""
    result = dict(data)
    head, _, rest = path.partition(".")
    result[head] = put(dict(result.get(head) or {}), rest, value) if rest else value
    return result


def diff(scope: str, old: dict[str, Any] | None, new: dict[str, Any]) -> list[tuple[str, str, Any, Any]]:
    """``(field, label, old, new)`` for each watched field whose value changes."""
    return [(path, label, get(old, path), get(new, path)) for path, label in FIELDS[scope].items()
            if get(old, path) != get(new, path)]
