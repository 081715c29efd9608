"""The embedded DynamoDB that holds the load: moto's DynamoDB, made atomic and O(items touched).

moto (5.2.5) is our only AWS, and its DynamoDB was written for unit tests, not for a portal under load:

- ``transact_write_items`` deep-copies every table a transaction names, once per item of the
  transaction, and restores those copies when the transaction fails. A 92-line request in a table of
  100,000 items copies the table 92 times (the 17 GiB of issue 12); and restoring a whole table on a
  failed transaction erases every write that other threads made meanwhile (the two signups that
  answered 201 and then did not exist).
- nothing is locked: a condition is evaluated, then the item written, in plain Python, so two threads
  can both pass ``attribute_not_exists`` or both take the last place; a Query iterating a table while
  another thread inserts can fail with "dictionary changed size during iteration".
- every Query sorts the whole table (``Table.all_items``) and scans it, for one partition; the outbox
  relay polls an index every 0.3 s, so each poll cost O(table).
- each table's stream keeps every record ever written (nothing reads it locally).

:func:`install` patches moto's classes in this process (idempotent), for ``mock_aws`` and for
moto's server alike; ``infra.local.run`` (``make run``), ``tests/conftest.py`` and the benchmarks call it.
It changes how moto stores and locks, never what an API call answers:

- **one lock** (re-entrant, per process) around every DynamoDB operation, so each operation, and each
  transaction as a whole, is atomic and serialised, as DynamoDB guarantees (serialisable writes,
  conditions checked atomically with their write). Items handed back to moto's HTTP layer are copies,
  so a response is never serialised while another thread changes the item.
- **an undo log** in ``transact_write_items``: before each write, the item it replaces (or its absence)
  is remembered; a cancelled transaction puts back exactly those items, in reverse order, and touches
  nothing else. Cost: O(items of the transaction).
- **partition-sized Query**: a Query on the table reads its partition only; a Query on a global
  secondary index reads one bucket of an index kept up to date on every write (key → the index hash
  value). moto's own code then filters, sorts and pages those candidates as before, so answers are
  unchanged; the cost is O(partition), no longer O(table).
- **bounded streams**: a table stream keeps its last :data:`STREAM_RECORDS_KEPT` records.
- **compact items**: a stored item shares its attribute names and repeated values with the other
  items (:func:`compact`) instead of keeping the copies parsed from each request.
- **plain JSON answers** for the item operations (:data:`PLAIN_JSON_OPERATIONS`): their result is
  already DynamoDB's wire format, so it is dumped as JSON instead of walked attribute by attribute
  through moto's generic, model-driven serializer (which was ~40 % of the stack's CPU while the
  committee read a period's lines). Same body, same content type.
- **no object kept for moto's dashboard** (:mod:`infra.local.retention`): an item a write replaced,
  a copy handed back, a deleted SQS message is freed, not kept in a list forever.

Nothing here is needed in AWS: it is the local stand-in for guarantees DynamoDB gives.
"""

from __future__ import annotations

import base64
import copy
import functools
import inspect
import json
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any, cast

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import GlobalSecondaryIndex, StreamShard, Table
from moto.dynamodb.responses import DynamoResult

from infra.local import retention

LOCK = threading.RLock()
"""The one lock of the embedded DynamoDB (re-entrant: a transaction calls the item operations)."""

STREAM_RECORDS_KEPT = 1000
MAX_TRANSACTION_ITEMS = 100
INTERNED_LENGTH = 1024  # longer strings (a request's history...) are rarely repeated

# Backend operations that read or change tables: each runs whole under LOCK.
_LOCKED = (
    "create_table", "delete_table", "update_table", "describe_table", "list_tables",
    "put_item", "get_item", "update_item", "delete_item", "query", "scan",
    "update_time_to_live", "describe_time_to_live",
    "execute_statement", "execute_transaction", "batch_execute_statement",
    "create_backup", "restore_table_from_backup", "restore_table_to_point_in_time",
)
# Operations whose returned Item is the live stored object: moto's HTTP layer gets a copy.
_RETURN_COPIES = ("get_item", "put_item", "update_item")

_installed = False
_query_scope = threading.local()

Key = tuple[DynamoType, DynamoType | None]


