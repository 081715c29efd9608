"""Demo data of the local stack: staff accounts for each role and a confirmed family."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from shared.errors import Conflict


@dataclass(frozen=True)
class DemoLogin:
    label: str
    email: str
    password: str


STAFF = (
    ("Administrateur", "admin", "admin@demo.portail-familles.fr", "Camille", "Martin", []),
    ("Responsable de structure", "manager", "responsable@demo.portail-familles.fr", "Julie", "Schmitt",
     ["acem-schweighouse", "acem-haguenau-mercredi"]),
    ("Coordinateur séjours", "coordinator", "sejours@demo.portail-familles.fr", "Thomas", "Meyer", ["sejours"]),
)
DEMO_PASSWORD = "Demo-Portail-2026"
FAMILY = DemoLogin("Famille (compte confirmé)", "famille@demo.portail-familles.fr", DEMO_PASSWORD)


def seed() -> list[DemoLogin]:
    """Create the demo catalogue and accounts unless they exist; returns the logins to print."""
    from accounts import schemas, service
    from accounts.models import Account
    from planning import catalogue

    catalogue.seed_demo()
    logins = []
    for label, role, email, first_name, last_name, structures in STAFF:
        body = schemas.StaffCreate(email=email, civility="Mme", first_name=first_name, last_name=last_name,
                                   role=role, structures=structures)
        with contextlib.suppress(Conflict):  # already seeded
            service.create_staff(body, "demo-seed", password=DEMO_PASSWORD)
        logins.append(DemoLogin(label, email, DEMO_PASSWORD))
    if service.account_by_email(FAMILY.email) is None:
        service.signup(schemas.Signup(
            civility="Mme", last_name="Muller", first_name="Claire", email=FAMILY.email, phone="06 12 34 56 78",
            address={"line1": "3 rue des Tilleuls", "postal_code": "67590", "city": "Schweighouse-sur-Moder"},
            password=DEMO_PASSWORD, accept_terms=True), "demo-seed")
        account = service.account_by_email(FAMILY.email)
        assert account is not None
        account.update(actions=[Account.status.set("active")])  # the demo family skips the e-mail step
    logins.append(FAMILY)
    return logins
