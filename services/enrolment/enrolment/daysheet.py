"""The enrolment half of the day list (« Liste du jour »): for the children planning says are expected in
a structure on a day, what the team needs at hand — full name, class, allergies, PAI, diet, treatments,
the parents' phones and the people allowed to pick the child up. Staff scope is per child: a child is
described only when one of its own requests in that structure was transmitted to the staff (decision 100).
Nothing is logged or copied: the answer is read from the family files and returned."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from pydantic import Field

from enrolment import catalogue, family
from enrolment.staff import VISIBLE
from shared.auth import Principal, Role
from shared.errors import Forbidden, InvalidInput, NotFound
from shared.fields import Body
from shared.http import Api, Req

STAFF = (Role.MANAGER, Role.COORDINATOR, Role.ADMIN)
Id = Annotated[str, Field(min_length=1, max_length=60)]


class ChildRef(Body):
    family_id: Id
    child_id: Id


class DaySheetBody(Body):
    structure_id: Id
    children: list[ChildRef] = Field(max_length=1000)


def _phones(view: family.FileView) -> list[dict[str, str]]:
    parents = []
    profile, household = view.profile, view.household
    if profile:
        phones = [p for p in (profile.mobile_phone, profile.home_phone, profile.work_phone) if p]
        parents.append({"name": f"{profile.first_name} {profile.last_name}", "phone": " / ".join(phones)})
    spouse = household.spouse if household else None
    if spouse:
        parents.append({"name": f"{spouse.first_name} {spouse.last_name}", "phone": spouse.mobile_phone or ""})
    return parents


def sheet(principal: Principal, structure_id: str, children: list[ChildRef]) -> list[dict[str, Any]]:
    """One entry per child in scope (one family file read per family); children out of scope are left out."""
    if structure_id not in catalogue.structures():
        raise InvalidInput("Cette structure n'existe pas.", fields={"structure_id": "Structure inconnue."})
    if not principal.can_manage(structure_id):
        raise Forbidden("Cette structure ne fait pas partie de vos structures.")
    wanted: dict[str, set[str]] = defaultdict(set)
    for ref in children:
        wanted[ref.family_id].add(ref.child_id)
    result = []
    for family_id, child_ids in wanted.items():
        try:
            view = family.load(family_id)
        except NotFound:
            continue
        in_scope = {r.child_id for r in view.requests.values()
                    if r.status in VISIBLE and structure_id in r.structure_ids}
        for child_id in sorted(child_ids & in_scope & set(view.children)):
            child = view.child(child_id)
            medical, school = child.medical, child.school
            result.append({
                "family_id": family_id, "child_id": child_id, "last_name": child.last_name,
                "first_name": child.first_name, "birth_date": child.birth_date.isoformat(),
                "class_level": school.class_level if school else "",
                "school_name": school.school_name if school else "",
                "allergies": medical.allergies, "diet": medical.diet, "pai": medical.pai,
                "treatments": medical.treatments,
                "leave_alone": child.authorisations.leave_alone,
                "authorised_persons": [p.model_dump() for p in child.authorised_persons],
                "parents": _phones(view)})
    return result


def register(api: Api) -> None:
    @api.route("/staff/day-sheet", ("POST",), roles=STAFF)
    def day_sheet(req: Req) -> dict[str, Any]:
        body = req.body(DaySheetBody)
        return {"children": sheet(req.principal, body.structure_id, body.children)}
