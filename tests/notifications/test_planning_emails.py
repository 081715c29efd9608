"""E-mails of Mon planning to the family: the recap of a validated request (or of slots added to it) and the
acknowledgement of a cancellation request. Each event is published on the bus of the deployed template,
routed to the notifications queue and sent through SES."""

from __future__ import annotations

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

GUIDE = ("En période de pré-inscription périscolaire, reportez-vous à votre lettre d'information pour connaître "
         "la date du retour de la commission d'attribution des places. En dehors de cette période, le responsable "
         "de la structure vous informera de la suite donnée à votre demande.")
REQUEST_ROWS = [
    ["Lundi", "PERISCOLAIRE MIDI", "33", "02/09/2024", "30/06/2025"],
    ["Lundi", "PERISCOLAIRE SOIR", "33", "02/09/2024", "30/06/2025"],
    ["Mardi", "PERISCOLAIRE MIDI", "36", "03/09/2024", "01/07/2025"],
    ["Jeudi", "PERISCOLAIRE MIDI", "33", "05/09/2024", "03/07/2025"],
]


def test_a_validated_planning_sends_its_recap_to_the_family(stack: Any) -> None:
    deliver(stack, event("ReservationRequestSubmitted"))

    mail = only_mail_to(stack, "claire@example.fr")
    assert mail["subject"] == "Récapitulatif de votre demande de réservation N° 000019" + SUFFIX
    assert_says(mail, "Bonjour Claire,", "N° 000019", "Léa", "a bien été enregistrée",
                "(cah)ACEM - SCHWEIGHOUSE", "PERISCOLAIRE 2024 - 2025 - SCHWEIGHOUSE",
                "Votre demande est en attente de réponse.", GUIDE)
    assert "ont été ajoutées" not in mail["text"]
    for line in ("Enfant : Léa", "Structure : (cah)ACEM - SCHWEIGHOUSE",
                 "Période : PERISCOLAIRE 2024 - 2025 - SCHWEIGHOUSE",
                 "- Lundi, PERISCOLAIRE MIDI : 33 dates, du 02/09/2024 au 30/06/2025",
                 "- Lundi, PERISCOLAIRE SOIR : 33 dates, du 02/09/2024 au 30/06/2025",
                 "- Mardi, PERISCOLAIRE MIDI : 36 dates, du 03/09/2024 au 01/07/2025",
                 "- Jeudi, PERISCOLAIRE MIDI : 33 dates, du 05/09/2024 au 03/07/2025",
                 "Total : 135 présences"):
        assert line in mail["text"].splitlines(), (line, mail["text"])
    assert recap_table(mail["html"]) == [
        ["Jour", "Plage d'accueil", "Nombre de dates", "Du", "Au"], *REQUEST_ROWS, ["Total", "135", ""]]
    assert_links_to(mail, "/mon-compte/planning")
    assert "<!doctype html>" in mail["html"]  # from base.html
    assert len(stack.mail()) == 1


def test_slots_added_to_a_request_send_an_addition_recap(stack: Any) -> None:
    added = [{"weekday": "Vendredi", "slot": "PERISCOLAIRE SOIR", "count": 12, "first": "2024-09-06",
              "last": "2024-12-20"}]
    deliver(stack, event("ReservationRequestSubmitted", added=True, recap=added, line_count=12))

    mail = only_mail_to(stack, "claire@example.fr")
    assert mail["subject"] == "Ajout à votre demande de réservation N° 000019" + SUFFIX
    assert_says(mail, "Bonjour Claire,", "ont été ajoutées à votre demande de réservation",
                "s'ajoutent à celles que vous aviez déjà demandées", "Votre demande est en attente de réponse.", GUIDE)
    assert "a bien été enregistrée" not in mail["text"]
    assert "- Vendredi, PERISCOLAIRE SOIR : 12 dates, du 06/09/2024 au 20/12/2024" in mail["text"]
    assert "Total ajouté : 12 présences" in mail["text"]
    assert recap_table(mail["html"])[1:] == [["Vendredi", "PERISCOLAIRE SOIR", "12", "06/09/2024", "20/12/2024"],
                                             ["Total ajouté", "12", ""]]
    assert_links_to(mail, "/mon-compte/planning")


