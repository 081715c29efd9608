"""Ops command line of accounts: create a staff account (invited by e-mail, or with a password).

    python -m accounts.cli create-staff --email r@asso.fr --first-name Julie --last-name Schmitt \\
        --civility Mme --role manager --structure acem-schweighouse

It uses the same environment variables as the service (``PORTAIL_PREFIX``, ``AWS_*``).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from pydantic import ValidationError

from accounts import schemas, service
from shared.errors import ApiError, from_validation_error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="accounts.cli", description="Comptes du Portail Familles")
    commands = parser.add_subparsers(dest="command", required=True)
    staff = commands.add_parser("create-staff", help="créer un compte professionnel")
    staff.add_argument("--email", required=True)
    staff.add_argument("--first-name", required=True)
    staff.add_argument("--last-name", required=True)
    # Values are checked by schemas.StaffCreate, not argparse ``choices``: its refusals are in French.
    staff.add_argument("--civility", default="Mme", help="M. ou Mme")
    staff.add_argument("--role", required=True, help="manager, coordinator, committee ou admin")
    staff.add_argument("--structure", action="append", default=[], help="répétable")
    staff.add_argument("--with-password", action="store_true",
                       help="saisir un mot de passe maintenant au lieu d'envoyer une invitation")
    args = parser.parse_args(argv)

    try:
        body = schemas.StaffCreate(email=args.email, civility=args.civility, first_name=args.first_name,
                                   last_name=args.last_name, role=args.role, structures=args.structure)
        password = None
        if args.with_password:
            password = schemas.PasswordReset(token="x" * 10, new_password=getpass.getpass("Mot de passe : ")
                                             ).new_password
        account = service.create_staff(body, "ops-cli", password=password)
    except ValidationError as exc:
        error = from_validation_error(exc)
        print(error.message, *[f"  {k} : {v}" for k, v in error.fields.items()], sep="\n", file=sys.stderr)
        return 2
    except ApiError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    how = "actif" if password else "invitation envoyée par e-mail"
    print(f"Compte {account.role} créé pour {account.email} ({how}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
