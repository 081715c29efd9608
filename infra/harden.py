"""What every generated service template gets after ``chalice package`` (called by infra/artifacts.py).

Chalice writes one role for all the functions of an app and leaves names, logs, alarms and the stream's
failure handling to us. From the merge template's ``DefaultRole`` (one statement per resource the
service uses, each with a ``Sid``), this step gives:

- **one role per function** with only the statements its kind uses (``KIND_SIDS``): the authorizer
  reads the service's table and never writes; the API never publishes on the bus; only the consumer
  reads its queue; only the relay reads the stream; every function may read the token secret;
- a **function name** ``<prefix>-<service>-<function>`` (what docs/operations.md and the dashboard
  name), X-Ray tracing, and a **log group** with the stage's retention;
- the outbox relay's stream read from ``TRIM_HORIZON`` (nothing inserted before the mapping existed is
  skipped) with an **OnFailure** destination (the shared stack's outbox-failures queue);
- **alarms** to the shared stack's SNS topic: Lambda errors and throttles (one alarm per service
  over all its functions), API 5xx and p99 latency, the relay's iterator age and the outbox's oldest
  pending entry (a metric the sweeper publishes).

``ALARMS`` lists the alarm names each service gets; docs/operations.md documents each (a test
checks both lists agree).
"""

from __future__ import annotations

import copy
import re
from typing import Any

READ_TABLE = ["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
              "dynamodb:GetItem", "dynamodb:Query"]
KIND_SIDS = {
    "api": ["Logs", "OwnTable", "Documents", "ListDocuments"],
    "authorizer": ["Logs", "OwnTable:read"],
    "relay": ["Logs", "OwnTable", "OwnStream", "ListStreams", "PublishOnBus"],
    "sweeper": ["Logs", "OwnTable", "PublishOnBus"],
    "consumer": ["Logs", "OwnTable", "ConsumeOwnQueue", "SendEmailAsPortal"],
    "schedule": ["Logs", "OwnTable"],
}
OUTBOX_SERVICES = ("accounts", "enrolment", "planning")
NAMESPACE = "PortailFamilles"


def alarm_names(service: str) -> list[str]:
    """The alarms the service's template defines, ``<prefix>`` left as a placeholder."""
    names = [f"<prefix>-{service}-lambda-errors", f"<prefix>-{service}-lambda-throttles",
             f"<prefix>-{service}-api-5xx", f"<prefix>-{service}-api-latency"]
    if service in OUTBOX_SERVICES:
        names += [f"<prefix>-{service}-stream-iterator-age", f"<prefix>-{service}-outbox-oldest-pending"]
    return names


def kind(handler: str) -> str:
    name = handler.split(".", 1)[1]
    if name == "app":
        return "api"
    if name == "portail_auth":
        return "authorizer"
    if name == "relay_outbox":
        return "relay"
    if name == "sweep_outbox":
        return "sweeper"
    if name == "on_events":
        return "consumer"
    return "schedule"


def function_suffix(logical_id: str) -> str:
    """``APIHandler`` → ``api``, ``RelayOutbox`` → ``relay-outbox``, ``PlanningEvents`` → ``planning-events``."""
    if logical_id == "APIHandler":
        return "api"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()


def _sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


def _import(name: str) -> dict[str, Any]:
    return {"Fn::ImportValue": _sub("${Prefix}-" + name)}


def _alarm(name: str, description: str, **props: Any) -> dict[str, Any]:
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": _sub("${Prefix}-" + name), "AlarmDescription": description,
        "AlarmActions": [_import("AlarmTopicArn")], "OKActions": [_import("AlarmTopicArn")],
        "TreatMissingData": "notBreaching", **props}}


def _statements(default_role: dict[str, Any], sids: list[str], service: str, suffix: str) -> list[dict[str, Any]]:
    by_sid = {s["Sid"]: s for s in default_role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]}
    statements = []
    for sid in sids:
        name, _, mode = sid.partition(":")
        if name not in by_sid:
            continue
        statement = copy.deepcopy(by_sid[name])
        if name == "Logs":
            statement["Action"] = ["logs:CreateLogStream", "logs:PutLogEvents"]
            statement["Resource"] = _sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                                         f"/aws/lambda/${{Prefix}}-{service}-{suffix}:*")
        if mode == "read":
            statement["Sid"] = "OwnTableRead"
            statement["Action"] = READ_TABLE
        statements.append(statement)
    statements.append({"Sid": "ReadTokenSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                       "Resource": _sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:"
                                        "secret:${Prefix}/token-secret-*")})
    statements.append({"Sid": "Tracing", "Effect": "Allow",
                       "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": "*"})
    return statements


