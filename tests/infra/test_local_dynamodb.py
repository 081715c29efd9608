"""The embedded DynamoDB (infra.local.dynamodb): atomic like DynamoDB, O(items touched).

Real threads against moto with the infra template deployed (the tables the services use). Each test
writes under its own partition keys, so the module deploys the stack once.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import DynamoType

from infra import bootstrap
from infra.local import dynamodb
from tests.conftest import PREFIX

TABLE = f"{PREFIX}-planning"
THREADS = 8


@pytest.fixture(scope="module")
def ddb() -> Iterator[Any]:
    with mock_aws():
        bootstrap.deploy(PREFIX)
        yield boto3.client("dynamodb", region_name="eu-west-3")


def s(value: str) -> dict[str, str]:
    return {"S": value}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": s(pk), "sk": s(sk)}


def get(ddb: Any, pk: str, sk: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = ddb.get_item(TableName=TABLE, Key=key(pk, sk), ConsistentRead=True).get("Item")
    return item


def query(ddb: Any, pk: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        page = ddb.query(TableName=TABLE, KeyConditionExpression="pk = :pk",
                         ExpressionAttributeValues={":pk": s(pk)}, Limit=7,
                         **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def query_gsi(ddb: Any, gsi_pk: str) -> list[str]:
    items = ddb.query(TableName=TABLE, IndexName="gsi1", KeyConditionExpression="gsi1pk = :v",
                      ExpressionAttributeValues={":v": s(gsi_pk)})["Items"]
    return [i["sk"]["S"] for i in items]


def test_the_layer_is_installed_by_the_test_fixtures() -> None:
    assert dynamodb.installed()


def test_a_cancelled_transaction_restores_exactly_the_items_it_touched(ddb: Any) -> None:
    pk = f"T#{uuid.uuid4()}"
    for sk in ("a", "b", "c", "untouched"):
        ddb.put_item(TableName=TABLE, Item={**key(pk, sk), "v": {"N": "1"}, "tags": {"SS": ["x", "y"]},
                                            "gsi1pk": s(f"{pk}#open"), "gsi1sk": s(sk)})
    before = {sk: get(ddb, pk, sk) for sk in ("a", "b", "c", "untouched")}

    with pytest.raises(ClientError) as raised:
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": TABLE, "Key": key(pk, "a"),
                        "UpdateExpression": "SET v = :two, gsi1pk = :closed REMOVE tags",
                        "ExpressionAttributeValues": {":two": {"N": "2"}, ":closed": s(f"{pk}#closed")}}},
            {"Delete": {"TableName": TABLE, "Key": key(pk, "b")}},
            {"Put": {"TableName": TABLE, "Item": {**key(pk, "new"), "gsi1pk": s(f"{pk}#open"), "gsi1sk": s("new")}}},
            {"Update": {"TableName": TABLE, "Key": key(pk, "c"), "UpdateExpression": "SET v = :two",
                        "ConditionExpression": "v = :zero",
                        "ExpressionAttributeValues": {":two": {"N": "2"}, ":zero": {"N": "0"}}}},
        ])
    reasons = [r["Code"] for r in raised.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]

    assert {sk: get(ddb, pk, sk) for sk in ("a", "b", "c", "untouched")} == before
    assert get(ddb, pk, "new") is None
    assert [i["sk"]["S"] for i in query(ddb, pk)] == ["a", "b", "c", "untouched"]
    assert query_gsi(ddb, f"{pk}#open") == ["a", "b", "c", "untouched"]  # the index follows the rollback
    assert query_gsi(ddb, f"{pk}#closed") == []


def test_a_committed_transaction_writes_every_item_and_the_index_follows(ddb: Any) -> None:
    pk = f"T#{uuid.uuid4()}"
    ddb.put_item(TableName=TABLE, Item={**key(pk, "a"), "gsi1pk": s(f"{pk}#open"), "gsi1sk": s("a")})
    ddb.put_item(TableName=TABLE, Item={**key(pk, "b"), "gsi1pk": s(f"{pk}#open"), "gsi1sk": s("b")})
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": TABLE, "Key": key(pk, "a"), "UpdateExpression": "SET gsi1pk = :c",
                    "ExpressionAttributeValues": {":c": s(f"{pk}#closed")}}},
        {"Delete": {"TableName": TABLE, "Key": key(pk, "b")}},
        {"Put": {"TableName": TABLE, "Item": {**key(pk, "c"), "gsi1pk": s(f"{pk}#open"), "gsi1sk": s("c")}}},
    ])
    assert [i["sk"]["S"] for i in query(ddb, pk)] == ["a", "c"]
    assert query_gsi(ddb, f"{pk}#open") == ["c"]
    assert query_gsi(ddb, f"{pk}#closed") == ["a"]


def test_failed_transactions_never_erase_what_other_threads_write(ddb: Any) -> None:
    """moto 5.2.5 restored whole tables on a cancelled transaction: other threads' writes vanished."""
    pk = f"T#{uuid.uuid4()}"
    ddb.put_item(TableName=TABLE, Item={**key(pk, "guard"), "v": {"N": "1"}})
    done = threading.Event()

    def failing_transactions() -> int:
        cancelled = 0
        for _ in range(300):
            if done.is_set():
                break
            try:
                ddb.transact_write_items(TransactItems=[
                    {"Put": {"TableName": TABLE, "Item": {**key(pk, "ghost"), "v": {"N": "9"}}}},
                    {"ConditionCheck": {"TableName": TABLE, "Key": key(pk, "guard"),
                                        "ConditionExpression": "v = :zero",
                                        "ExpressionAttributeValues": {":zero": {"N": "0"}}}},
                ])
            except ClientError:
                cancelled += 1
        return cancelled

    def writer(n: int) -> None:
        for i in range(40):
            ddb.put_item(TableName=TABLE, Item={**key(pk, f"w{n:02}-{i:03}"), "v": {"N": str(i)}})

    with ThreadPoolExecutor(max_workers=THREADS + 1) as pool:
        spoiler = pool.submit(failing_transactions)
        list(pool.map(writer, range(THREADS)))
        done.set()
        assert spoiler.result() > 0
    written = [i["sk"]["S"] for i in query(ddb, pk)]
    assert len([sk for sk in written if sk.startswith("w")]) == THREADS * 40
    assert "ghost" not in written


