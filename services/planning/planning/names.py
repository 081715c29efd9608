"""Who a request is about, as the staff's lists show it: the child's full name and the family's name,
from planning's read model of enrolment's validations (``FamilyValidated`` carries them), and a search
that ignores case and accents (« lea » finds « Léa », « muller » finds the Muller family)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from planning.models import ReservationRequest, Validation


def fold(text: str) -> str:
    """Lower case without accents: the form searches compare."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


@dataclass(frozen=True)
class Names:
    child_first_name: str
    child_name: str  # « Léa Muller »
    family_name: str  # « Muller »

    def matches(self, text: str, *others: str) -> bool:
        wanted = fold(text.strip())
        return not wanted or any(wanted in fold(value) for value in (self.child_name, self.family_name, *others))


class NameBook(dict[str, list[Validation]]):
    """The validations of each family read once (one Query per family), only for requests written before they
    carried the names themselves."""

    def __missing__(self, family_id: str) -> list[Validation]:
        self[family_id] = found = list(Validation.query(f"FAMILY#{family_id}", Validation.sk.startswith("VALIDATION#")))
        return found

    def of(self, request: ReservationRequest) -> Names:
        if request.child_first_name and request.family_name:  # kept on the request since its creation: no read
            first, last = request.child_first_name, request.child_last_name or ""
            return Names(first, " ".join(p for p in (first, last) if p), request.family_name)
        rows = [v for v in self[request.family_id] if v.child_id == request.child_id]
        first = request.child_first_name or next((v.child_first_name for v in rows if v.child_first_name), "") or ""
        last = next((v.child_last_name for v in rows if v.child_last_name), "") or ""
        family = next((v.family_name for v in rows if v.family_name), "") or last
        return Names(first, " ".join(p for p in (first, last) if p), family)
