"""Access tokens, roles and the Chalice authorizer every service registers.

Accounts issues short-lived signed tokens (JWT, HS256); every service verifies them itself, without
calling accounts. A token names the account, its role, the structures it is scoped to, its session and
the account's session generation; the authorizer also refuses a token whose session was ended
(logout) or revoked (reset, password or e-mail change, deactivation), from the service's own read model
of those facts (:mod:`shared.sessions`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from chalice import AuthResponse, Chalice

from shared import clock, settings
from shared.errors import Forbidden, Unauthenticated

TOKEN_TTL = timedelta(hours=1)
_ISSUER = "portail-familles"
AUTHORIZER_NAME = "portail_auth"


class Role(StrEnum):
    FAMILY = "family"
    MANAGER = "manager"
    COORDINATOR = "coordinator"
    COMMITTEE = "committee"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.MANAGER, Role.COORDINATOR, Role.COMMITTEE, Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    account_id: str
    role: Role
    session_id: str
    structures: tuple[str, ...] = field(default_factory=tuple)
    generation: int = 0  # the account's session generation when the token was issued

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def require(self, *roles: Role) -> Principal:
        if self.role not in roles:
            raise Forbidden()
        return self

    def can_manage(self, structure_id: str) -> bool:
        """Admins see every structure, and so does a committee account scoped to none (the committee of the
        whole association); other staff only the structures they are scoped to."""
        if self.role == Role.ADMIN or (self.role == Role.COMMITTEE and not self.structures):
            return True
        return self.is_staff and structure_id in self.structures


def issue_token(principal: Principal) -> tuple[str, int]:
    """A signed access token for ``principal`` and its lifetime in seconds."""
    issued = clock.now()
    claims = {
        "iss": _ISSUER,
        "sub": principal.account_id,
        "role": principal.role.value,
        "sid": principal.session_id,
        "str": list(principal.structures),
        "gen": principal.generation,
        "iat": int(issued.timestamp()),
        "exp": int((issued + TOKEN_TTL).timestamp()),
    }
    import jwt  # imported by the first token signed or checked, not at cold start (decision 37)

    token = jwt.encode(claims, settings.load().token_secret, algorithm="HS256")
    return token, int(TOKEN_TTL.total_seconds())


def verify_token(token: str) -> Principal:
    """The principal of a valid token; :class:`Unauthenticated` for anything else (expired, forged...)."""
    import jwt  # see issue_token

    try:
        claims = jwt.decode(
            token,
            settings.load().token_secret,
            algorithms=["HS256"],
            issuer=_ISSUER,
            # Times are checked against the shared clock below (tests move it), not the wall clock.
            options={"require": ["exp", "sub", "role", "sid"], "verify_exp": False, "verify_iat": False},
        )
        if claims["exp"] <= clock.now().timestamp():
            raise Unauthenticated()
        return Principal(
            account_id=str(claims["sub"]),
            role=Role(claims["role"]),
            session_id=str(claims["sid"]),
            structures=tuple(claims.get("str") or ()),
            generation=int(claims.get("gen") or 0),
        )
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
        raise Unauthenticated() from exc


def bearer(header: str | None) -> str:
    if not header or not header.lower().startswith("bearer "):
        raise Unauthenticated()
    return header[7:].strip()


def register_authorizer(app: Chalice, revocations: type[Any] | None = None) -> Any:
    """Register the token authorizer on ``app`` and return it for ``@app.route(..., authorizer=...)``.

    ``revocations`` is the service's ended-session model (:func:`shared.sessions.revocation_model`): a
    token whose session ended or was revoked is refused like an expired one. API Gateway must not cache
    the answer (``ttl_seconds=0``), or a revoked token would pass for the cache's lifetime.

    A refused token gives API Gateway's ACCESS_DENIED, which the gateway response configured for every
    service (and the local gateway) turns into our French 401.
    """
    from shared import sessions

    @app.authorizer(name=AUTHORIZER_NAME, ttl_seconds=0)
    def portail_auth(auth_request: Any) -> AuthResponse:
        try:
            principal = verify_token(bearer(auth_request.token))
            if revocations is None or sessions.is_ended(revocations, principal.account_id, principal.session_id,
                                                        principal.generation):
                raise Unauthenticated()
        except Unauthenticated:
            return AuthResponse(routes=[], principal_id="anonymous")
        return AuthResponse(
            routes=["*"],
            principal_id=principal.account_id,
            context={
                "role": principal.role.value,
                "sid": principal.session_id,
                "structures": ",".join(principal.structures),
                "gen": str(principal.generation),
            },
        )

    return portail_auth


def principal_from_context(context: dict[str, Any]) -> Principal:
    """The principal the authorizer put in the request context."""
    auth = context.get("authorizer") or {}
    try:
        return Principal(
            account_id=auth["principalId"],
            role=Role(auth["role"]),
            session_id=auth.get("sid", ""),
            structures=tuple(s for s in auth.get("structures", "").split(",") if s),
            generation=int(auth.get("gen") or 0),
        )
    except (KeyError, ValueError) as exc:
        raise Unauthenticated() from exc
