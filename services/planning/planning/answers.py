"""What a request's answer is, and how it is told: derived from its lines' statuses (the guide's four
answers, plus "still waiting" and "cancelled"), grouped per pattern element, with a French sentence
that explains it to the family. Plain functions: no AWS."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Protocol, cast

from shared.events.planning import ANSWER_LABELS

WEEKDAYS = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")
PARITY_LABELS = {"all": "toutes les semaines", "even": "semaines paires", "odd": "semaines impaires"}
LABELS = ANSWER_LABELS  # one table of answer words, shared with enrolment's contract
ElementKey = tuple[int, str, str]  # weekday, slot code, parity


class LineLike(Protocol):
    """What the answer reads of a line: a stored line or a planned one (read-only, so both fit)."""

    @property
    def date(self) -> str: ...

    @property
    def slot_code(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def reason(self) -> str | None: ...


def like(lines: Sequence[Any]) -> Sequence[LineLike]:
    """Stored lines seen as :class:`LineLike` (mypy does not resolve PynamoDB's attribute descriptors when it
    matches a protocol; at run time a stored line has exactly these attributes)."""
    return cast("Sequence[LineLike]", lines)


def answer_of(statuses: Iterable[str]) -> str:
    """The request's answer: ``offered`` while a place waits for the family's reply, ``pending`` while any
    line waits for a decision; a line whose cancellation is asked still counts as what it was (accepted)."""
    seen = {"accepted" if s == "cancel_requested" else s for s in statuses}
    live = seen - {"cancelled"}
    if not live:
        return "cancelled" if seen else "pending"
    if "offered" in live:
        return "offered"
    if "pending" in live:
        return "pending"
    if live == {"accepted"}:
        return "accepted"
    if "accepted" in live:
        return "partially_accepted"
    return "waitlisted" if "waitlisted" in live else "refused"


def element_of(line: LineLike, pattern: list[dict[str, Any]]) -> ElementKey:
    """The pattern element (weekday × slot × parity) a line was copied from."""
    day = date.fromisoformat(line.date)
    for e in pattern:
        if e["weekday"] == day.weekday() and e["slot_code"] == line.slot_code:
            parity = e.get("parity", "all")
            if parity == "all" or (day.isocalendar().week % 2 == 0) == (parity == "even"):
                return (e["weekday"], e["slot_code"], parity)
    return (day.weekday(), line.slot_code, "all")


def group_by_element(lines: Iterable[LineLike], pattern_json: str | None) -> dict[ElementKey, list[Any]]:
    pattern = json.loads(pattern_json or "[]")
    groups: dict[ElementKey, list[Any]] = defaultdict(list)
    for line in lines:
        groups[element_of(line, pattern)].append(line)
    return dict(sorted(groups.items()))


def elements(lines: Iterable[LineLike], pattern_json: str | None, slot_label: Any) -> list[dict[str, Any]]:
    """One entry per pattern element: its dates, how many lines are in each status, and the reason
    given (a refusal's motif, "no place left on that date")."""
    result = []
    for (weekday, slot_code, parity), group in group_by_element(lines, pattern_json).items():
        counts = Counter(ln.status for ln in group)
        result.append({
            "weekday": weekday, "weekday_label": WEEKDAYS[weekday], "slot_code": slot_code,
            "slot_label": slot_label(slot_code), "parity": parity, "parity_label": PARITY_LABELS[parity],
            "counts": dict(counts), "first": min(ln.date for ln in group), "last": max(ln.date for ln in group),
            "reason": next((ln.reason for ln in group if ln.reason), ""),
        })
    return result


def outcome_rows(element_views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each element's outcome as the e-mail and the family's screen tell it."""
    return [{"weekday": e["weekday_label"], "slot": e["slot_label"], "parity": e["parity"],
             "accepted": e["counts"].get("accepted", 0) + e["counts"].get("cancel_requested", 0),
             "offered": e["counts"].get("offered", 0),
             "waitlisted": e["counts"].get("waitlisted", 0), "refused": e["counts"].get("refused", 0),
             "pending": e["counts"].get("pending", 0), "reason": e["reason"]} for e in element_views]


def explanation(answer: str, outcomes: list[dict[str, Any]], committee_window: bool = False) -> str:
    """The answer in one or two French sentences, for the family."""
    refused = [o for o in outcomes if o["refused"]]
    # a motif typed with its own full stop must not end in « .. » once the sentence closes
    motifs = "; ".join(sorted({o["reason"].strip().rstrip(".").rstrip() for o in refused if o["reason"].strip()}))
    if answer == "pending":
        who = "la commission d'attribution des places" if committee_window else "le responsable de la structure"
        return f"Votre demande est en cours d'examen : {who} vous répondra par e-mail."
    if answer == "accepted":
        return ("Toutes les présences demandées sont acceptées. "
                "Le contrat d'accueil est disponible dans « Mes éditions ».")
    if answer == "offered":
        return ("Une place s'est libérée : elle vous est proposée et réservée jusqu'à la date indiquée. "
                "Acceptez-la ou déclinez-la ; sans réponse dans ce délai, elle sera proposée à la famille suivante.")
    if answer == "cancelled":
        return "Toutes les présences de cette demande sont annulées."
    waiting = ("Les présences sur liste d'attente sont servies par ordre de priorité puis de date de demande : "
               "vous recevrez un e-mail dès qu'une place se libère.")
    if answer == "partially_accepted":
        told = ["Une partie des présences demandées est acceptée (le détail par créneau est ci-dessous)."]
        if any(o["waitlisted"] for o in outcomes):
            told.append(waiting)
        if motifs:
            told.append(f"Motif du refus : {motifs}.")
        return " ".join(told)
    if answer == "waitlisted":
        return "Il n'y a pas de place disponible pour l'instant. " + waiting
    return f"Votre demande n'a pas pu être acceptée. Motif : {motifs}." if motifs else \
        "Votre demande n'a pas pu être acceptée."
