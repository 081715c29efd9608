"""Deploy the shared stack (infra/template.yaml) into moto, for the local stack and the tests.

The very template that CloudFormation deploys in AWS is created here with boto3 CloudFormation,
either inside ``moto.mock_aws()`` (``endpoint_url=None``) or against a moto server
(``endpoint_url="http://127.0.0.1:PORT"``). Credentials and nothing else come from the
environment (tests set ``AWS_ACCESS_KEY_ID=testing`` ...).

Why there are post-steps: moto's CloudFormation (5.2.x) silently ignores part of the template.
It skips the resource types ``AWS::SQS::QueuePolicy``, ``AWS::CloudWatch::Alarm`` and
``AWS::S3::BucketPolicy``, and the properties ``TimeToLiveSpecification`` and
``PointInTimeRecoverySpecification`` of tables and ``PublicAccessBlockConfiguration``,
``OwnershipControls``, ``CorsConfiguration`` and ``LifecycleConfiguration`` of buckets. After the
stack is created, :func:`deploy` applies the same settings through the service APIs, so local
resources behave like the AWS ones. Every post-step is idempotent. Two deliberate differences:
the bucket CORS rule allows ``portal_origin`` (the local portal) instead of ``*``, and the
TLS-only bucket policy is not applied, the local stack serving S3 over plain HTTP. It also
verifies the SES sender identity, which lives outside the template.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

TEMPLATE_PATH: Path = Path(__file__).resolve().parent / "template.yaml"
REGION = "eu-west-3"

TABLES = ("accounts", "enrolment", "planning", "notifications")
CONSUMERS = ("notifications", "enrolment", "planning", "accounts")
TTL_ATTRIBUTE = "ttl"
_DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"}
_TIMEOUT_SECONDS = 120.0


def stack_name(prefix: str) -> str:
    """Name of the shared stack for a prefix."""
    return f"{prefix}-shared"


def deploy(
    prefix: str,
    *,
    endpoint_url: str | None = None,
    region: str = REGION,
    sender_email: str = "no-reply@portail-familles.local",
    portal_origin: str = "http://127.0.0.1:8000",
) -> dict[str, str]:
    """Create the shared stack (or find it), apply what moto ignores, return its outputs."""

    def client(service: str) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=endpoint_url)

    cfn = client("cloudformation")
    name = stack_name(prefix)
    stack = _describe(cfn, name)
    if stack is None:
        _create(cfn, name, prefix)
    outputs = _outputs(_wait(cfn, name))

    _apply_tables(client("dynamodb"), prefix)
    _apply_queue_policies(client("sqs"), client("events"), outputs)
    _apply_bucket(client("s3"), outputs["DocumentsBucketName"], portal_origin)
    _apply_alarms(client("cloudwatch"), prefix)
    client("ses").verify_email_identity(EmailAddress=sender_email)
    return outputs


# ------------------------------------------------------------------------------ stack


def _describe(cfn: Any, name: str) -> dict[str, Any] | None:
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    live = [s for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"]
    return live[0] if live else None


def _create(cfn: Any, name: str, prefix: str) -> None:
    try:
        with warnings.catch_warnings():
            # moto warns once per resource type it skips; the post-steps cover them.
            warnings.filterwarnings("ignore", message="Tried to parse AWS::")
            cfn.create_stack(
                StackName=name,
                TemplateBody=TEMPLATE_PATH.read_text(encoding="utf-8"),
                Parameters=[{"ParameterKey": "Prefix", "ParameterValue": prefix}],
            )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "AlreadyExistsException":
            return
        raise RuntimeError(f"stack {name}: create_stack failed: {exc}{_reasons(cfn, name)}") from exc
    except Exception as exc:  # inside mock_aws, moto's own errors surface as they are
        raise RuntimeError(f"stack {name}: create_stack failed: {exc!r}{_reasons(cfn, name)}") from exc


def _wait(cfn: Any, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + _TIMEOUT_SECONDS
    while True:
        stack = _describe(cfn, name)
        if stack is None:
            raise RuntimeError(f"stack {name} vanished while being created{_reasons(cfn, name)}")
        status = stack["StackStatus"]
        if status in _DONE:
            return stack
        if not status.endswith("IN_PROGRESS"):
            raise RuntimeError(f"stack {name} is {status}{_reasons(cfn, name)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"stack {name} still {status} after {_TIMEOUT_SECONDS:.0f}s")
        time.sleep(1)


def _reasons(cfn: Any, name: str) -> str:
    try:
        events = cfn.describe_stack_events(StackName=name)["StackEvents"]
    except Exception:
        return ""
    lines = [
        f"{e.get('LogicalResourceId')} {e.get('ResourceStatus')}: {e['ResourceStatusReason']}"
        for e in events
        if e.get("ResourceStatusReason")
    ]
    return ("\n" + "\n".join(lines)) if lines else ""


def _outputs(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


# ------------------------------------------------------------------------------ post-steps


def _apply_tables(ddb: Any, prefix: str) -> None:
    for table in TABLES:
        table_name = f"{prefix}-{table}"
        ttl = ddb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            ddb.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={
                    "Enabled": True,
                    "AttributeName": TTL_ATTRIBUTE,
                },
            )
        ddb.update_continuous_backups(
            TableName=table_name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )


def queue_policy(queue_arn: str, rule_arn: str) -> dict[str, Any]:
    """The policy of the template's <Consumer>QueuePolicy: only the consumer's rule may send."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowRuleToSend",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
            }
        ],
    }


def _apply_queue_policies(sqs: Any, events: Any, outputs: dict[str, str]) -> None:
    bus = outputs["BusName"]
    prefix = bus.removesuffix("-bus")
    for consumer in CONSUMERS:
        key = consumer.capitalize()
        rule_arn = events.describe_rule(Name=f"{prefix}-to-{consumer}", EventBusName=bus)["Arn"]
        policy = queue_policy(outputs[f"{key}QueueArn"], rule_arn)
        sqs.set_queue_attributes(
            QueueUrl=outputs[f"{key}QueueUrl"],
            Attributes={"Policy": json.dumps(policy)},
        )


def _apply_bucket(s3: Any, bucket: str, portal_origin: str) -> None:
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_ownership_controls(
        Bucket=bucket,
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    )
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "ID": "presigned-transfers",
                    "AllowedMethods": ["POST", "PUT", "GET"],
                    "AllowedOrigins": [portal_origin],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 3000,
                }
            ]
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=bucket,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "abort-incomplete-multipart-uploads",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                }
            ]
        },
    )


def _apply_alarms(cloudwatch: Any, prefix: str) -> None:
    for consumer in CONSUMERS:
        cloudwatch.put_metric_alarm(
            AlarmName=f"{prefix}-{consumer}-dlq-not-empty",
            AlarmDescription=f"Messages the {consumer} service failed 5 times wait in its DLQ.",
            Namespace="AWS/SQS",
            MetricName="ApproximateNumberOfMessagesVisible",
            Dimensions=[{"Name": "QueueName", "Value": f"{prefix}-{consumer}-events-dlq"}],
            Statistic="Maximum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
        )
