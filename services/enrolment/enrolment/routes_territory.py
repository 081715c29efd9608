"""Routes of the territory the administrator keeps: schools and communes (postal codes of residents)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from enrolment import territory
from shared.auth import Role
from shared.fields import Body, PostalCode
from shared.http import Api, Req

STAFF = (Role.MANAGER, Role.COORDINATOR, Role.COMMITTEE, Role.ADMIN)
Text = Annotated[str, Field(min_length=1, max_length=150)]


class SchoolBody(Body):
    school_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,59}$")
    name: Text
    commune: Text


class CommuneBody(Body):
    name: Text
    postal_code: PostalCode


class TerritoryBody(Body):
    schools: list[SchoolBody] = Field(max_length=300)
    communes: list[CommuneBody] = Field(max_length=300)
    version: str | None = None  # the version read (None: the defaults, never saved)

    @field_validator("schools")
    @classmethod
    def _unique_schools(cls, value: list[SchoolBody]) -> list[SchoolBody]:
        if len({s.school_id for s in value}) != len(value):
            raise ValueError("Deux écoles ont le même identifiant.")
        return value


def register(api: Api) -> None:
    @api.route("/territory", roles=STAFF)
    def get_territory(req: Req) -> dict[str, Any]:
        return territory.view()

    @api.route("/territory", ("PUT",), roles=(Role.ADMIN,))
    def put_territory(req: Req) -> dict[str, Any]:
        body = req.body(TerritoryBody)
        data = body.model_dump(exclude={"version"})
        return territory.save(data, body.version)
