"""The staff's queue of pre-enrolment requests, one Query a page (decision 24).

A request is listed in the queue of each structure it concerns: its own item in its first structure's
(``gsi1`` = ``STRUCTURE#<id>``, sort key ``<status>#<date>``), and a full copy of it in its second
structure's (a périscolaire request with Wednesdays elsewhere). Every write of a request goes through
:func:`update`, which applies the same change to the item and rewrites its copies in the same transaction,
so the copies can never disagree with the request. Each item carries what the list shows (family and
child names, structure names): a page is one Query and nothing else.

A caller with several structures reads them one after the other in one list: the cursor (``next``) names
the structure and DynamoDB's last key in it; a page goes on to the next structure while it has room, and
a request concerning two of the caller's structures is listed once, under the first of them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from enrolment.models import PreEnrolment
from shared.errors import InvalidInput

PAGE = 100  # entries of one page (one Query per structure read)
_NOT_COPIED = frozenset({"pk", "sk", "gsi1pk", "gsi2pk", "gsi2sk"})
BAD_CURSOR = "Ce lien de page n'est plus valable : rechargez la liste."


def copies(request: PreEnrolment) -> list[PreEnrolment]:
    """The request's entries in the queues of its structures after the first (full copies)."""
    values = {name: getattr(request, name) for name in request.get_attributes() if name not in _NOT_COPIED}
    return [PreEnrolment(*PreEnrolment.copy_key(request.family_id, request.request_id, str(structure_id)), **values,
                         gsi1pk=f"STRUCTURE#{structure_id}")
            for structure_id in request.structure_ids[1:]]


def create(tx: TransactWrite, request: PreEnrolment, condition: Condition) -> None:
    """Add a new request and its queue copies to ``tx``."""
    tx.save(request, condition=condition)
    for copy in copies(request):
        tx.save(copy)


def update(tx: TransactWrite, request: PreEnrolment, condition: Condition | None, **changes: Any) -> None:
    """Add to ``tx`` the update of ``request`` (``None`` removes an attribute), conditional on ``condition``,
    and the rewrite of its queue copies; ``request`` itself is changed in memory to match."""
    actions = []
    for name, value in changes.items():
        attribute = getattr(PreEnrolment, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
        setattr(request, name, value)
    if request.gsi2pk:  # stored before the copies: its second structure's entry becomes a copy now
        actions += [PreEnrolment.gsi2pk.remove(), PreEnrolment.gsi2sk.remove()]
        request.gsi2pk = request.gsi2sk = None
    tx.update(request, actions=actions, condition=condition)
    for copy in copies(request):
        tx.save(copy)


def delete(tx: TransactWrite, request: PreEnrolment) -> None:
    tx.delete(request)
    for copy in copies(request):
        tx.delete(copy)


# --- reading ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cursor:
    structure_id: str
    key: dict[str, Any] | None


def encode(cursor: Cursor | None) -> str | None:
    """An opaque, short cursor (a query parameter is at most 512 characters): the structure and the key's values."""
    if cursor is None:
        return None
    values = [cursor.key[name]["S"] for name in ("pk", "sk", "gsi1sk")] if cursor.key else None
    raw = json.dumps({"s": cursor.structure_id, "k": values}, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(text: str | None, structures: list[str]) -> Cursor | None:
    """The cursor ``text`` carries, only if it continues a list of the caller's ``structures``."""
    if not text:
        return None
    bad = InvalidInput(BAD_CURSOR, fields={"after": "Curseur invalide."})
    if len(text) > 2000:
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(data, dict) or data.get("s") not in structures:
        raise bad
    values = data.get("k")
    if values is None:
        return Cursor(data["s"], None)
    if not (isinstance(values, list) and len(values) == 3 and all(isinstance(v, str) and v for v in values)):
        raise bad
    pk, sk, gsi1sk = values
    return Cursor(data["s"], {"pk": {"S": pk}, "sk": {"S": sk}, "gsi1pk": {"S": f"STRUCTURE#{data['s']}"},
                              "gsi1sk": {"S": gsi1sk}})


def _first_mine(request: PreEnrolment, structures: list[str]) -> str | None:
    return next((s for s in structures if s in request.structure_ids), None)


def page(structures: list[str], statuses: Iterable[str], after: str | None,
         size: int | None = None) -> tuple[list[PreEnrolment], str | None]:
    """Up to ``size`` (:data:`PAGE`) entries with one of ``statuses`` in the queues of ``structures`` (in that
    order), oldest first within each, and the cursor to the next page (None at the end). One Query per
    structure read."""
    size = size or PAGE
    wanted = tuple(statuses)
    cursor = decode(after, structures) or (Cursor(structures[0], None) if structures else None)
    found: list[PreEnrolment] = []
    connection = PreEnrolment._get_connection()
    while cursor is not None and len(found) < size:
        hash_value = f"STRUCTURE#{cursor.structure_id}"
        if len(wanted) == 1:  # the sort key starts with the status: read only those entries
            range_condition, condition = PreEnrolment.gsi1sk.startswith(f"{wanted[0]}#"), None
        else:
            range_condition, condition = None, PreEnrolment.status.is_in(*wanted)
        result = connection.query(hash_value, range_key_condition=range_condition, filter_condition=condition,
                                  index_name="gsi1", limit=size - len(found), exclusive_start_key=cursor.key)
        for raw in result.get("Items", []):
            entry = PreEnrolment.from_raw_data(raw)
            if entry.status in wanted and _first_mine(entry, structures) == cursor.structure_id:
                found.append(entry)
        last = result.get("LastEvaluatedKey")
        if last:
            cursor = Cursor(cursor.structure_id, last)
        else:
            index = structures.index(cursor.structure_id) + 1
            cursor = Cursor(structures[index], None) if index < len(structures) else None
    return found, encode(cursor)


def encode_key(key: dict[str, Any] | None, index_hash: str) -> str | None:
    """A short cursor for a list read from one index partition: the last key's values but the partition's."""
    if not key:
        return None
    values = [v["S"] for name, v in sorted(key.items()) if name != index_hash]
    return base64.urlsafe_b64encode(json.dumps(values, ensure_ascii=False).encode()).decode().rstrip("=")


def decode_key(text: str | None, index_hash: str, hash_value: str) -> dict[str, Any] | None:
    """The last key :func:`encode_key` wrote, in the partition ``hash_value`` only (a French 400 otherwise)."""
    if not text:
        return None
    bad = InvalidInput(BAD_CURSOR, fields={"after": "Curseur invalide."})
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))) if len(text) < 2000 else None
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    names = sorted({"pk", "sk", index_hash.replace("pk", "sk")})
    if not (isinstance(values, list) and len(values) == len(names) and all(isinstance(v, str) and v for v in values)):
        raise bad
    return {**{name: {"S": value} for name, value in zip(names, values, strict=True)}, index_hash: {"S": hash_value}}
