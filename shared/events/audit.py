"""Staff actions announced for the audit log (decision 101). Each service announces the actions of its
staff on its own bus source; enrolment records them with the staff member's name (its directory of staff
accounts, fed by accounts' events). No free text and no medical content: what was done, by whom, when,
and the identifiers it concerned."""

from __future__ import annotations

from typing import ClassVar

from shared.events.base import Event


class StaffActed(Event):
    """A staff member did something through the API (validation, review, decision, catalogue...)."""

    abstract: ClassVar[bool] = True
    actor_id: str
    actor_role: str
    action: str  # validation, document_review, change_review, decision, committee, promotion, catalogue...
    label: str  # « Réponse à la demande », in French, for the screens
    family_id: str = ""
    request_id: str = ""
    structure_id: str = ""
    subject: str = ""  # the identifiers concerned: "période periscolaire-2026", "document 12ab…"
    outcome: str = ""  # a short code of the decision when there is one: accepted, rejected, approved…


class EnrolmentStaffActed(StaffActed):
    source: ClassVar[str] = "portail.enrolment"
    abstract: ClassVar[bool] = False


class PlanningStaffActed(StaffActed):
    source: ClassVar[str] = "portail.planning"
    abstract: ClassVar[bool] = False


class AccountsStaffActed(StaffActed):
    source: ClassVar[str] = "portail.accounts"
    abstract: ClassVar[bool] = False