def test_n_threads_writing_lose_nothing(ddb: Any) -> None:
    """Each transaction adds an item and increments a shared counter: nothing lost, nothing doubled."""
    pk = f"T#{uuid.uuid4()}"
    per_thread = 30
    barrier = threading.Barrier(THREADS)

    def work(n: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {**key(pk, f"line#{n}#{i}")},
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Update": {"TableName": TABLE, "Key": key(pk, "counter"), "UpdateExpression": "ADD n :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            ])
            ddb.update_item(TableName=TABLE, Key=key(pk, "plain-counter"), UpdateExpression="ADD n :one",
                            ExpressionAttributeValues={":one": {"N": "1"}})

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(work, range(THREADS)))
    lines = [i for i in query(ddb, pk) if i["sk"]["S"].startswith("line#")]
    assert len(lines) == THREADS * per_thread
    assert get(ddb, pk, "counter") == {**key(pk, "counter"), "n": {"N": str(THREADS * per_thread)}}
    assert get(ddb, pk, "plain-counter") == {**key(pk, "plain-counter"), "n": {"N": str(THREADS * per_thread)}}


@pytest.mark.parametrize("how", ["put_item", "transaction"])
def test_concurrent_conditional_writes_have_exactly_one_winner(ddb: Any, how: str) -> None:
    for round_ in range(10):
        pk = f"T#{uuid.uuid4()}"
        barrier = threading.Barrier(THREADS)

        def claim(n: int, pk: str = pk, barrier: threading.Barrier = barrier) -> bool:
            item = {**key(pk, "signup"), "owner": s(f"thread-{n}")}
            barrier.wait()
            try:
                if how == "put_item":
                    ddb.put_item(TableName=TABLE, Item=item, ConditionExpression="attribute_not_exists(pk)")
                else:
                    ddb.transact_write_items(TransactItems=[
                        {"Put": {"TableName": TABLE, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
                        {"Update": {"TableName": TABLE, "Key": key(pk, "seats"), "UpdateExpression": "ADD taken :one",
                                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                    ])
            except ClientError as exc:
                code = exc.response["Error"]["Code"]
                assert code in ("ConditionalCheckFailedException", "TransactionCanceledException"), code
                return False
            return True

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            wins = list(pool.map(claim, range(THREADS)))
        assert wins.count(True) == 1, round_
        stored = get(ddb, pk, "signup")
        assert stored is not None and stored["owner"] == s(f"thread-{wins.index(True)}")
        if how == "transaction":
            assert get(ddb, pk, "seats") == {**key(pk, "seats"), "taken": {"N": "1"}}


def test_a_query_reads_its_partition_not_the_table(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto compares key values (``DynamoType``) to find, sort and page a Query's items: count the
    comparisons of three Queries reading 50 items, beside 2,000 items of other partitions."""
    crowd = f"T#{uuid.uuid4()}"
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda i: ddb.put_item(TableName=TABLE, Item={
            **key(f"{crowd}#{i % 50}", f"{i:05}"), "gsi1pk": s(f"{crowd}#idx{i % 50}"), "gsi1sk": s(f"{i:05}")}),
            range(2000)))
    pk = f"T#{uuid.uuid4()}"
    for i in range(5):
        ddb.put_item(TableName=TABLE, Item={**key(pk, f"{i}"), "gsi1pk": s(f"{pk}#idx"), "gsi1sk": s(f"{i}")})
    query_gsi(ddb, "no-such-value")  # the layer builds its index buckets on a table's first index Query

    compared = 0
    for name in ("__eq__", "__ne__", "__lt__"):
        original = getattr(DynamoType, name)

        def counting(self: DynamoType, other: Any, _original: Any = original) -> bool:
            nonlocal compared
            compared += 1
            return bool(_original(self, other))

        monkeypatch.setattr(DynamoType, name, counting)
    assert [i["sk"]["S"] for i in query(ddb, pk)] == ["0", "1", "2", "3", "4"]
    assert query_gsi(ddb, f"{pk}#idx") == ["0", "1", "2", "3", "4"]
    assert query_gsi(ddb, f"{crowd}#idx7") == [f"{i:05}" for i in range(7, 2000, 50)]
    assert 0 < compared < 1000  # moto alone: more than 2,000 per Query (every item of the table)


def stored_item(pk: str, sk: str) -> Any:
    """The Item object moto's table holds (to look at how it is stored, not at what it answers)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["eu-west-3"].get_table(TABLE)
    return table.items[DynamoType(s(pk))][DynamoType(s(sk))]


def test_stored_items_share_the_strings_they_repeat(ddb: Any) -> None:
    """Two lines of one request, written by separate calls (so parsed from separate JSON), an update and
    a transaction: the stored items share attribute names and equal values, and answer as written."""
    pk = f"T#{uuid.uuid4()}"
    family = f"family-{uuid.uuid4()}"
    line = {"family_id": s(family), "status": s("pending"), "priority": {"N": "12"},
            "labels": {"M": {"slot": s("PERISCOLAIRE MIDI"), "child": s("Léa")}}, "tags": {"SS": ["a", "b"]}}
    ddb.put_item(TableName=TABLE, Item={**key(pk, "2025-09-01#MIDI"), **line})
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": TABLE,
                                                     "Item": {**key(pk, "2025-09-02#MIDI"), **line}}}])
    ddb.update_item(TableName=TABLE, Key=key(pk, "2025-09-02#MIDI"), UpdateExpression="SET #s = :s, note = :n",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":s": s(f"accep{'ted'}"), ":n": s("pending")})

    first, second = stored_item(pk, "2025-09-01#MIDI"), stored_item(pk, "2025-09-02#MIDI")
    assert first is not second
    for name in ("family_id", "priority"):
        assert first.attrs[name].value is second.attrs[name].value  # one string for both items
        assert next(n for n in first.attrs if n == name) is next(n for n in second.attrs if n == name)
    assert first.attrs["labels"].value["slot"].value is second.attrs["labels"].value["slot"].value
    assert first.attrs["status"].value is second.attrs["note"].value  # "pending", written by the update
    assert first.hash_key.value is second.hash_key.value

    assert get(ddb, pk, "2025-09-01#MIDI") == {**key(pk, "2025-09-01#MIDI"), **line}
    assert get(ddb, pk, "2025-09-02#MIDI") == {**key(pk, "2025-09-02#MIDI"), **line, "status": s("accepted"),
                                               "note": s("pending")}


