"""Contract tests of the shared stack (infra/template.yaml).

The template is linted, then deployed into moto by infra.bootstrap.deploy, and the deployed
resources are checked: tables, queues and their DLQs, bucket, alarms, and above all the
routing of every event through the deployed EventBridge rules to the consumer queues, by
moto's own delivery (a wrong pattern in the template fails here).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from moto import mock_aws

from shared import idempotency

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # when pytest is not started from the repository root
    sys.path.insert(0, str(ROOT))

from infra.bootstrap import REGION, TEMPLATE_PATH, deploy, stack_name

PREFIX = "contract"

# The rules' patterns, written independently of the template: consumer -> (sources, types).
# A rule matches source x detail-type; they must cover shared.events.CONSUMERS (tested below).
ROUTES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "notifications": (
        frozenset({"portail.accounts", "portail.enrolment", "portail.planning"}),
        frozenset(
            {
                "AccountRegistered",
                "VerificationEmailRequested",
                "PasswordResetRequested",
                "PasswordChanged",
                "EmailChangeRequested",
                "EmailChanged",
                "StaffInvited",
                "StaffAccountCreated",
                "StaffAccountChanged",
                "StructurePublished",
                "SignupAttemptedOnExistingAccount",
                "FamilyValidated",
                "PreEnrolmentSubmitted",
                "FileReturned",
                "DocumentReviewed",
                "ChangeSubmitted",
                "ChangeReviewed",
                "ReservationRequestSubmitted",
                "CancellationRequested",
                "RequestDecided",
                "PlaceOffered",
                "CancellationConfirmed",
            }
        ),
    ),
    "enrolment": (
        frozenset({"portail.accounts", "portail.planning", "portail.enrolment"}),
        frozenset({"AccountRegistered", "EmailChanged", "StructurePublished", "SejourPublished", "RequestDecided",
                   "SessionEnded", "SessionsRevoked",
                   # the audit log: staff actions and the staff directory's names (decision 101)
                   "StaffAccountCreated", "StaffAccountChanged", "EnrolmentStaffActed", "PlanningStaffActed",
                   "AccountsStaffActed"}),
    ),
    "accounts": (frozenset({"portail.planning"}), frozenset({"StructurePublished"})),
    "planning": (
        frozenset({"portail.accounts", "portail.enrolment", "portail.planning"}),
        frozenset({"FamilyValidated", "FamilyValidationRevoked", "CommitteeJobRequested", "EmailChanged",
                   "SessionEnded", "SessionsRevoked"}),
    ),
}
CONSUMERS = tuple(ROUTES)
TABLES = ("accounts", "enrolment", "planning", "notifications")
ALL_SOURCES = sorted(set().union(*(s for s, _ in ROUTES.values())))
ALL_TYPES = sorted(set().union(*(t for _, t in ROUTES.values())))


def expected_consumers(source: str, detail_type: str) -> set[str]:
    return {c for c, (srcs, types) in ROUTES.items() if source in srcs and detail_type in types}


def load_template() -> dict[str, Any]:
    return json.loads(json.dumps(cfn_yaml.load(str(TEMPLATE_PATH))))


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@dataclass
class Stack:
    outputs: dict[str, str]

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)

    def queue_url(self, consumer: str) -> str:
        return self.outputs[f"{consumer.capitalize()}QueueUrl"]

    def dlq_url(self, consumer: str) -> str:
        return self.outputs[f"{consumer.capitalize()}DlqUrl"]


@pytest.fixture
def stack(aws_env: None) -> Iterator[Stack]:
    with mock_aws():
        yield Stack(deploy(PREFIX))


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    bodies: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        for m in messages:
            bodies.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def publish(stack: Stack, source: str, detail_type: str) -> str:
    event_id = str(uuid.uuid4())
    result = stack.client("events").put_events(
        Entries=[
            {
                "EventBusName": stack.outputs["BusName"],
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps({"event_id": event_id}),
            }
        ]
    )
    assert result["FailedEntryCount"] == 0, result
    return event_id


def receivers(stack: Stack, event_id: str) -> set[str]:
    sqs = stack.client("sqs")
    found = set()
    for consumer in CONSUMERS:
        for body in drain(sqs, stack.queue_url(consumer)):
            if body["detail"].get("event_id") == event_id:
                found.add(consumer)
    return found


# ------------------------------------------------------------------------------ template


def test_cfn_lint_has_no_findings() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from cfnlint.runner import main; sys.exit(main())",
            str(TEMPLATE_PATH),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_rule_patterns_are_the_routing_contract() -> None:
    resources = load_template()["Resources"]
    for consumer, (sources, types) in ROUTES.items():
        rule = resources[f"{consumer.capitalize()}Rule"]["Properties"]
        assert rule["Name"] == {"Fn::Sub": f"${{Prefix}}-to-{consumer}"}
        # moto gap: `!Ref Bus` does not resolve to the bus name in moto.
        assert rule["EventBusName"] == {"Fn::GetAtt": ["Bus", "Name"]}
        assert set(rule["EventPattern"]) == {"source", "detail-type"}
        assert set(rule["EventPattern"]["source"]) == sources
        assert set(rule["EventPattern"]["detail-type"]) == types
        (target,) = rule["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [f"{consumer.capitalize()}Queue", "Arn"]}
        assert not {"Input", "InputPath", "InputTransformer"} & set(target)


def test_routes_cover_the_consumers_declared_in_code() -> None:
    from shared.events import CONSUMERS as DECLARED

    assert set(DECLARED) == set(ROUTES)
    for consumer, events in DECLARED.items():
        sources, types = ROUTES[consumer]
        assert {e.detail_type() for e in events} == types, consumer
        assert {e.source for e in events} <= sources, consumer


def test_every_output_is_exported_under_prefix_and_key() -> None:
    outputs = load_template()["Outputs"]
    expected = {"BusName", "BusArn", "DocumentsBucketName",
                # operations: the alarm topic, the outbox relays' OnFailure queue, the rules' DLQ
                "AlarmTopicArn", "OutboxFailuresQueueArn", "EventsTargetDlqUrl"}
    for table in TABLES:
        expected |= {
            f"{table.capitalize()}TableName",
            f"{table.capitalize()}TableStreamArn",
        }
    for consumer in CONSUMERS:
        c = consumer.capitalize()
        expected |= {f"{c}QueueUrl", f"{c}QueueArn", f"{c}DlqUrl"}
    assert set(outputs) == expected
    for key, output in outputs.items():
        assert output["Export"] == {"Name": {"Fn::Sub": f"${{Prefix}}-{key}"}}


# ------------------------------------------------------------------------------ deployed


def test_outputs_name_the_resources(stack: Stack) -> None:
    out = stack.outputs
    assert out["BusName"] == f"{PREFIX}-bus"
    for table in TABLES:
        assert out[f"{table.capitalize()}TableName"] == f"{PREFIX}-{table}"
        assert f"table/{PREFIX}-{table}/stream/" in out[f"{table.capitalize()}TableStreamArn"]
    for consumer in CONSUMERS:
        assert stack.queue_url(consumer).endswith(f"/{PREFIX}-{consumer}-events")
        assert stack.dlq_url(consumer).endswith(f"/{PREFIX}-{consumer}-events-dlq")
    assert out["DocumentsBucketName"] == f"{PREFIX}-documents-123456789012"
    exports = {e["Name"]: e["Value"] for e in stack.client("cloudformation").list_exports()["Exports"]}
    assert exports == {f"{PREFIX}-{key}": value for key, value in out.items()}


@pytest.mark.parametrize("table", TABLES)
def test_table_keys_indexes_stream_ttl_pitr(stack: Stack, table: str) -> None:
    ddb = stack.client("dynamodb")
    name = f"{PREFIX}-{table}"
    desc = ddb.describe_table(TableName=name)["Table"]
    assert desc["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    indexes = {i["IndexName"]: i for i in desc["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"gsi1", "gsi2"}
    for n in ("gsi1", "gsi2"):
        assert indexes[n]["KeySchema"] == [
            {"AttributeName": f"{n}pk", "KeyType": "HASH"},
            {"AttributeName": f"{n}sk", "KeyType": "RANGE"},
        ]
        assert indexes[n]["Projection"] == {"ProjectionType": "ALL"}
    assert all(a["AttributeType"] == "S" for a in desc["AttributeDefinitions"])
    assert desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert desc["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_IMAGE",
    }
    ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
    pitr = ddb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_queue_has_dlq_and_policy_for_its_rule(stack: Stack, consumer: str) -> None:
    sqs = stack.client("sqs")
    attrs = sqs.get_queue_attributes(QueueUrl=stack.queue_url(consumer), AttributeNames=["All"])
    attrs = attrs["Attributes"]
    dlq = sqs.get_queue_attributes(QueueUrl=stack.dlq_url(consumer), AttributeNames=["All"])
    dlq = dlq["Attributes"]
    assert json.loads(attrs["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq["QueueArn"],
        "maxReceiveCount": 5,
    }
    # AWS's advice for an SQS event source: a visibility of at least six times the consumer's timeout.
    chalice = json.loads((ROOT / "services" / consumer / ".chalice" / "config.json").read_text())
    timeout = chalice.get("lambda_functions", {}).get(f"{consumer}_events", {}).get(
        "lambda_timeout", chalice["lambda_timeout"])
    assert int(attrs["VisibilityTimeout"]) >= 6 * timeout
    # A message back after a crash finds the consumer's claim expired (lease = timeout + margin), so it
    # is handled then rather than bouncing off a fresh claim into the DLQ.
    assert int(attrs["VisibilityTimeout"]) >= timeout + idempotency.LEASE_MARGIN.total_seconds()
    assert attrs["SqsManagedSseEnabled"] == "true"
    assert dlq["MessageRetentionPeriod"] == str(14 * 24 * 3600)
    assert "RedrivePolicy" not in dlq

    rule = stack.client("events").describe_rule(Name=f"{PREFIX}-to-{consumer}", EventBusName=stack.outputs["BusName"])
    (statement,) = json.loads(attrs["Policy"])["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == attrs["QueueArn"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": rule["Arn"]}}


def test_bucket_is_private_encrypted_and_accepts_presigned_transfers(
    stack: Stack,
) -> None:
    s3 = stack.client("s3")
    bucket = stack.outputs["DocumentsBucketName"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(
        (
            "BlockPublicAcls",
            "IgnorePublicAcls",
            "BlockPublicPolicy",
            "RestrictPublicBuckets",
        ),
        True,
    )
    (enc,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (ownership,) = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert ownership == {"ObjectOwnership": "BucketOwnerEnforced"}
    (cors,) = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert set(cors["AllowedMethods"]) == {"POST", "PUT", "GET"}  # presigned PUT and POST uploads, GET downloads
    assert cors["AllowedOrigins"] == ["http://127.0.0.1:8000"]
    (lifecycle,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert lifecycle["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


def test_dlq_alarms_match_the_template(stack: Stack) -> None:
    alarms = {a["AlarmName"]: a for a in stack.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    dlq_alarm_names = {f"${{Prefix}}-{c}-dlq-not-empty" for c in CONSUMERS}
    template_alarms = [
        r["Properties"] for r in load_template()["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"]["AlarmName"]["Fn::Sub"] in dlq_alarm_names
    ]
    assert len(template_alarms) == len(CONSUMERS)
    for consumer in CONSUMERS:
        alarm = alarms[f"{PREFIX}-{consumer}-dlq-not-empty"]
        assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": f"{PREFIX}-{consumer}-events-dlq"}]
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["Threshold"] == 1
        assert alarm["Period"] == 300
        assert alarm["EvaluationPeriods"] == 1
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    # bootstrap re-creates the alarms moto skips: they must not drift from the template.
    for props in template_alarms:
        (consumer,) = [c for c in CONSUMERS if f"-{c}-" in props["AlarmName"]["Fn::Sub"]]
        alarm = alarms[f"{PREFIX}-{consumer}-dlq-not-empty"]
        for key in (
            "Namespace",
            "MetricName",
            "Statistic",
            "Period",
            "EvaluationPeriods",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
            "AlarmDescription",
        ):
            assert alarm[key] == props[key], key


def test_ses_sender_is_verified(stack: Stack) -> None:
    identities = stack.client("ses").list_identities()["Identities"]
    assert "no-reply@portail-familles.local" in identities


# ------------------------------------------------------------------------------ routing


UNKNOWN_TYPE = "SomethingNobodyListensTo"


@pytest.mark.parametrize("source", ALL_SOURCES)
def test_each_event_reaches_exactly_its_consumers(stack: Stack, source: str) -> None:
    # One deployment per source, every detail-type published on it (and an unknown one):
    # the whole map is compared so that a failure shows every wrong route at once.
    types = [*ALL_TYPES, UNKNOWN_TYPE]
    actual = {t: receivers(stack, publish(stack, source, t)) for t in types}
    expected = {t: expected_consumers(source, t) for t in types}
    assert actual == expected
    assert actual[UNKNOWN_TYPE] == set()


def test_foreign_source_reaches_no_queue(stack: Stack) -> None:
    actual = {t: receivers(stack, publish(stack, "evil.source", t)) for t in ALL_TYPES}
    assert actual == {t: set() for t in ALL_TYPES}


def test_routing_contract_is_covered() -> None:
    # Guards the tests above: every pair the contract routes is among the pairs published,
    # and the contract does route some pairs to more than one consumer.
    pairs = {(s, t) for srcs, types in ROUTES.values() for s in srcs for t in types}
    assert pairs <= set(itertools.product(ALL_SOURCES, ALL_TYPES))
    assert expected_consumers("portail.accounts", "AccountRegistered") == {
        "notifications",
        "enrolment",
    }
    # A rule matches its sources × its types: since planning hears accounts (EmailChanged, ended
    # sessions), accounts × FamilyValidationRevoked would reach it too (accounts never publishes it).
    assert expected_consumers("portail.accounts", "FamilyValidationRevoked") == {"planning"}
    assert expected_consumers("portail.accounts", "PlaceOffered") == {"notifications"}


def test_delivered_body_is_the_whole_envelope(stack: Stack) -> None:
    event_id = publish(stack, "portail.enrolment", "FamilyValidated")
    (body,) = drain(stack.client("sqs"), stack.queue_url("planning"))
    assert body["source"] == "portail.enrolment"
    assert body["detail-type"] == "FamilyValidated"
    assert body["detail"] == {"event_id": event_id}
    assert {"id", "time", "region"} <= set(body)


# ------------------------------------------------------------------------------ failures


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_message_failing_five_receives_ends_in_dlq(stack: Stack, consumer: str) -> None:
    sqs = stack.client("sqs")
    sqs.send_message(QueueUrl=stack.queue_url(consumer), MessageBody='{"poison": true}')
    seen = 0
    for _ in range(6):
        got = sqs.receive_message(
            QueueUrl=stack.queue_url(consumer),
            VisibilityTimeout=0,
            MaxNumberOfMessages=1,
        ).get("Messages", [])
        seen += len(got)
    assert seen == 5  # received 5 times (never deleted), then moved away
    dead = drain(sqs, stack.dlq_url(consumer))
    assert dead == [{"poison": True}]
    assert drain(sqs, stack.queue_url(consumer)) == []


def test_deploy_twice_is_idempotent(stack: Stack) -> None:
    again = deploy(PREFIX)
    assert again == stack.outputs
    cfn = stack.client("cloudformation")
    stacks = [s for s in cfn.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert [s["StackName"] for s in stacks] == [stack_name(PREFIX)]
    rules = stack.client("events").list_rules(EventBusName=stack.outputs["BusName"])["Rules"]
    assert sorted(r["Name"] for r in rules) == sorted(f"{PREFIX}-to-{c}" for c in CONSUMERS)
    alarms = stack.client("cloudwatch").describe_alarms()["MetricAlarms"]
    assert len(alarms) == len(CONSUMERS)
    # and it still routes
    event_id = publish(stack, "portail.accounts", "EmailChanged")
    assert receivers(stack, event_id) == {"notifications", "enrolment", "planning"}


# ------------------------------------------------------------------------------ merge templates

SERVICES = ("accounts", "enrolment", "planning", "notifications")
MERGE_DIR = TEMPLATE_PATH.parent / "merge"
UNAUTHENTICATED_BODY = {
    "error": {
        "code": "unauthenticated",
        "message": "Votre session a expiré ou n'est pas valide. Merci de vous reconnecter.",
        "fields": {},
    }
}


def load_merge_template(service: str) -> dict[str, Any]:
    # Chalice's own loader, the one `chalice package --merge-template` uses.
    from chalice.package import YAMLTemplateSerializer

    path = MERGE_DIR / f"{service}.yaml"
    return YAMLTemplateSerializer().load_template(path.read_text(encoding="utf-8"), str(path))


def imported_names(node: Any) -> list[Any]:
    if isinstance(node, dict):
        found = [node["Fn::ImportValue"]] if "Fn::ImportValue" in node else []
        return found + [n for v in node.values() for n in imported_names(v)]
    if isinstance(node, list):
        return [n for v in node for n in imported_names(v)]
    return []


@pytest.mark.parametrize("service", SERVICES)
def test_merge_template_imports_only_exported_outputs(service: str) -> None:
    outputs = set(load_template()["Outputs"])
    merge = load_merge_template(service)
    assert merge["Parameters"]["Prefix"]["Default"] == "portail-dev"
    names = imported_names(merge)
    assert names, "a service merge template imports the shared stack"
    for name in names:
        assert set(name) == {"Fn::Sub"}, name
        prefix, _, key = name["Fn::Sub"].partition("-")
        assert prefix == "${Prefix}"
        assert key in outputs, f"{service} imports {key}, not exported by the shared stack"
    table_var = merge["Globals"]["Function"]["Environment"]["Variables"][f"{service.upper()}_TABLE"]
    assert table_var == {"Fn::ImportValue": {"Fn::Sub": f"${{Prefix}}-{service.capitalize()}TableName"}}


@pytest.mark.parametrize("service", SERVICES)
def test_merge_template_answers_401_in_the_api_error_shape(service: str) -> None:
    responses = load_merge_template(service)["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    assert set(responses) == {"UNAUTHORIZED", "ACCESS_DENIED"}
    for response in responses.values():
        assert response["StatusCode"] == "401"
        assert json.loads(response["ResponseTemplates"]["application/json"]) == (UNAUTHENTICATED_BODY)


@pytest.mark.parametrize("service", SERVICES)
def test_merge_template_wires_event_sources_over_chalice_values(service: str) -> None:
    resources = load_merge_template(service)["Resources"]
    c = service.capitalize()
    if service in CONSUMERS:
        source = resources[f"{c}Events"]["Properties"]["Events"][f"{c}EventsSqsEventSource"]
        queue = source["Properties"]["Queue"]
        # Chalice writes `Queue: {Fn::Sub: <arn>}` and the merge is deep: a lone
        # {Fn::ImportValue} would be merged with Chalice's Fn::Sub into an invalid mapping.
        assert set(queue) == {"Fn::Sub"}
        assert queue["Fn::Sub"][1]["QueueArn"] == {"Fn::ImportValue": {"Fn::Sub": f"${{Prefix}}-{c}QueueArn"}}
    else:
        assert f"{c}Events" not in resources
    relay = resources.get("RelayOutbox")
    if service == "notifications":
        assert relay is None
    else:
        props = relay["Properties"]["Events"]["RelayOutboxDynamodbEventSource"]["Properties"]
        assert props["Stream"] == {"Fn::ImportValue": {"Fn::Sub": f"${{Prefix}}-{c}TableStreamArn"}}
