"""The staff's queue of pre-enrolment requests, one Query a page (decision 24): a request concerning two
structures is in both structures' queues and listed once to whoever manages both; the copy in the second
structure's queue follows every status change; a page's cursor continues only its own list."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from enrolment import audit_log, queue
from tests.enrolment.support import child
from tests.enrolment.test_staff_races import E, submitted_family
from tests.helpers import seed_catalogue, staff_token


def all_pages(stack: Any, token: str, path: str) -> tuple[list[dict[str, Any]], int]:
    """Every item of a paginated list, following ``next``; and how many pages it took."""
    items: list[dict[str, Any]] = []
    after, pages = None, 0
    while True:
        sep = "&" if "?" in path else "?"
        answer = stack.call("GET", f"{path}{sep}after={after}" if after else path, token=token)
        assert answer.status_code == 200, answer.json
        items += answer.json["items"]
        pages += 1
        after = answer.json["next"]
        if after is None:
            return items, pages


def test_the_queue_pages_through_every_structure_listing_each_request_once(
        stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue, "PAGE", 1)
    seed_catalogue(stack)
    both = staff_token(stack, "julie@asso.fr", "manager", ["acem-schweighouse", "acem-haguenau-mercredi"])
    haguenau = staff_token(stack, "marc@asso.fr", "manager", ["acem-haguenau-mercredi"])
    schweighouse = staff_token(stack, "anne@asso.fr", "manager", ["acem-schweighouse"])
    family, wednesdays_family, lea, wednesdays, documents = submitted_family(stack, "mercredi@example.fr",
                                                                               wednesday=True)
    _, school_family, _, school_days, _ = submitted_family(stack, "ecole@example.fr", wednesday=False)

    listed, pages = all_pages(stack, both, f"{E}/staff/requests?status=submitted")
    assert sorted(r["request_id"] for r in listed) == sorted([wednesdays, school_days])  # each once
    assert pages >= 2
    (copy,), _ = all_pages(stack, haguenau, f"{E}/staff/requests?status=submitted")
    assert copy["request_id"] == wednesdays and copy["family_id"] == wednesdays_family
    assert (copy["family_name"], copy["child_first_name"]) == ("Muller", "Léa")
    assert copy["structure_names"] == ["(cah)ACEM - SCHWEIGHOUSE", "ACEM - HAGUENAU (mercredis)"]
    assert [r["request_id"] for r in all_pages(stack, schweighouse, f"{E}/staff/requests?status=submitted")[0]] \
        == [wednesdays, school_days]

    # The names follow the family's file: the child renamed before validation, both queues say so.
    assert stack.call("PUT", f"{E}/children/{lea}", child("Léna"), token=family).status_code == 200
    for token in (haguenau, schweighouse):
        names = {r["request_id"]: r["child_first_name"]
                 for r in all_pages(stack, token, f"{E}/staff/requests?status=submitted")[0]}
        assert names[wednesdays] == "Léna"

    # The copy follows the request: validated, it leaves the « submitted » list of both structures.
    for document_id in documents:
        assert stack.call("POST", f"{E}/staff/families/{wednesdays_family}/documents/{document_id}/review",
                          {"decision": "accepted"}, token=both).status_code == 200
    assert stack.call("POST", f"{E}/staff/requests/{wednesdays}/validate", {"family_id": wednesdays_family},
                      token=both).status_code == 200
    assert all_pages(stack, haguenau, f"{E}/staff/requests?status=submitted")[0] == []
    (validated,), _ = all_pages(stack, haguenau, f"{E}/staff/requests?status=validated")
    assert validated["status"] == "validated" and sorted(validated["validated_structures"]) == [
        "acem-haguenau-mercredi", "acem-schweighouse"]
    assert sorted(r["request_id"] for r in all_pages(stack, both, f"{E}/staff/requests")[0]) == sorted(
        [school_days, wednesdays])
    assert school_family != wednesdays_family

    # The pending changes are paged the same way (one Query of the pending index a page).
    changed = child("Léna")
    changed["medical"].update(allergies="Kiwi", diet="Sans porc")
    assert stack.call("PUT", f"{E}/children/{lea}", changed, token=family).status_code == 200
    changes, pages = all_pages(stack, haguenau, f"{E}/staff/changes")
    assert sorted(c["label"] for c in changes) == ["Allergies", "Régime alimentaire"] and pages >= 2
    assert stack.call("GET", f"{E}/staff/changes?after=WyJ4Il0", token=haguenau).status_code == 400

    # A cursor continues only the caller's own lists: one naming another's structure (crafted: the cursor is
    # opaque, but anyone can forge one), or garbage, is a French 400.
    forged = base64.urlsafe_b64encode(json.dumps({"s": "acem-haguenau-mercredi", "k": None}).encode()).decode()
    assert stack.call("GET", f"{E}/staff/requests?status=validated&after={forged}", token=both).status_code == 200
    stolen = stack.call("GET", f"{E}/staff/requests?status=validated&after={forged}", token=schweighouse)
    assert stolen.status_code == 400 and "after" in stolen.json["error"]["fields"]
    garbage = stack.call("GET", f"{E}/staff/requests?after=!!!", token=both)
    assert garbage.status_code == 400 and "after" in garbage.json["error"]["fields"]
    assert stack.call("GET", f"{E}/staff/requests?structure_id=acem-haguenau-mercredi",
                      token=schweighouse).status_code == 403


def test_the_audit_search_pages_newest_first(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_log, "PAGE", 2)
    admin = staff_token(stack, "admin@asso.fr", "admin", [])
    version = stack.call("GET", f"{E}/territory", token=admin).json["version"]
    for n in range(5):
        current = stack.call("GET", f"{E}/territory", token=admin).json
        saved = stack.call("PUT", f"{E}/territory", {"schools": current["schools"], "version": version,
                           "communes": [*current["communes"], {"name": f"Commune {n}", "postal_code": "67000"}]},
                           token=admin)
        assert saved.status_code == 200, saved.json
        version = saved.json["version"]
    stack.drain()
    entries, pages = all_pages(stack, admin, f"{E}/staff/audit?action=catalogue")
    assert len(entries) == 5 and pages >= 3
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    bad = stack.call("GET", f"{E}/staff/audit?after=bm9wZQ", token=admin)
    assert bad.status_code == 400 and "after" in bad.json["error"]["fields"]