def test_a_cancellation_request_is_acknowledged_with_what_it_cancels(stack: Any) -> None:
    deliver(stack, event("CancellationRequested"))

    mail = only_mail_to(stack, "claire@example.fr")
    assert mail["subject"] == "Demande d'annulation – réservation N° 000019" + SUFFIX
    assert_says(mail, "Bonjour Claire,", "mardi 3 septembre 2024", "(PERISCOLAIRE MIDI)", "N° 000019",
                "(cah)ACEM - SCHWEIGHOUSE", "PERISCOLAIRE 2024 - 2025 - SCHWEIGHOUSE",
                "Votre demande d'annulation sera traitée par le responsable de la structure.")
    assert "l'annulation de la présence de Léa du mardi 3 septembre 2024 (PERISCOLAIRE MIDI)" in mail["text"]
    assert "- Mardi, PERISCOLAIRE MIDI : 1 date, le 03/09/2024" in mail["text"].splitlines()
    assert "Total à annuler : 1 présence" in mail["text"].splitlines()
    assert recap_table(mail["html"])[1:] == [["Mardi", "PERISCOLAIRE MIDI", "1", "03/09/2024", "03/09/2024"],
                                             ["Total à annuler", "1", ""]]
    assert "en attente de réponse" not in mail["text"]
    assert_links_to(mail, "/mon-compte/planning")


def test_cancelling_from_a_date_onward_lists_every_row(stack: Any) -> None:
    rows = [{"weekday": "Lundi", "slot": "PERISCOLAIRE MIDI", "count": 10, "first": "2025-04-07",
             "last": "2025-06-30"},
            {"weekday": "Lundi", "slot": "PERISCOLAIRE SOIR", "count": 10, "first": "2025-04-07",
             "last": "2025-06-30"}]
    deliver(stack, event("CancellationRequested", recap=rows, line_count=20))

    mail = only_mail_to(stack, "claire@example.fr")
    assert "Vous avez demandé l'annulation de 20 présences de Léa sur votre demande de réservation N° 000019" in (
        mail["text"])
    assert "- Lundi, PERISCOLAIRE SOIR : 10 dates, du 07/04/2025 au 30/06/2025" in mail["text"].splitlines()
    assert "Total à annuler : 20 présences" in mail["text"].splitlines()
    assert recap_table(mail["html"])[1:] == [["Lundi", "PERISCOLAIRE MIDI", "10", "07/04/2025", "30/06/2025"],
                                             ["Lundi", "PERISCOLAIRE SOIR", "10", "07/04/2025", "30/06/2025"],
                                             ["Total à annuler", "20", ""]]


def test_planning_events_delivered_twice_send_each_email_once(stack: Any) -> None:
    submitted, cancelled = event("ReservationRequestSubmitted"), event("CancellationRequested")
    publish(stack, submitted, cancelled)
    publish(stack, submitted, cancelled)  # same event_ids: a redelivery
    stack.drain()
    deliver(stack, submitted)  # and once more, later

    assert sorted(m["subject"] for m in stack.mail_to("claire@example.fr")) == [
        "Demande d'annulation – réservation N° 000019" + SUFFIX,
        "Récapitulatif de votre demande de réservation N° 000019" + SUFFIX,
    ]
    assert len(stack.mail()) == 2


def test_names_in_the_recap_are_escaped_in_html(stack: Any) -> None:
    rows = [{"weekday": "Lundi", "slot": "<b>MIDI</b>", "count": 1, "first": "2024-09-02", "last": "2024-09-02"}]
    deliver(stack, event("ReservationRequestSubmitted", recap=rows, line_count=1, period_name="Été <2025>"))

    mail = only_mail_to(stack, "claire@example.fr")
    assert "<b>MIDI</b>" not in mail["html"] and "<2025>" not in mail["html"]
    assert "&lt;b&gt;MIDI&lt;/b&gt;" in mail["html"] and "Été &lt;2025&gt;" in mail["html"]
    assert "- Lundi, <b>MIDI</b> : 1 date, le 02/09/2024" in mail["text"]
    assert "Total : 1 présence" in mail["text"]


@pytest.mark.parametrize("detail_type", ["ReservationRequestSubmitted", "CancellationRequested"])
def test_without_an_address_nothing_is_sent(stack: Any, detail_type: str) -> None:
    # Planning copies the address from its read model of enrolment's validations, which may lack one.
    deliver(stack, event(detail_type, email=""))

    assert stack.mail() == []


def test_without_names_the_sentences_still_read_well(stack: Any) -> None:
    deliver(stack, event("ReservationRequestSubmitted", first_name="", child_first_name=""),
            event("CancellationRequested", first_name="", child_first_name=""))

    mails = {m["subject"].split(" ")[0]: m for m in stack.mail_to("claire@example.fr")}
    assert set(mails) == {"Récapitulatif", "Demande"}
    for mail in mails.values():
        assert mail["text"].startswith("Bonjour,\n")
        assert "Enfant" not in mail["text"] and "Enfant" not in mail["html"]
        assert "<strong></strong>" not in mail["html"]
    assert "Votre demande de réservation N° 000019 a bien été enregistrée." in mails["Récapitulatif"]["text"]
    assert "l'annulation de la présence du mardi 3 septembre 2024 (PERISCOLAIRE MIDI)" in mails["Demande"]["text"]
