"""Lists read one DynamoDB Query a page: the page's items and an opaque cursor to the next one.

A filter (a status count above zero, a period) is applied by DynamoDB inside the same Query, so a page
may hold fewer items than its size; ``next`` is None only once the index is read to its end. The
cursor is DynamoDB's own last key, checked on the way back in so that it can only continue the very
list it came from (a French 400 otherwise, never a DynamoDB error).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, TypeVar

from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from shared.errors import InvalidInput

M = TypeVar("M", bound=Model)
KEY_NAMES = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"})


def encode(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None, hash_name: str, hash_value: str) -> dict[str, Any] | None:
    """The last key a cursor carries, only if it continues the list of ``hash_name`` = ``hash_value``."""
    if not cursor:
        return None
    bad = InvalidInput("Ce lien de page n'est plus valable : rechargez la liste.",
                       fields={"after": "Curseur invalide."})
    if len(cursor) > 2000:
        raise bad
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    valid = isinstance(key, dict) and set(key) <= KEY_NAMES and all(
        isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values())
    if not valid or key.get(hash_name, {}).get("S") != hash_value:
        raise bad
    return key


def query_page(model: type[M], hash_value: str, *, index: str | None = None, condition: Condition | None = None,
               limit: int = 100, cursor: str | None = None, forward: bool = True) -> tuple[list[M], str | None]:
    """One Query: up to ``limit`` items read (those passing ``condition`` returned) and the next cursor."""
    hash_name = f"{index}pk" if index else "pk"
    page = model._get_connection().query(
        hash_value, filter_condition=condition, index_name=index, limit=limit,
        exclusive_start_key=decode(cursor, hash_name, hash_value), scan_index_forward=forward)
    return [model.from_raw_data(item) for item in page.get("Items", [])], encode(page.get("LastEvaluatedKey"))
