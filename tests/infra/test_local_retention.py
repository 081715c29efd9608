"""The embedded AWS frees what it no longer stores (infra.local.retention).

moto keeps every model object it ever creates in a class-level list for its dashboard; on the local
stack that held every replaced version of every DynamoDB item and every deleted SQS message. These
tests hold weak references to the objects moto stored and check they die once replaced or deleted.
"""

from __future__ import annotations

import gc
import uuid
import weakref
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.s3.models import FakeKey
from moto.sqs.models import sqs_backends

from infra.local import retention

REGION = "eu-west-3"
TABLE = "retention-test"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def stored(pk: str) -> Any:
    """The Item object moto's table holds for ``pk`` now."""
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table(TABLE).items[DynamoType({"S": pk})]


def test_the_local_stack_installs_it() -> None:
    assert retention.installed()  # tests/conftest.py installs the layer, which installs this


def test_replaced_and_deleted_items_are_freed(aws: None) -> None:
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    pk = f"F#{uuid.uuid4()}"
    versions = []
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "n": {"N": "0"}})
    versions.append(weakref.ref(stored(pk)))
    for n in range(1, 4):  # a put, a transaction that replaces it, a read: each makes new Item objects
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": TABLE,
                                                         "Item": {"pk": {"S": pk}, "n": {"N": str(n)}}}}])
        ddb.get_item(TableName=TABLE, Key={"pk": {"S": pk}})
        versions.append(weakref.ref(stored(pk)))
    ddb.update_item(TableName=TABLE, Key={"pk": {"S": pk}}, UpdateExpression="SET n = :n",
                    ExpressionAttributeValues={":n": {"N": "9"}})
    current = stored(pk)
    gc.collect()

    alive = [ref() for ref in versions if ref() is not None]
    assert alive == [current] or alive == []  # only the item the table holds now (update is in place)
    assert ddb.get_item(TableName=TABLE, Key={"pk": {"S": pk}})["Item"]["n"] == {"N": "9"}

    deleted = weakref.ref(current)
    del current, alive
    ddb.delete_item(TableName=TABLE, Key={"pk": {"S": pk}})
    gc.collect()
    assert deleted() is None


def test_a_deleted_sqs_message_is_freed(aws: None) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="retention-test")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="bonjour")
    queue = sqs_backends[DEFAULT_ACCOUNT_ID][REGION].queues["retention-test"]
    message = weakref.ref(queue._messages[0])
    received = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert received["Body"] == "bonjour"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received["ReceiptHandle"])
    gc.collect()
    assert message() is None


def test_s3_objects_are_still_tracked_for_moto_s_reset(aws: None) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="retention-test", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="retention-test", Key="doc.pdf", Body=b"%PDF-1.4")
    assert any(key.name == "doc.pdf" for key in FakeKey.instances_tracked)  # type: ignore[attr-defined]
