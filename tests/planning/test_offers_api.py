"""Places offered from the waiting list with a reply deadline (issue #5, period setting
``offer_reply_days``): a freed place is held for the first waiting family, which accepts or declines it;
declined or left past the deadline (the hourly schedule), it goes to the next family. Through HTTP, the
outbox, the bus, the queues and SES."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared import clock
from tests.planning.support import login, validated_family
from tests.planning.test_answers_api import API, GRANT, PERIOD, STRUCTURE, book, manager, settings, statuses

__all__ = ["manager"]  # the fixture, imported for this module's tests

DECLINED = "Place déclinée par la famille."
LAPSED = "Sans réponse dans le délai : la place a été proposée à la famille suivante."


def reply(stack: Any, token: str, request_id: str, accept: Any) -> Any:
    return stack.call("POST", f"{API}/requests/{request_id}/offer", {"accept": accept}, token=token)


def mails(stack: Any, email: str) -> list[dict[str, Any]]:
    return stack.mail_to(email)


def test_a_freed_place_is_offered_declined_lapsed_then_accepted(stack: Any, manager: str) -> None:
    assert settings(stack, manager, decision_mode="auto_accept", auto_confirm_cancellations=True,
                    offer_reply_days=2, capacities={"MIDI": 1}).status_code == 200
    alice, _ = validated_family(stack, "alice@example.fr", GRANT, "c-alice", "Alice")
    families = {name: validated_family(stack, f"{name}@example.fr", GRANT, f"c-{name}", name.title())[0]
                for name in ("basile", "chloe", "dylan")}
    a = book(stack, alice, "c-alice", ["MIDI"])
    requests = {name: book(stack, token, f"c-{name}", ["MIDI"])["request_id"] for name, token in families.items()}
    assert all(set(statuses(stack, families[n], r)) == {"waitlisted"} for n, r in requests.items())

    # Alice cancels from January: those places are offered to Basile, the first waiting, until Wednesday night.
    freed = stack.call("POST", f"{API}/requests/{a['request_id']}/cancel", {"from": "2027-01-01"}, token=alice)
    assert freed.status_code == 200
    count = freed.json["line_count"]
    basile = stack.call("GET", f"{API}/requests/{requests['basile']}", token=families["basile"]).json
    assert (basile["answer"], basile["answer_label"]) == ("offered", "Place proposée")
    assert basile["offer_until"] == "2026-06-03T21:59:59+00:00"  # 23:59:59 in Paris, two days after 1 June
    assert "proposée" in basile["explanation"] and "famille suivante" in basile["explanation"]
    assert statuses(stack, families["basile"], requests["basile"])["offered"] == count
    assert set(statuses(stack, families["chloe"], requests["chloe"])) == {"waitlisted"}
    waitlist = stack.call("GET", f"{API}/staff/waitlist?structure_id={STRUCTURE}", token=manager).json["items"]
    assert [(i["child_first_name"], i["offered_lines"], i["offer_until"]) for i in waitlist] == [
        ("Basile", count, "2026-06-03T21:59:59+00:00"), ("Chloe", 0, None), ("Dylan", 0, None)]
    stack.drain()
    (offer,) = [m for m in mails(stack, "basile@example.fr") if "Une place vous est proposée" in m["subject"]]
    assert "jusqu'au mercredi 3 juin 2026 à 23 h 59" in offer["text"]
    assert f"/mon-compte/planning/demandes/{requests['basile']}" in offer["text"]

    # Someone else's request, and a reply that is not yes or no, change nothing.
    assert reply(stack, families["chloe"], requests["basile"], True).status_code == 404
    maybe = reply(stack, families["basile"], requests["basile"], "peut-être")
    assert maybe.status_code == 400 and "accept" in maybe.json["error"]["fields"]
    assert statuses(stack, families["basile"], requests["basile"])["offered"] == count

    # Basile declines: his offered dates are refused with the motif, and Chloé is offered them.
    declined = reply(stack, families["basile"], requests["basile"], False)
    assert declined.status_code == 200 and declined.json["declined"] == count
    assert declined.json["answer"] == "waitlisted"  # his dates before January still wait
    refused = {ln["reason"] for ln in declined.json["lines"] if ln["status"] == "refused"}
    assert refused == {DECLINED}
    assert statuses(stack, families["chloe"], requests["chloe"])["offered"] == count
    assert reply(stack, families["basile"], requests["basile"], True).status_code == 409  # nothing offered now

    # Chloé does not answer: after the deadline the schedule gives the places to Dylan.
    clock.travel(timedelta(days=3))
    stack.run_schedule("planning_offers")
    chloe, dylan = login(stack, "chloe@example.fr"), login(stack, "dylan@example.fr")
    after = stack.call("GET", f"{API}/requests/{requests['chloe']}", token=chloe).json
    assert {ln["reason"] for ln in after["lines"] if ln["status"] == "refused"} == {LAPSED}
    assert after["offer_until"] is None
    late = reply(stack, chloe, requests["chloe"], True)
    assert late.status_code == 409 and "délai" in late.json["error"]["message"]
    assert statuses(stack, dylan, requests["dylan"])["offered"] == count

    # Dylan accepts: the places are his, the counters did not move, nobody else is offered anything.
    accepted = reply(stack, dylan, requests["dylan"], True)
    assert accepted.status_code == 200 and accepted.json["accepted"] == count
    assert (accepted.json["answer"], accepted.json["offer_until"]) == ("partially_accepted", None)
    stack.run_schedule("planning_offers")  # nothing is left to lapse
    assert statuses(stack, dylan, requests["dylan"])["accepted"] == count
    board = stack.call("GET", f"{API}/staff/board?structure_id={STRUCTURE}&period_id={PERIOD}&month=2027-01",
                       token=login(stack, "responsable@asso.fr")).json
    mondays = [d for d in board["days"] if d["open"] and datetime.fromisoformat(d["date"]).weekday() == 0]
    assert mondays and all(d["slots"][0]["taken"] == 1 for d in mondays if d["slots"][0]["code"] == "MIDI")

    stack.drain()
    subjects = {who: [m["subject"] for m in mails(stack, f"{who}@example.fr")] for who in ("chloe", "dylan")}
    assert any("Une place vous est proposée" in s for s in subjects["chloe"])
    (lapsed,) = [m for m in mails(stack, "chloe@example.fr") if "délai de réponse" in m["text"]]
    assert "proposée à la famille suivante" in lapsed["text"]
    (answered,) = [m for m in mails(stack, "dylan@example.fr") if "est enregistrée" in m["text"]]
    assert "partiellement acceptée" in answered["subject"]
    assert "Mes éditions" in answered["text"]  # the welcome contract


@pytest.mark.parametrize(("offer_reply_days", "waitlist_mode", "told"), [
    (3, "auto", "vous aurez alors 3 jours pour l'accepter"),
    (0, "manual", "le responsable de la structure l'attribue aux demandes en attente"),
    (0, "auto", "elle est attribuée automatiquement"),
])
def test_waiting_families_are_told_how_a_freed_place_will_reach_them(stack: Any, manager: str, offer_reply_days: int,
                                                                    waitlist_mode: str, told: str) -> None:
    assert settings(stack, manager, decision_mode="auto_accept", offer_reply_days=offer_reply_days,
                    waitlist_mode=waitlist_mode, capacities={"MIDI": 0}).status_code == 200
    token, _ = validated_family(stack, "basile@example.fr", GRANT, "c-basile", "Basile")
    book(stack, token, "c-basile", ["MIDI"])
    stack.drain()
    (waiting,) = stack.mail_to("basile@example.fr")[-1:]
    assert "liste d'attente" in waiting["subject"]
    assert told in waiting["text"]
    assert ("Vous n'avez rien à faire" in waiting["text"]) == (told == "elle est attribuée automatiquement")


@pytest.mark.parametrize("days", [-1, 31, "deux"])
def test_a_reply_delay_out_of_range_is_refused(stack: Any, manager: str, days: Any) -> None:
    refused = settings(stack, manager, offer_reply_days=days)
    assert refused.status_code == 400 and "offer_reply_days" in refused.json["error"]["fields"]
    periods = {p["period_id"]: p for p in stack.call("GET", f"{API}/catalogue", token=manager).json["periods"]}
    assert periods[PERIOD].get("offer_reply_days", 0) == 0  # nothing written


def test_offers_expire_only_after_their_deadline(stack: Any, manager: str) -> None:
    assert settings(stack, manager, decision_mode="auto_accept", auto_confirm_cancellations=True,
                    offer_reply_days=1, capacities={"MIDI": 1}).status_code == 200
    first, _ = validated_family(stack, "alice@example.fr", GRANT, "c-alice", "Alice")
    second, _ = validated_family(stack, "basile@example.fr", GRANT, "c-basile", "Basile")
    a = book(stack, first, "c-alice", ["MIDI"])
    b = book(stack, second, "c-basile", ["MIDI"])["request_id"]
    assert stack.call("POST", f"{API}/requests/{a['request_id']}/cancel", {"all": True}, token=first).status_code == 200
    until = datetime.fromisoformat(stack.call("GET", f"{API}/requests/{b}", token=second).json["offer_until"])
    clock.travel(until - clock.now() - timedelta(minutes=1))
    stack.run_schedule("planning_offers")
    assert set(statuses(stack, login(stack, "basile@example.fr"), b)) == {"offered"}
    clock.travel(timedelta(minutes=2))
    assert clock.now() > until.astimezone(UTC)
    stack.run_schedule("planning_offers")
    assert set(statuses(stack, login(stack, "basile@example.fr"), b)) == {"refused"}