def install() -> None:
    """Patch moto's DynamoDB in this process (once; later calls do nothing)."""
    global _installed
    with LOCK:
        if _installed:
            return
        retention.install()
        for name in _LOCKED:
            original = getattr(DynamoDBBackend, name)
            setattr(DynamoDBBackend, name, _locked(original, copy_result=name in _RETURN_COPIES))
        DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
        DynamoDBBackend.update_item = _reindexing_update(DynamoDBBackend.update_item)  # type: ignore[method-assign]
        Table.put_item = _reindexing_put(Table.put_item)  # type: ignore[method-assign]
        Table.delete_item = _reindexing_delete(Table.delete_item)  # type: ignore[method-assign]
        Table.query = _partition_query(Table.query)  # type: ignore[method-assign]
        Table.all_items = _scoped_all_items(Table.all_items)  # type: ignore[method-assign]
        StreamShard.add = _bounded_stream_add(StreamShard.add)  # type: ignore[method-assign]
        DynamoResult.execute_result = _plain_json_result(DynamoResult.execute_result)  # type: ignore[method-assign]
        _installed = True


def installed() -> bool:
    return _installed


# ------------------------------------------------------------------------------ the lock


def _locked(method: Callable[..., Any], *, copy_result: bool) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        with LOCK:
            result = method(self, *args, **kwargs)
            return copy.deepcopy(result) if copy_result and isinstance(result, Item) else result

    return run


