"""E-mails of the answers to a reservation request (guide "4. REPONSE A MA DEMANDE": acceptée, partiellement
acceptée, sur liste d'attente, refusée; and a place freed from the waiting list) and of confirmed cancellations.
Each event is published on the bus of the deployed template, routed to the notifications queue and sent
through SES."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.notifications.support import (
    SUFFIX,
    assert_links_to,
    assert_says,
    deliver,
    event,
    only_mail_to,
    publish,
    recap_table,
)

HEADER = ["Jour", "Plage d'accueil", "Semaines", "Acceptées", "En liste d'attente", "Refusées", "Motif"]
FULL = "Plus de place disponible à cette date."
WAITING = ("une présence en liste d'attente n'est pas réservée. Dès qu'une place se libère à cette date, elle est "
           "attribuée automatiquement, dans l'ordre de priorité des demandes. Vous n'avez rien à faire : nous vous "
           "préviendrons par e-mail dès qu'une place vous est attribuée.")
CONTRACT = ("imprimez-le, signez-le, puis déposez-le dans « Mes documents ».")
CONTRACT_WHERE = "Votre contrat d'accueil est disponible dans « Mes éditions »"
REFUSED = "Les présences refusées ne seront pas accueillies"


def outcome(weekday: str, slot: str, parity: str = "all", accepted: int = 0, waitlisted: int = 0,
            refused: int = 0, reason: str = "") -> dict[str, Any]:
    return {"weekday": weekday, "slot": slot, "parity": parity, "accepted": accepted, "waitlisted": waitlisted,
            "refused": refused, "reason": reason}


def lines(mail: dict[str, Any]) -> list[str]:
    return mail["text"].splitlines()


# --- the four answers ----------------------------------------------------------------------------------

def test_a_partially_accepted_request_lists_each_slot_and_explains_the_waiting_list(stack: Any) -> None:
    deliver(stack, event("RequestDecided"))  # the committee's answer to N° 000019

    mail = only_mail_to(stack, "claire@example.fr")
    assert mail["subject"] == "Votre demande N° 000019 est partiellement acceptée" + SUFFIX
    assert_says(mail, "Bonjour Claire,", "La commission d'attribution des places a étudié votre demande de réservation",
                "N° 000019", "Léa", "(cah)ACEM - SCHWEIGHOUSE", "PERISCOLAIRE 2024 - 2025 - SCHWEIGHOUSE",
                "Votre demande est partiellement acceptée",
                "une partie seulement des présences demandées est réservée", WAITING, CONTRACT_WHERE, CONTRACT)
    for line in ("Enfant : Léa", "Structure : (cah)ACEM - SCHWEIGHOUSE",
                 "Période : PERISCOLAIRE 2024 - 2025 - SCHWEIGHOUSE",
                 "- Lundi, PERISCOLAIRE MIDI (toutes les semaines) : 33 acceptées",
                 f"- Lundi, PERISCOLAIRE SOIR (toutes les semaines) : 33 en liste d'attente – Motif : {FULL}",
                 "- Mardi, PERISCOLAIRE MIDI (toutes les semaines) : 36 acceptées",
                 "- Jeudi, PERISCOLAIRE MIDI (toutes les semaines) : 33 acceptées",
                 "Total : 102 acceptées, 33 en liste d'attente"):
        assert line in lines(mail), (line, mail["text"])
    assert recap_table(mail["html"]) == [
        HEADER,
        ["Lundi", "PERISCOLAIRE MIDI", "toutes", "33", "0", "0", ""],
        ["Lundi", "PERISCOLAIRE SOIR", "toutes", "0", "33", "0", FULL],
        ["Mardi", "PERISCOLAIRE MIDI", "toutes", "36", "0", "0", ""],
        ["Jeudi", "PERISCOLAIRE MIDI", "toutes", "33", "0", "0", ""],
        ["Total", "102", "33", "0", ""],
    ]
    assert REFUSED not in mail["text"]
    assert_links_to(mail, "/mon-compte/planning")
    assert "<!doctype html>" in mail["html"]  # from base.html
    assert len(stack.mail()) == 1


def test_an_accepted_request_books_everything_and_points_to_the_contract(stack: Any) -> None:
    deliver(stack, event("RequestDecided", answer="accepted", trigger="decision", outcomes=[
        outcome("Lundi", "PERISCOLAIRE MIDI", accepted=33), outcome("Mardi", "PERISCOLAIRE MIDI", accepted=36)]))

    mail = only_mail_to(stack, "claire@example.fr")
    assert mail["subject"] == "Votre demande N° 000019 est acceptée" + SUFFIX
    assert_says(mail, "Le responsable de la structure a étudié votre demande de réservation",
                "Votre demande est acceptée", "toutes les présences demandées sont réservées.",
                CONTRACT_WHERE, CONTRACT)
    assert "Total : 69 acceptées" in lines(mail)
    assert recap_table(mail["html"])[1:] == [["Lundi", "PERISCOLAIRE MIDI", "toutes", "33", "0", "0", ""],
                                             ["Mardi", "PERISCOLAIRE MIDI", "toutes", "36", "0", "0", ""],
                                             ["Total", "69", "0", "0", ""]]
    assert "Liste d'attente" not in mail["text"] and REFUSED not in mail["text"]
    assert "partiellement" not in mail["text"]
    assert_links_to(mail, "/mon-compte/planning")


def test_a_waitlisted_request_says_what_the_waiting_list_means_and_offers_no_contract(stack: Any) -> None:
    deliver(stack, event("RequestDecided", answer="waitlisted", trigger="automatic", outcomes=[
        outcome("Lundi", "PERISCOLAIRE SOIR", parity="even", waitlisted=17, reason=FULL),
        outcome("Lundi", "PERISCOLAIRE SOIR", parity="odd", waitlisted=16, reason=FULL)]))

    mail = only_mail_to(stack, "claire@example.fr")
    assert mail["subject"] == "Votre demande N° 000019 est sur liste d'attente" + SUFFIX
    assert_says(mail, "a été traitée selon les places disponibles", "Votre demande est sur liste d'attente",
                "il n'y a pas de place disponible pour le moment, aucune présence n'est encore réservée.", WAITING)
    assert f"- Lundi, PERISCOLAIRE SOIR (semaines paires) : 17 en liste d'attente – Motif : {FULL}" in lines(mail)
    assert f"- Lundi, PERISCOLAIRE SOIR (semaines impaires) : 16 en liste d'attente – Motif : {FULL}" in lines(mail)
    assert "Total : 33 en liste d'attente" in lines(mail)
    assert recap_table(mail["html"])[1:] == [["Lundi", "PERISCOLAIRE SOIR", "paires", "0", "17", "0", FULL],
                                             ["Lundi", "PERISCOLAIRE SOIR", "impaires", "0", "16", "0", FULL],
                                             ["Total", "0", "33", "0", ""]]
    assert "contrat d'accueil" not in mail["text"] and "contrat d'accueil" not in mail["html"]


def test_a_refused_request_gives_the_reason_and_offers_no_contract(stack: Any) -> None:
    reason = "Enfant non scolarisé à Schweighouse."
    deliver(stack, event("RequestDecided", answer="refused", trigger="decision", accepted_slots=[], outcomes=[
        outcome("Lundi", "PERISCOLAIRE MIDI", refused=33, reason=reason),
        outcome("Lundi", "PERISCOLAIRE SOIR", refused=1, reason=reason)]))

    mail = only_mail_to(stack, "claire@example.fr")
    assert mail["subject"] == "Votre demande N° 000019 est refusée" + SUFFIX
    assert_says(mail, "Votre demande est refusée", "les présences demandées ne pourront pas être accueillies.",
                REFUSED, "adressez-vous au responsable de votre structure", reason)
    assert f"- Lundi, PERISCOLAIRE MIDI (toutes les semaines) : 33 refusées – Motif : {reason}" in lines(mail)
    assert f"- Lundi, PERISCOLAIRE SOIR (toutes les semaines) : 1 refusée – Motif : {reason}" in lines(mail)
    assert "Total : 34 refusées" in lines(mail)
    assert recap_table(mail["html"])[-1] == ["Total", "0", "0", "34", ""]
    assert "contrat d'accueil" not in mail["text"] and "Liste d'attente" not in mail["text"]


@pytest.mark.parametrize(("answer", "subject"), [
    ("accepted", "Votre demande N° 000019 est acceptée"),
    ("partially_accepted", "Votre demande N° 000019 est partiellement acceptée"),
    ("waitlisted", "Votre demande N° 000019 est sur liste d'attente"),
    ("refused", "Votre demande N° 000019 est refusée"),
])
@pytest.mark.parametrize("trigger", ["decision", "committee", "automatic"])
def test_the_subject_says_the_answer(stack: Any, answer: str, subject: str, trigger: str) -> None:
    deliver(stack, event("RequestDecided", answer=answer, trigger=trigger))

    assert only_mail_to(stack, "claire@example.fr")["subject"] == subject + SUFFIX


def test_a_mixed_element_shows_every_count_and_its_reason(stack: Any) -> None:
    deliver(stack, event("RequestDecided", outcomes=[
        outcome("Vendredi", "PERISCOLAIRE SOIR", parity="odd", accepted=10, waitlisted=5, refused=1, reason=FULL)]))

    mail = only_mail_to(stack, "claire@example.fr")
    assert (f"- Vendredi, PERISCOLAIRE SOIR (semaines impaires) : 10 acceptées, 5 en liste d'attente, 1 refusée"
            f" – Motif : {FULL}") in lines(mail)
    assert recap_table(mail["html"])[1] == ["Vendredi", "PERISCOLAIRE SOIR", "impaires", "10", "5", "1", FULL]
    assert_says(mail, WAITING, REFUSED, CONTRACT_WHERE)


def test_elements_left_with_only_cancelled_slots_are_not_listed(stack: Any) -> None:
    deliver(stack, event("RequestDecided", answer="accepted", outcomes=[
        outcome("Lundi", "PERISCOLAIRE MIDI", accepted=33), outcome("Mardi", "PERISCOLAIRE SOIR")]))

    mail = only_mail_to(stack, "claire@example.fr")
    assert "Mardi" not in mail["text"] and "Mardi" not in mail["html"]
    assert [row[0] for row in recap_table(mail["html"])] == ["Jour", "Lundi", "Total"]


def test_without_outcomes_the_accepted_slots_are_listed(stack: Any) -> None:
    # A producer of schema 1 before the outcomes existed sends only the accepted slots.
    deliver(stack, event("RequestDecided", outcomes=[]))

    mail = only_mail_to(stack, "claire@example.fr")
    assert_says(mail, "Présences acceptées : Jeudi PERISCOLAIRE MIDI, Lundi PERISCOLAIRE MIDI, Mardi PERISCOLAIRE MIDI")
    assert recap_table(mail["html"]) == []
    assert "Présences par jour" not in mail["text"]


# --- a place freed from the waiting list ---------------------------------------------------------------

def test_a_place_freed_from_the_waiting_list_has_its_own_subject(stack: Any) -> None:
    deliver(stack, event("RequestDecided", trigger="waitlist", outcomes=[
        outcome("Lundi", "PERISCOLAIRE MIDI", accepted=33),
        outcome("Lundi", "PERISCOLAIRE SOIR", accepted=1, waitlisted=32, reason=FULL)]))

    mail = only_mail_to(stack, "claire@example.fr")
    assert mail["subject"] == "Une place s'est libérée : votre demande N° 000019" + SUFFIX
    assert_says(mail, "une place s'est libérée", "a été attribuée", "Léa", "N° 000019",
                "Des présences qui étaient en liste d'attente sont désormais acceptées.",
                "Votre demande est partiellement acceptée", WAITING, CONTRACT_WHERE)
    assert "Bonne nouvelle : une place s'est libérée et a été attribuée à Léa" in mail["text"]
    assert (f"- Lundi, PERISCOLAIRE SOIR (toutes les semaines) : 1 acceptée, 32 en liste d'attente – Motif : {FULL}"
            in lines(mail))
    assert "La commission" not in mail["text"]


def test_the_waiting_list_subject_wins_over_the_answer(stack: Any) -> None:
    deliver(stack, event("RequestDecided", trigger="waitlist", answer="accepted",
                         outcomes=[outcome("Lundi", "PERISCOLAIRE SOIR", accepted=33)]))

    mail = only_mail_to(stack, "claire@example.fr")
    assert mail["subject"] == "Une place s'est libérée : votre demande N° 000019" + SUFFIX
    assert_says(mail, "Votre demande est acceptée", CONTRACT_WHERE)


# --- confirmed cancellations ---------------------------------------------------------------------------

def test_a_confirmed_cancellation_lists_what_was_cancelled(stack: Any) -> None:
    deliver(stack, event("CancellationConfirmed"))

    mail = only_mail_to(stack, "claire@example.fr")
    assert mail["subject"] == "Annulation confirmée – réservation N° 000019" + SUFFIX
    assert ("L'annulation de 2 présences de Léa sur votre demande de réservation N° 000019 est confirmée :"
            in mail["text"])
    assert_says(mail, "Bonjour Claire,", "L'annulation de", "N° 000019", "est confirmée",
                "(cah)ACEM - SCHWEIGHOUSE", "PERISCOLAIRE 2024 - 2025 - SCHWEIGHOUSE",
                "Ces présences ne sont plus réservées.",
                "Les places libérées sont proposées aux familles en liste d'attente.")
    for line in ("Enfant : Léa", "- Mardi, PERISCOLAIRE MIDI : 1 date, le 03/09/2024",
                 "- Mardi, PERISCOLAIRE SOIR : 1 date, le 03/09/2024", "Total annulé : 2 présences"):
        assert line in lines(mail), (line, mail["text"])
    assert recap_table(mail["html"]) == [
        ["Jour", "Plage d'accueil", "Nombre de dates", "Du", "Au"],
        ["Mardi", "PERISCOLAIRE MIDI", "1", "03/09/2024", "03/09/2024"],
        ["Mardi", "PERISCOLAIRE SOIR", "1", "03/09/2024", "03/09/2024"],
        ["Total annulé", "2", ""]]
    assert "sera traitée" not in mail["text"]
    assert_links_to(mail, "/mon-compte/planning")


def test_a_single_confirmed_cancellation_names_its_date(stack: Any) -> None:
    rows = [{"weekday": "Mardi", "slot": "PERISCOLAIRE MIDI", "count": 1, "first": "2024-09-03",
             "last": "2024-09-03"}]
    deliver(stack, event("CancellationConfirmed", recap=rows, line_count=1))

    mail = only_mail_to(stack, "claire@example.fr")
    assert ("L'annulation de la présence de Léa du mardi 3 septembre 2024 (PERISCOLAIRE MIDI) sur votre demande "
            "de réservation N° 000019 est confirmée.") in mail["text"]
    assert "Total annulé : 1 présence" in lines(mail)


# --- delivery ------------------------------------------------------------------------------------------

def test_answers_and_confirmations_delivered_twice_send_each_email_once(stack: Any) -> None:
    decided, freed = event("RequestDecided"), event("RequestDecided", event_id="freed-1", trigger="waitlist")
    confirmed = event("CancellationConfirmed")
    publish(stack, decided, freed, confirmed)
    publish(stack, decided, freed, confirmed)  # same event_ids: a redelivery
    stack.drain()
    deliver(stack, decided, confirmed)  # and once more, later

    assert sorted(m["subject"] for m in stack.mail_to("claire@example.fr")) == [
        "Annulation confirmée – réservation N° 000019" + SUFFIX,
        "Une place s'est libérée : votre demande N° 000019" + SUFFIX,
        "Votre demande N° 000019 est partiellement acceptée" + SUFFIX,
    ]
    assert len(stack.mail()) == 3


@pytest.mark.parametrize("detail_type", ["RequestDecided", "CancellationConfirmed"])
def test_without_an_address_nothing_is_sent_and_a_warning_is_logged(
        stack: Any, caplog: pytest.LogCaptureFixture, detail_type: str) -> None:
    # Planning copies the address from its read model of enrolment's validations, which may lack one.
    caplog.set_level(logging.INFO)
    deliver(stack, event(detail_type, email=""))

    assert stack.mail() == []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "notifications"]
    assert [r.getMessage() for r in warnings] == [f"{detail_type} without an address: no e-mail"]


def test_names_and_reasons_are_escaped_in_html(stack: Any) -> None:
    deliver(stack, event("RequestDecided", period_name="Été <2025>", outcomes=[
        outcome("Lundi", "<b>MIDI</b>", refused=1, reason="<script>x</script>")]))

    mail = only_mail_to(stack, "claire@example.fr")
    assert "<b>MIDI</b>" not in mail["html"] and "<script>" not in mail["html"]
    assert "&lt;b&gt;MIDI&lt;/b&gt;" in mail["html"] and "&lt;script&gt;x&lt;/script&gt;" in mail["html"]
    assert "Été &lt;2025&gt;" in mail["html"]
    assert "- Lundi, <b>MIDI</b> (toutes les semaines) : 1 refusée – Motif : <script>x</script>" in lines(mail)


def test_without_names_the_sentences_still_read_well(stack: Any) -> None:
    deliver(stack, event("RequestDecided", first_name="", child_first_name=""),
            event("RequestDecided", event_id="freed-2", trigger="waitlist", first_name="", child_first_name=""),
            event("CancellationConfirmed", first_name="", child_first_name=""))

    mails = stack.mail_to("claire@example.fr")
    assert len(mails) == 3
    for mail in mails:
        assert mail["text"].startswith("Bonjour,\n")
        assert "Enfant" not in mail["text"] and "Enfant" not in mail["html"]
        assert "<strong></strong>" not in mail["html"]
        assert " pour ." not in mail["text"] and " à  " not in mail["text"]
    texts = "\n".join(m["text"] for m in mails)
    assert "La commission d'attribution des places a étudié votre demande de réservation N° 000019." in texts
    assert "une place s'est libérée et a été attribuée sur votre demande de réservation N° 000019." in texts
    assert "L'annulation de 2 présences sur votre demande de réservation N° 000019 est confirmée :" in texts
