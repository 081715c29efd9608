"""The ops command line creates staff accounts and refuses bad input in French."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import cli
from tests.accounts.support import access_token, api, login, mails

INVITATION = "Votre compte professionnel"
BASE = ["create-staff", "--email", "Julie.Schmitt@Asso.fr", "--first-name", "Julie", "--last-name", "Schmitt",
        "--civility", "Mme", "--role", "manager", "--structure", "acem-schweighouse"]


def run(argv: list[str]) -> int:
    """``cli.main``'s exit code, whether it returns it or exits with it (argparse does)."""
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def with_option(option: str, value: str) -> list[str]:
    argv = list(BASE)
    argv[argv.index(option) + 1] = value
    return argv


def test_create_staff_sends_an_invitation(stack: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(BASE) == 0

    out = capsys.readouterr().out
    assert "julie.schmitt@asso.fr" in out and "invitation envoyée" in out
    sent = mails(stack, "julie.schmitt@asso.fr", INVITATION)
    assert len(sent) == 1
    assert "/mot-de-passe/nouveau?token=" in sent[0]["text"] and "invitation=1" in sent[0]["text"]
    assert "acem-schweighouse" in sent[0]["text"]


def test_create_staff_with_a_password_is_active_at_once(stack: Any, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": "Saisi-Au-Clavier-9")

    assert run([*with_option("--role", "admin"), "--with-password"]) == 0

    assert "actif" in capsys.readouterr().out
    me = stack.call("GET", api("/me"), token=access_token(stack, "julie.schmitt@asso.fr", "Saisi-Au-Clavier-9"))
    assert me.json["role"] == "admin"
    assert mails(stack, "julie.schmitt@asso.fr", INVITATION) == []


def test_create_staff_refuses_a_weak_password(stack: Any, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt="": "faible")

    assert run([*BASE, "--with-password"]) == 2

    assert "Le mot de passe doit contenir" in capsys.readouterr().err
    assert login(stack, "julie.schmitt@asso.fr", "faible").status_code == 401


@pytest.mark.parametrize(("option", "value", "french"), [
    ("--email", "julie-at-asso.fr", "Saisissez une adresse e-mail valide"),
    ("--first-name", "  ", "au moins 1 caractère"),
    ("--role", "family", "Valeur non autorisée"),
    ("--role", "chef", "Valeur non autorisée"),
    ("--civility", "Dr", "Valeur non autorisée"),
])
def test_bad_input_exits_2_with_a_french_message(stack: Any, capsys: pytest.CaptureFixture[str], option: str,
                                                 value: str, french: str) -> None:
    assert run(with_option(option, value)) == 2

    captured = capsys.readouterr()
    assert french in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert stack.drain() == 0
    assert stack.mail() == []


def test_duplicate_address_is_refused(stack: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(BASE) == 0
    capsys.readouterr()

    assert run(with_option("--email", "JULIE.SCHMITT@asso.fr")) == 1

    assert "Un compte existe déjà avec cette adresse e-mail." in capsys.readouterr().err
    assert len(mails(stack, "julie.schmitt@asso.fr", INVITATION)) == 1