# ------------------------------------------------------------------------------ transactions


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's ``transact_write_items`` with an undo log instead of whole-table copies.

    Same checks and same errors as moto 5.2.5 (each item is attempted in order; its cancellation reason
    is reported per item); on cancellation, only the items this transaction wrote are put back.
    """
    if len(transact_items) > MAX_TRANSACTION_ITEMS:
        raise TooManyTransactionsException()
    with LOCK:
        undo: list[tuple[Table, DynamoType, DynamoType | None, Item | None]] = []
        targets: set[tuple[str, str]] = set()
        errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
        try:
            for transact_item in transact_items:
                if len(transact_item) > 1:
                    raise TransactWriteSingleOpException
                errors.append(_transact_one(self, transact_item, targets, undo))
        except (MultipleTransactionsException, MockValidationException, TransactWriteSingleOpException):
            _rollback(undo)
            raise
        if any(code is not None for code, _, _ in errors):
            _rollback(undo)
            raise TransactionCanceledException(errors)


def _transact_one(backend: DynamoDBBackend, transact_item: dict[str, Any], targets: set[tuple[str, str]],
                  undo: list[tuple[Table, DynamoType, DynamoType | None, Item | None]],
                  ) -> tuple[str | None, str | None, dict[str, Any] | None]:
    failed_item: dict[str, Any] | None = None
    try:
        op_type, op = next(iter(transact_item.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table_name = op["TableName"]
        condition = op.get("ConditionExpression")
        names = op.get("ExpressionAttributeNames")
        values = op.get("ExpressionAttributeValues")
        table = backend.get_table(table_name)
        if op_type == "Put":
            attrs = op["Item"]
            key = {table.hash_key_attr: attrs[table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = attrs[table.range_key_attr]
        else:
            key = op["Key"]
        target = (str(table_name), str(dict(sorted(key.items()))))
        if target in targets:
            raise MultipleTransactionsException()
        targets.add(target)

        hash_value, range_value = backend.get_keys_value(table, key)
        current = table.get_item(hash_value, range_value)
        if condition is not None and not get_filter_expression(condition, names, values).expr(current):
            if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                failed_item = current.to_json()["Attributes"]
            raise ConditionalCheckFailed(item=failed_item)
        if op_type == "ConditionCheck":
            return (None, None, None)

        # Put replaces the stored object and Delete pops it: the object itself is the undo record.
        # Update changes the stored object in place: remember a copy.
        undo.append((table, hash_value, range_value, copy.deepcopy(current) if op_type == "Update" else current))
        if op_type == "Put":
            backend.put_item(table_name, op["Item"], condition_expression=condition,
                             expression_attribute_names=names, expression_attribute_values=values)
        elif op_type == "Delete":
            backend.delete_item(table_name, key, condition_expression=condition,
                                expression_attribute_names=names, expression_attribute_values=values)
        else:
            backend.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                condition_expression=condition, expression_attribute_names=names,
                                expression_attribute_values=values)
        return (None, None, None)
    except (MultipleTransactionsException, MockValidationException, TransactWriteSingleOpException):
        raise
    except ConditionalCheckFailed as exc:
        return ("ConditionalCheckFailed", str(exc.message), failed_item)
    except Exception as exc:  # moto reports any other failure as the item's cancellation reason
        return (type(exc).__name__, str(exc), failed_item)


def _rollback(undo: list[tuple[Table, DynamoType, DynamoType | None, Item | None]]) -> None:
    """Put back exactly the items a cancelled transaction wrote, last write first."""
    for table, hash_value, range_value, before in reversed(undo):
        _store(table, hash_value, range_value, before)
        _reindex(table, hash_value, range_value)


def _store(table: Table, hash_value: DynamoType, range_value: DynamoType | None, item: Item | None) -> None:
    if range_value is None:
        if item is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = item
        return
    partition = table.items.get(hash_value)
    if item is None:
        if partition is not None:
            partition.pop(range_value, None)
            if not partition:
                del table.items[hash_value]
    else:
        table.items[hash_value][range_value] = item


# ------------------------------------------------------------------------------ index buckets


class _IndexBuckets:
    """For each single-hash-key global secondary index of a table: hash value → {table key: item}."""

    def __init__(self, table: Table) -> None:
        self.names = _gsi_hash_attrs(table)
        self.buckets: dict[str, dict[DynamoType, dict[Key, Item]]] = {name: {} for name in self.names}
        self.placed: dict[Key, dict[str, DynamoType]] = {}
        for item in _stored_items(table):
            self.place((item.hash_key, item.range_key), item)

    def place(self, key: Key, item: Item | None) -> None:
        for name, value in self.placed.pop(key, {}).items():
            bucket = self.buckets[name].get(value)
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del self.buckets[name][value]
        if item is None:
            return
        placed: dict[str, DynamoType] = {}
        for name, attr in self.names.items():
            value = item.attrs.get(attr)
            if value is not None:
                self.buckets[name].setdefault(value, {})[key] = item
                placed[name] = value
        if placed:
            self.placed[key] = placed


def _gsi_hash_attrs(table: Table) -> dict[str, str]:
    found: dict[str, str] = {}
    for index in table.global_indexes or []:
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        if len(hashes) == 1:
            found[index.name] = hashes[0]
    return found


def _stored_items(table: Table) -> Iterable[Item]:
    for value in table.items.values():
        if table.range_key_attr:
            yield from value.values()
        else:
            yield value


def _buckets(table: Table) -> _IndexBuckets:
    buckets: _IndexBuckets | None = table.__dict__.get("_portail_buckets")
    if buckets is None or buckets.names != _gsi_hash_attrs(table):  # first use, or the indexes changed
        buckets = _IndexBuckets(table)
        table.__dict__["_portail_buckets"] = buckets
    return buckets


def _stored(table: Table, hash_value: DynamoType, range_value: DynamoType | None) -> Item | None:
    item = table.items.get(hash_value)
    if range_value is not None and item is not None:
        item = item.get(range_value)
    return cast(Item | None, item)


def _reindex(table: Table, hash_value: DynamoType, range_value: DynamoType | None) -> None:
    if "_portail_buckets" not in table.__dict__:
        return  # built from the stored items on its first Query
    _buckets(table).place((hash_value, range_value), _stored(table, hash_value, range_value))


# ------------------------------------------------------------------------------ compact items


def compact(item: Item) -> None:
    """Share the strings a stored item repeats with other items (attribute names, ids, statuses,
    dates, labels) instead of keeping its own copies parsed from each request's JSON.

    moto keeps every item as Python objects built from the request's JSON: each of a reservation
    line's ~22 attributes had its own name and value strings, although a request's 92 lines repeat
    the same family, request, child, period, labels and status, and every line repeats the same
    attribute names. Interning them (``sys.intern``: the strings stay freed when no item uses them)
    changes no value and no answer; only the memory per stored item.
    """
    attrs = item.attrs
    pairs = [(_share(name), _compact_value(value)) for name, value in attrs.items()]
    attrs.clear()  # then refilled past LimitedSizeDict.__setitem__: the item passed its size check when written
    for name, value in pairs:
        dict.__setitem__(attrs, name, value)
    _compact_value(item.hash_key)
    if item.range_key is not None:
        _compact_value(item.range_key)


def _share(text: Any) -> Any:
    return sys.intern(text) if type(text) is str and len(text) <= INTERNED_LENGTH else text


def _compact_value(value: DynamoType) -> DynamoType:
    kind = value.type
    if kind in ("S", "N"):
        value.value = _share(value.value)
    elif kind in ("SS", "NS"):
        value.value = [_share(v) for v in value.value]
    elif kind == "M":
        value.value = {_share(k): _compact_value(v) for k, v in value.value.items()}
    elif kind == "L":
        for v in value.value:
            _compact_value(v)
    return value


def _reindexing_put(put_item: Callable[..., Item]) -> Callable[..., Item]:
    @functools.wraps(put_item)
    def run(self: Table, *args: Any, **kwargs: Any) -> Item:
        with LOCK:
            item = put_item(self, *args, **kwargs)
            compact(item)
            _reindex(self, item.hash_key, item.range_key)
            return item

    return run


def _reindexing_delete(delete_item: Callable[..., Item | None]) -> Callable[..., Item | None]:
    @functools.wraps(delete_item)
    def run(self: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
        with LOCK:
            item = delete_item(self, hash_key, range_key)
            if self.range_key_attr:
                partition = self.items.get(hash_key)
                if partition is not None and not partition:
                    del self.items[hash_key]  # moto leaves empty partitions behind
            _reindex(self, hash_key, range_key)
            return item

    return run


def _reindexing_update(update_item: Callable[..., Item]) -> Callable[..., Item]:
    """moto's update_item changes the stored item in place: its index buckets follow."""

    @functools.wraps(update_item)
    def run(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Item:
        with LOCK:
            try:
                return update_item(self, table_name, key, *args, **kwargs)
            finally:
                table = self.tables.get(table_name) or self.get_table(table_name)
                if table.hash_key_attr in key and (table.range_key_attr is None or table.range_key_attr in key):
                    hash_value, range_value = self.get_keys_value(table, key)
                    stored = _stored(table, hash_value, range_value)
                    if stored is not None:
                        compact(stored)
                    _reindex(table, hash_value, range_value)

    return run


# ------------------------------------------------------------------------------ Query


def _partition_query(query: Callable[..., Any]) -> Callable[..., Any]:
    """Hand moto's Query the items of the partition it reads instead of the whole table."""

    signature = inspect.signature(query)

    @functools.wraps(query)
    def run(self: Table, *args: Any, **kwargs: Any) -> Any:
        with LOCK:
            call = signature.bind(self, *args, **kwargs).arguments
            candidates = _candidates(self, call.get("hash_key"), call.get("index_name"),
                                     call.get("hash_key_conditions"))
            if candidates is None:
                return query(self, *args, **kwargs)
            scopes: dict[int, list[Item]] = _query_scope.__dict__.setdefault("tables", {})
            scopes[id(self)] = candidates
            try:
                return query(self, *args, **kwargs)
            finally:
                del scopes[id(self)]

    return run


def _candidates(table: Table, hash_key: DynamoType | None, index_name: str | None,
                hash_conditions: list[tuple[str, DynamoType]] | None) -> list[Item] | None:
    if not index_name:
        if hash_key is None:
            return None
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        return list(partition.values()) if table.range_key_attr else [partition]
    index = next((i for i in table.global_indexes or [] if i.name == index_name), None)
    if not isinstance(index, GlobalSecondaryIndex) or not hash_conditions or len(hash_conditions) != 1:
        return None  # local indexes, multi-attribute keys: moto's own path
    buckets = _buckets(table)
    attr = buckets.names.get(index_name)
    name, value = hash_conditions[0]
    if attr is None or name != attr:
        return None
    return list(buckets.buckets[index_name].get(value, {}).values())


def _scoped_all_items(all_items: Callable[[Table], list[Item]]) -> Callable[[Table], list[Item]]:
    @functools.wraps(all_items)
    def run(self: Table) -> list[Item]:
        scoped = _query_scope.__dict__.get("tables", {}).get(id(self))
        return list(scoped) if scoped is not None else all_items(self)

    return run


# ------------------------------------------------------------------------------ streams


def _bounded_stream_add(add: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(add)
    def run(self: StreamShard, old: Item | None, new: Item | None) -> None:
        add(self, old, new)
        extra = len(self.items) - STREAM_RECORDS_KEPT
        if extra > 0:
            del self.items[:extra]
            self.starting_sequence_number += extra  # sequence numbers of the kept records are unchanged

    return run


# ------------------------------------------------------------------------------ answers

PLAIN_JSON_OPERATIONS = frozenset({
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "TransactGetItems",
})
"""Operations whose result (after moto's ``dynamo_to_dict``) is their JSON answer as is: items in
DynamoDB's attribute-value format, counts, keys, consumed capacity. Binary values (bytes) are base64,
as moto's serializer writes blobs. Anything else (table descriptions with timestamps...) keeps moto's path."""


def _plain_json_result(execute_result: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(execute_result)
    def run(self: DynamoResult, context: Any) -> Any:
        if context.operation_model.name in PLAIN_JSON_OPERATIONS and isinstance(self.result, dict):
            members = context.operation_model.output_shape.members  # what moto's serializer keeps
            answer = {k: v for k, v in self.result.items() if k in members and v is not None}
            try:
                body = json.dumps(answer, separators=(",", ":"), default=_blob)
            except TypeError:
                return execute_result(self, context)
            content_type = f"application/x-amz-json-{context.service_model.metadata.get('jsonVersion', '1.0')}"
            return 200, {"Content-Type": content_type}, body
        return execute_result(self, context)

    return run


def _blob(value: Any) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(type(value).__name__)