def harden(template: dict[str, Any], service: str) -> dict[str, Any]:
    """Apply the module's rules to a generated SAM template (in place; returned for convenience)."""
    resources = template["Resources"]
    template.setdefault("Parameters", {})["LogRetentionDays"] = {
        "Type": "Number", "Default": 90, "Description": "Days the functions' logs are kept (infra/stages.yaml)."}
    default_role = resources.pop("DefaultRole")
    functions = {lid: r for lid, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    errors, throttles = [], []
    for logical_id, resource in functions.items():
        props = resource["Properties"]
        suffix = function_suffix(logical_id)
        function_kind = kind(props["Handler"])
        role_id = f"{logical_id}Role"
        resources[role_id] = {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": f"{function_kind}-least-privilege", "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": _statements(default_role, KIND_SIDS[function_kind], service, suffix)}}]}}
        if function_kind == "relay":
            resources[role_id]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].append(
                {"Sid": "StreamFailures", "Effect": "Allow", "Action": "sqs:SendMessage",
                 "Resource": _import("OutboxFailuresQueueArn")})
        props["Role"] = {"Fn::GetAtt": [role_id, "Arn"]}
        props["FunctionName"] = _sub(f"${{Prefix}}-{service}-{suffix}")
        props["Tracing"] = "Active"
        env = props.setdefault("Environment", {}).setdefault("Variables", {})
        env["POWERTOOLS_METRICS_NAMESPACE"] = NAMESPACE
        resources[f"{logical_id}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
            "Properties": {"LogGroupName": _sub(f"/aws/lambda/${{Prefix}}-{service}-{suffix}"),
                           "RetentionInDays": {"Ref": "LogRetentionDays"}}}
        props["LoggingConfig"] = {"LogGroup": {"Ref": f"{logical_id}LogGroup"}}
        index = len(errors)
        dimension = [{"Name": "FunctionName", "Value": {"Ref": logical_id}}]
        for bucket, metric in ((errors, "Errors"), (throttles, "Throttles")):
            bucket.append({"Id": f"m{index}", "ReturnData": False, "MetricStat": {
                "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric, "Dimensions": dimension},
                "Period": 300, "Stat": "Sum"}})
        for event in props.get("Events", {}).values():
            if event["Type"] == "DynamoDB":
                event["Properties"]["StartingPosition"] = "TRIM_HORIZON"
                event["Properties"]["DestinationConfig"] = {
                    "OnFailure": {"Type": "SQS", "Destination": _import("OutboxFailuresQueueArn")}}
        if function_kind == "relay":
            resources["StreamIteratorAgeAlarm"] = _alarm(
                f"{service}-stream-iterator-age",
                "The outbox relay lags behind the table's stream (events are late).",
                Namespace="AWS/Lambda", MetricName="IteratorAge", Dimensions=dimension, Statistic="Maximum",
                Period=300, EvaluationPeriods=1, Threshold=300_000, ComparisonOperator="GreaterThanThreshold")
        if function_kind == "sweeper":
            resources["OutboxOldestPendingAlarm"] = _alarm(
                f"{service}-outbox-oldest-pending",
                "An outbox entry has waited more than 15 minutes: EventBridge rejects it or the relay fails.",
                Namespace=NAMESPACE, MetricName="OutboxOldestPendingSeconds",
                Dimensions=[{"Name": "service", "Value": service}], Statistic="Maximum", Period=300,
                EvaluationPeriods=1, Threshold=900, ComparisonOperator="GreaterThanThreshold")
    for name, metrics, what in (("errors", errors, "Errors"), ("throttles", throttles, "Throttles")):
        expression = {"Id": "total", "Expression": f"SUM([{','.join(m['Id'] for m in metrics)}])",
                      "Label": f"{what} of every {service} function", "ReturnData": True}
        resources[f"Lambda{what}Alarm"] = _alarm(
            f"{service}-lambda-{name}", f"A {service} function failed ({what}) in the last 5 minutes.",
            Metrics=[*metrics, expression], EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold")
    api = resources.get("RestAPI")
    if api is not None:
        api["Properties"]["Name"] = _sub(f"${{Prefix}}-{service}")
        api["Properties"]["TracingEnabled"] = True
        api_dimensions = [{"Name": "ApiName", "Value": _sub(f"${{Prefix}}-{service}")}]
        resources["Api5xxAlarm"] = _alarm(
            f"{service}-api-5xx", f"The {service} API answered server errors (5xx).",
            Namespace="AWS/ApiGateway", MetricName="5XXError", Dimensions=api_dimensions, Statistic="Sum",
            Period=300, EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanOrEqualToThreshold")
        resources["ApiLatencyAlarm"] = _alarm(
            f"{service}-api-latency", f"The {service} API's p99 latency exceeds 3 s.",
            Namespace="AWS/ApiGateway", MetricName="Latency", Dimensions=api_dimensions, ExtendedStatistic="p99",
            Period=300, EvaluationPeriods=3, Threshold=3000, ComparisonOperator="GreaterThanThreshold")
    return template
