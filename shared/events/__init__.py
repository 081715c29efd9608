"""Event schemas as code, and who consumes what.

``CONSUMERS`` is the routing the infra template's rules must implement; a contract test deploys the
template into moto and checks that each event reaches exactly these queues.

Nothing here is imported eagerly (cold start, decision 37): ``from shared.events import planning`` imports
that module alone, and ``CONSUMERS`` is built on first access, importing every event module then.
"""

from __future__ import annotations

import importlib
from typing import Any

from shared.events.base import MODULES, Event, UnknownEvent, parse, registry

_consumers: dict[str, tuple[type[Event], ...]] | None = None


def _routing() -> dict[str, tuple[type[Event], ...]]:
    from shared.events import accounts, audit, enrolment, planning

    return {
        "notifications": (
            accounts.AccountRegistered,
            accounts.VerificationEmailRequested,
            accounts.PasswordResetRequested,
            accounts.PasswordChanged,
            accounts.EmailChangeRequested,
            accounts.EmailChanged,
            accounts.StaffInvited,
            accounts.StaffAccountCreated,
            accounts.StaffAccountChanged,
            accounts.SignupAttemptedOnExistingAccount,
            enrolment.FamilyValidated,
            enrolment.PreEnrolmentSubmitted,
            enrolment.FileReturned,
            enrolment.DocumentReviewed,
            enrolment.ChangeSubmitted,
            enrolment.ChangeReviewed,
            planning.ReservationRequestSubmitted,
            planning.CancellationRequested,
            planning.RequestDecided,
            planning.PlaceOffered,
            planning.CancellationConfirmed,
            planning.StructurePublished,  # the names e-mails give structures
        ),
        "enrolment": (
            accounts.AccountRegistered,
            accounts.EmailChanged,
            accounts.SessionEnded,
            accounts.SessionsRevoked,
            planning.StructurePublished,
            planning.SejourPublished,
            planning.RequestDecided,
            # The audit log (decision 101): staff actions of every service, and the staff directory's names.
            accounts.StaffAccountCreated,
            accounts.StaffAccountChanged,
            audit.EnrolmentStaffActed,
            audit.PlanningStaffActed,
            audit.AccountsStaffActed,
        ),
        # Planning consumes its own CommitteeJobRequested: a committee run is too long for an API call, so the
        # route queues it as a job and the queue's worker runs it (with the queue's retries and DLQ).
        # Accounts scopes staff only to structures that exist.
        "accounts": (planning.StructurePublished,),
        # Ended sessions reach every service that accepts tokens (shared.sessions); planning also keeps the
        # family's address for its e-mails (EmailChanged).
        "planning": (enrolment.FamilyValidated, enrolment.FamilyValidationRevoked, planning.CommitteeJobRequested,
                     accounts.EmailChanged, accounts.SessionEnded, accounts.SessionsRevoked),
    }


def __getattr__(name: str) -> Any:
    """``CONSUMERS`` and the event modules, imported when first asked for (PEP 562)."""
    global _consumers
    if name == "CONSUMERS":
        if _consumers is None:
            _consumers = _routing()
        return _consumers
    if name in MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CONSUMERS", "Event", "UnknownEvent", "accounts", "audit", "enrolment", "parse", "planning", "registry"]
