"""Sessions and e-mailed links end everywhere (issue 10, « Accounts »; decisions 71 and 72).

Logout, a password change or reset, an e-mail change end the session in accounts at once and, through
``SessionEnded`` / ``SessionsRevoked``, in enrolment and planning once the event is consumed; any reset or
change kills every other outstanding link (reset, e-mail change). Forgotten password: one e-mail per
address per cooldown, the same DynamoDB work for a known and an unknown address. Parallel login
failures with real threads: each counted, five evaluated. Through HTTP and the e-mails actually sent.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from shared import clock
from tests.accounts.support import (
    FRENCH_UNAUTHENTICATED,
    access_token,
    api,
    assert_error,
    confirmed_family,
    last_link,
    login,
    mails,
    staff_account,
)
from tests.helpers import dynamodb_calls

SERVICES = ("/api/enrolment/family", "/api/planning/validations")
WRONG = "Mauvais-Mot-De-Passe-1"


def refused(stack: Any, path: str, token: str) -> bool:
    response = stack.call("GET", path, token=token)
    if response.status_code == 401:
        assert response.json["error"]["message"] == FRENCH_UNAUTHENTICATED
        return True
    assert response.status_code == 200, (path, response.json)
    return False


def test_logout_ends_the_session_in_every_service(stack: Any) -> None:
    email = "partout@example.fr"
    token = confirmed_family(stack, email)
    other = access_token(stack, email)  # a second device
    stack.drain()  # the family file exists
    assert not any(refused(stack, path, token) for path in SERVICES)

    assert stack.call("POST", api("/logout"), token=token).status_code == 204
    assert refused(stack, api("/me"), token)  # accounts: at once
    stack.drain()  # SessionEnded reaches enrolment and planning
    assert all(refused(stack, path, token) for path in SERVICES)
    assert not any(refused(stack, path, other) for path in (*SERVICES, api("/me")))


def test_a_password_change_ends_every_session_in_every_service(stack: Any) -> None:
    email = "change.partout@example.fr"
    token = confirmed_family(stack, email)
    other = access_token(stack, email)
    stack.drain()
    new = "Nouveau-Secret-2026"
    changed = stack.call("POST", api("/password/change"), {"current_password": "Tartine-Confiture-42",
                                                          "new_password": new}, token=token)
    assert changed.status_code == 200
    stack.drain()
    for session in (token, other):
        assert all(refused(stack, path, session) for path in (*SERVICES, api("/me")))
    fresh = access_token(stack, email, new)
    assert not any(refused(stack, path, fresh) for path in (*SERVICES, api("/me")))


def test_a_reset_kills_the_other_reset_links_and_every_session(stack: Any) -> None:
    email = "deux.liens@example.fr"
    token = confirmed_family(stack, email)
    stack.drain()
    assert stack.call("POST", api("/password/forgot"), {"email": email}).status_code == 202
    first = last_link(stack, email, "Réinitialisation", "/mot-de-passe/nouveau")
    clock.travel(timedelta(minutes=6))  # past the cooldown: a second e-mail
    assert stack.call("POST", api("/password/forgot"), {"email": email}).status_code == 202
    second = last_link(stack, email, "Réinitialisation", "/mot-de-passe/nouveau")
    assert first != second

    reset = stack.call("POST", api("/password/reset"), {"token": first, "new_password": "Premier-Lien-2026"})
    assert reset.status_code == 200
    assert_error(stack.call("POST", api("/password/reset"), {"token": second, "new_password": "Second-Lien-2026"}),
                 400, "invalid_token", "token")
    assert login(stack, email, "Premier-Lien-2026").status_code == 200
    assert login(stack, email, "Second-Lien-2026").status_code == 401
    stack.drain()
    assert all(refused(stack, path, token) for path in (*SERVICES, api("/me")))


def test_an_attackers_pending_email_change_dies_with_the_owners_reset(stack: Any) -> None:
    owner = "proprietaire@example.fr"
    stolen = confirmed_family(stack, owner)  # the attacker holds this session
    stack.drain()
    asked = stack.call("POST", api("/email/change"), {"new_email": "pirate@example.fr",
                                                     "password": "Tartine-Confiture-42"}, token=stolen)
    assert asked.status_code == 202
    attacker_link = last_link(stack, "pirate@example.fr", "Confirmez votre nouvelle adresse", "/confirmer-nouvel-email")

    # The owner notices and resets the password.
    assert stack.call("POST", api("/password/forgot"), {"email": owner}).status_code == 202
    link = last_link(stack, owner, "Réinitialisation", "/mot-de-passe/nouveau")
    assert stack.call("POST", api("/password/reset"), {"token": link, "new_password": "Reprise-En-Main-2026"}
                      ).status_code == 200

    assert_error(stack.call("POST", api("/email/confirm"), {"token": attacker_link}), 400, "invalid_token", "token")
    fresh = access_token(stack, owner, "Reprise-En-Main-2026")
    assert stack.call("GET", api("/me"), token=fresh).json["email"] == owner
    stack.drain()
    assert all(refused(stack, path, stolen) for path in (*SERVICES, api("/me")))


def test_an_email_change_ends_the_sessions_and_the_other_links(stack: Any) -> None:
    email = "demenage@example.fr"
    token = confirmed_family(stack, email)
    stack.drain()
    assert stack.call("POST", api("/password/forgot"), {"email": email}).status_code == 202
    reset_link = last_link(stack, email, "Réinitialisation", "/mot-de-passe/nouveau")
    asked = stack.call("POST", api("/email/change"), {"new_email": "nouvelle@example.fr",
                                                     "password": "Tartine-Confiture-42"}, token=token)
    assert asked.status_code == 202
    confirm = last_link(stack, "nouvelle@example.fr", "Confirmez votre nouvelle adresse", "/confirmer-nouvel-email")
    assert stack.call("POST", api("/email/confirm"), {"token": confirm}).status_code == 200
    assert_error(stack.call("POST", api("/password/reset"), {"token": reset_link, "new_password": "Trop-Tard-2026"}),
                 400, "invalid_token", "token")
    stack.drain()
    assert all(refused(stack, path, token) for path in (*SERVICES, api("/me")))


def test_ten_forgotten_password_calls_send_one_email(stack: Any) -> None:
    email = "oubli@example.fr"
    confirmed_family(stack, email)
    for _ in range(10):
        assert stack.call("POST", api("/password/forgot"), {"email": email}).status_code == 202
    assert len(mails(stack, email, "Réinitialisation")) == 1
    clock.travel(timedelta(minutes=5, seconds=1))
    assert stack.call("POST", api("/password/forgot"), {"email": email}).status_code == 202
    assert len(mails(stack, email, "Réinitialisation")) == 2


def test_forgot_password_does_the_same_work_for_a_known_and_an_unknown_address(stack: Any) -> None:
    confirmed_family(stack, "connue@example.fr")
    work = {}
    for email in ("connue@example.fr", "inconnue@example.fr"):
        with dynamodb_calls() as calls:
            response = stack.call("POST", api("/password/forgot"), {"email": email})
        assert response.status_code == 202
        work[email] = (calls, response.json)
    known, unknown = work.values()
    assert known == unknown
    assert known[0] == ["GetItem", "GetItem", "TransactWriteItems"]


def test_thirty_parallel_guesses_are_each_counted_and_five_evaluated(stack: Any) -> None:
    email = "assiegee@example.fr"
    confirmed_family(stack, email)
    staff_account("admin.cible@asso.fr")
    clock.freeze()  # no delay runs out during the test: exactly the free attempts are evaluated
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(30)

    def guess() -> None:
        start.wait()
        status = login(stack, email, WRONG).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert sorted(statuses) == [401] * 5 + [429] * 25
    # The owner is slowed, never locked out: a minute at most (here one second), whatever the attacker did.
    clock.travel(timedelta(seconds=61))
    assert login(stack, email).status_code == 200
    # Nobody can lock an administrator out either: the same delay, then the right password works.
    for _ in range(6):
        login(stack, "admin.cible@asso.fr", WRONG)
    clock.travel(timedelta(seconds=61))
    assert login(stack, "admin.cible@asso.fr").status_code == 200