def test_item_answers_are_the_bodies_moto_s_serializer_writes(ddb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The layer dumps item operations' results as JSON; each answer is compared, as JSON, with the one
    moto's own serializer makes for the same result (every attribute type, pages, capacity, errors)."""
    import json

    from moto.dynamodb.responses import DynamoResult

    fast = DynamoResult.execute_result
    slow = fast.__wrapped__  # type: ignore[attr-defined]  # moto's own, kept by functools.wraps
    compared: list[str] = []

    def both(self: Any, context: Any) -> Any:
        answer = fast(self, context)
        name = context.operation_model.name
        if name in dynamodb.PLAIN_JSON_OPERATIONS:
            expected = slow(self, context)
            assert answer[0] == expected[0] and answer[1]["Content-Type"] == expected[1]["Content-Type"], name
            assert json.loads(answer[2]) == json.loads(expected[2]), name
            compared.append(name)
        return answer

    monkeypatch.setattr(DynamoResult, "execute_result", both)
    pk = f"T#{uuid.uuid4()}"
    every_type = {"s": s("Léa « é »"), "n": {"N": "12.5"}, "b": {"B": b"\x00\x01binary"}, "bool": {"BOOL": True},
                  "null": {"NULL": True}, "m": {"M": {"x": s("y"), "l": {"L": [{"N": "1"}, s("deux")]}}},
                  "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": [b"a", b"b"]},
                  "gsi1pk": s(f"{pk}#idx"), "gsi1sk": s("1")}
    ddb.put_item(TableName=TABLE, Item={**key(pk, "1"), **every_type}, ReturnConsumedCapacity="TOTAL")
    ddb.put_item(TableName=TABLE, Item={**key(pk, "2"), **every_type}, ReturnValues="ALL_OLD")
    assert ddb.get_item(TableName=TABLE, Key=key(pk, "1"))["Item"]["b"] == {"B": b"\x00\x01binary"}
    assert "Item" not in ddb.get_item(TableName=TABLE, Key=key(pk, "absent"))
    page = ddb.query(TableName=TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": s(pk)},
                     Limit=1)
    assert page["Count"] == 1 and page["LastEvaluatedKey"] == key(pk, "1")
    assert query_gsi(ddb, f"{pk}#idx") == ["1", "2"]
    assert ddb.query(TableName=TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": s(pk)},
                     Select="COUNT")["Count"] == 2
    ddb.scan(TableName=TABLE, Limit=3)
    ddb.batch_get_item(RequestItems={TABLE: {"Keys": [key(pk, "1"), key(pk, "2")]}})
    ddb.update_item(TableName=TABLE, Key=key(pk, "1"), UpdateExpression="SET n = n + :one",
                    ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="ALL_NEW")
    ddb.transact_get_items(TransactItems=[{"Get": {"TableName": TABLE, "Key": key(pk, "1")}}])
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": TABLE, "Item": {**key(pk, "3"), "v": s("x")}}}])
    ddb.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": {**key(pk, "4"), "v": s("x")}}}]})
    ddb.delete_item(TableName=TABLE, Key=key(pk, "2"), ReturnValues="ALL_OLD")
    with pytest.raises(ClientError) as refused:
        ddb.put_item(TableName=TABLE, Item={**key(pk, "1")}, ConditionExpression="attribute_not_exists(pk)")
    assert refused.value.response["Error"]["Code"] == "ConditionalCheckFailedException"

    assert set(compared) == dynamodb.PLAIN_JSON_OPERATIONS
