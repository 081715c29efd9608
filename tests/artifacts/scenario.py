"""Every Lambda function of every service, invoked from its unzipped ``deployment.zip`` with real event
shapes, against a moto server holding the shared stack. Used by tests/artifacts (asserts) and by
``benchmarks/cold_start.py`` (figures).

How it stands in for Lambda: each function runs in a fresh ``python -I -S`` (no site-packages, no
PYTHONPATH) whose path holds only the unzipped task root and boto3 (infra/lambda_runner.py), with the
environment CloudFormation would give it (resolved from the generated template and the shared stack's
exports). Events follow AWS's shapes: API Gateway REST proxy (with the authorizer's context, taken
from the authorizer function's own answer), TOKEN authorizer, SQS (the very message the rule
delivered), DynamoDB stream (NEW_IMAGE of the real outbox item) and EventBridge schedule.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer
from moto.server import ThreadedMotoServer

from infra import artifacts, bootstrap, stages
from infra.local import mailbox
from shared.events.enrolment import FamilyValidated
from shared.settings import SERVICES

REGION = "eu-west-3"
ACCOUNT = "123456789012"
SECRET = "artifact-test-secret-0123456789-0123456789-abcdef"


@dataclass
class Invocation:
    service: str
    logical_id: str
    handler: str
    memory: int
    import_ms: float
    max_rss_mb: float
    results: list[dict[str, Any]]
    import_error: str | None = None


@dataclass
class World:
    """The moto server with the shared stack, and what the functions of each artifact need."""

    endpoint: str
    prefix: str
    exports: dict[str, str]
    runtime: Path
    work: Path
    invocations: list[Invocation] = field(default_factory=list)
    containers: dict[str, artifacts.Container] = field(default_factory=dict)
    locks: dict[str, threading.Lock] = field(default_factory=lambda: defaultdict(threading.Lock))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def env(self, artifact: artifacts.Artifact, logical_id: str) -> dict[str, str]:
        params = {"Prefix": self.prefix, "MailSender": stages.load("prod")["mail_sender"]}
        env = artifacts.function_environment(artifact, logical_id, params, self.exports)
        return {**env, "AWS_ENDPOINT_URL": self.endpoint, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
                "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_LAMBDA_FUNCTION_NAME": f"{artifact.service}-{logical_id}",
                "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "PortailFamilles",
                "POWERTOOLS_DEV": "false"}

    def task_root(self, artifact: artifacts.Artifact) -> Path:
        task_root = self.work / f"{artifact.service}-{artifact.python}"
        with self.lock:
            if not task_root.exists():
                artifacts.unpack(artifact, task_root)
        return task_root

    def run(self, artifact: artifacts.Artifact, logical_id: str, events: list[Any], *,
            cold: bool = False) -> Invocation:
        """Invoke one function: in a cold interpreter of its own (``cold``), or in the service's warm
        container (same zip and ``app.py``; every function's environment is the same but for its name)."""
        props = artifact.functions()[logical_id]
        task_root = self.task_root(artifact)
        memory = int(props.get("MemorySize", 128))
        name = f"{self.prefix}-{artifact.service}-{logical_id}"
        if cold:
            out = artifacts.invoke(task_root, self.runtime, props["Handler"], events,
                                   self.env(artifact, logical_id), memory=memory, function_name=name)
        else:
            key = f"{artifact.service}-{artifact.python}"
            with self.lock:
                lock = self.locks[key]
            with lock:  # one invocation at a time per container, as in Lambda
                if key not in self.containers:
                    self.containers[key] = artifacts.Container(task_root, self.runtime,
                                                               self.env(artifact, logical_id))
                out = self.containers[key].call(props["Handler"], events, memory=memory, function_name=name)
        invocation = Invocation(artifact.service, logical_id, props["Handler"], int(props.get("MemorySize", 128)),
                                out["import_ms"], out["max_rss_mb"], out["invocations"], out.get("import_error"))
        with self.lock:
            self.invocations.append(invocation)
        return invocation

    def baseline(self, artifact: artifacts.Artifact) -> dict[str, Any]:
        return artifacts.invoke(self.task_root(artifact), self.runtime, "", [], {}, baseline=True)

    def close(self) -> None:
        for container in self.containers.values():
            container.close()
        self.containers.clear()


def start(work: Path, prefix: str = "portail-artifact") -> tuple[ThreadedMotoServer, World]:
    import os
    import socket

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # moto's, when run outside the tests
        os.environ.setdefault(name, "testing")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    # SES verification of the stage's sender is a one-time step outside the templates (README).
    bootstrap.deploy(prefix, endpoint_url=endpoint, sender_email=stages.load("prod")["mail_sender"])
    world = World(endpoint, prefix, {}, artifacts.runtime_path(work / "runtime"), work)
    cfn = world.client("cloudformation")
    world.exports = {e["Name"]: e["Value"] for e in cfn.list_exports()["Exports"]}
    world.client("secretsmanager").create_secret(Name=f"{prefix}/token-secret", SecretString=SECRET)
    return server, world


# ------------------------------------------------------------------------------ event shapes


def api_event(method: str, path: str, body: Any = None, authorizer: dict[str, Any] | None = None,
              path_parameters: dict[str, str] | None = None, resource: str | None = None) -> dict[str, Any]:
    """An API Gateway REST proxy event, as the custom domain's base path hands it to the function."""
    headers = {"Content-Type": "application/json", "Accept": "application/json", "Host": "api.example",
               "X-Forwarded-For": "203.0.113.7", "User-Agent": "artifact-test"}
    resource = resource or path
    return {
        "resource": resource, "path": path, "httpMethod": method, "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters, "stageVariables": None,
        "requestContext": {
            "resourceId": "abc123", "resourcePath": resource, "httpMethod": method, "path": f"/api{path}",
            "stage": "api", "accountId": ACCOUNT, "apiId": "a1b2c3d4e5", "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()), "requestTimeEpoch": 1767225600000,
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "artifact-test"},
            **({"authorizer": authorizer} if authorizer else {}),
        },
        "body": json.dumps(body) if body is not None else None, "isBase64Encoded": False,
    }


def token_event(token: str) -> dict[str, Any]:
    return {"type": "TOKEN", "authorizationToken": f"Bearer {token}",
            "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3d4e5/api/GET/family"}


def authorizer_context(answer: dict[str, Any]) -> dict[str, Any]:
    """What API Gateway puts in ``requestContext.authorizer`` from the authorizer's answer."""
    return {"principalId": answer["principalId"], **answer.get("context", {})}


def schedule_event(rule: str) -> dict[str, Any]:
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": ACCOUNT, "time": "2026-01-01T08:00:00Z", "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"], "detail": {}}


def sqs_event(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """The SQS event Lambda's event source mapping builds from a received message."""
    return {"Records": [{
        "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1767225600000",
                       "SenderId": "AIDAEVENTS", "ApproximateFirstReceiveTimestamp": "1767225600001"},
        "messageAttributes": {}, "md5OfBody": message["MD5OfBody"], "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": REGION}]}


def envelope_message(detail_type: str, source: str, detail: dict[str, Any]) -> dict[str, Any]:
    """An SQS message whose body is an EventBridge envelope (what the rules deliver)."""
    body = json.dumps({"version": "0", "id": str(uuid.uuid4()), "detail-type": detail_type, "source": source,
                       "account": ACCOUNT, "time": "2026-01-01T08:00:00Z", "region": REGION, "resources": [],
                       "detail": detail})
    return {"MessageId": str(uuid.uuid4()), "ReceiptHandle": str(uuid.uuid4()), "Body": body,
            "MD5OfBody": "0" * 32}


def stream_event(item: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A DynamoDB stream INSERT record (NEW_IMAGE) of ``item`` (low-level attribute values)."""
    return {"Records": [{
        "eventID": uuid.uuid4().hex, "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {"ApproximateCreationDateTime": 1767225600, "Keys": {"pk": item["pk"], "sk": item["sk"]},
                     "NewImage": item, "SequenceNumber": "100000000000000000001", "SizeBytes": 512,
                     "StreamViewType": "NEW_IMAGE"},
        "eventSourceARN": stream_arn}]}


def outbox_items(world: World, table: str) -> list[dict[str, Any]]:
    ddb = world.client("dynamodb")
    items = ddb.scan(TableName=table)["Items"]
    return [i for i in items if i["pk"]["S"].startswith("OUTBOX#")]


def probe_outbox_item(world: World, table: str, source: str) -> dict[str, Any]:
    """A pending outbox entry as ``shared.outbox.entry`` writes it (for relays without a route at hand)."""
    event_id = str(uuid.uuid4())
    item = {k: v for k, v in TypeSerializer().serialize({
        "pk": f"OUTBOX#{event_id}", "sk": "OUTBOX", "source": source, "detail_type": "ArtifactProbe",
        "detail": json.dumps({"event_id": event_id}), "status": "pending", "gsi1pk": "OUTBOX#PENDING",
        "gsi1sk": f"2026-01-01T08:00:00+00:00#{event_id}"})["M"].items()}
    world.client("dynamodb").put_item(TableName=table, Item=item)
    return item


def receive(world: World, queue: str) -> list[dict[str, Any]]:
    sqs = world.client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                               AttributeNames=["All"]).get("Messages", [])


def body(answer: dict[str, Any]) -> Any:
    return json.loads(answer["body"]) if answer.get("body") else None



# ------------------------------------------------------------------------------ the journey

SIGNUP = {"civility": "Mme", "last_name": "Muller", "first_name": "Claire", "email": "claire@example.fr",
          "phone": "06 12 34 56 78", "password": "Tartine-Confiture-42", "accept_terms": True,
          "address": {"line1": "3 rue des Tilleuls", "line2": "", "postal_code": "67590", "city": "Schweighouse"}}


def only(world: World, artifact: artifacts.Artifact, logical_id: str) -> str:
    assert logical_id in artifact.functions(), (artifact.service, logical_id, list(artifact.functions()))
    return logical_id


def ok(invocation: Invocation) -> list[Any]:
    assert invocation.import_error is None, invocation.import_error
    errors = [r for r in invocation.results if "error" in r]
    assert errors == [], errors[0].get("traceback") if errors else None
    return [r["result"] for r in invocation.results]


def journey(world: World, zips: dict[str, artifacts.Artifact], cold: bool = False) -> dict[str, Any]:
    """Every function of every service, in the order a family's first steps reach them (independent
    invocations run side by side: each is a cold interpreter)."""
    accounts, enrolment, planning, notifications = (zips[s] for s in SERVICES)
    seen: dict[str, Any] = {}
    p = world.prefix
    pool = ThreadPoolExecutor(max_workers=3)

    def run(artifact: artifacts.Artifact, logical_id: str, events: list[Any]) -> Future[list[Any]]:
        return pool.submit(lambda: ok(world.run(artifact, only(world, artifact, logical_id), events, cold=cold)))

    # Phase 1: accounts' health and signup (a real route); relays of the other tables; schedules.
    signup_run = run(accounts, "APIHandler", [api_event("GET", "/health"),
                                              api_event("POST", "/signup", SIGNUP)])
    probes = {name: probe_outbox_item(world, f"{p}-{name}", f"portail.{name}") for name in ("enrolment", "planning")}
    streams = {name: world.exports[f"{p}-{name.capitalize()}TableStreamArn"] for name in probes}
    relays = [run(zips[name], "RelayOutbox", [stream_event(item, streams[name])]) for name, item in probes.items()]
    schedules = {f"{name}.{lid}": run(zips[name], lid, [schedule_event(f"{p}-{lid}")])
                 for name in SERVICES for lid, props in zips[name].functions().items()
                 if any(e["Type"] == "Schedule" for e in props.get("Events", {}).values())}
    notifications_health = run(notifications, "APIHandler", [api_event("GET", "/health")])
    seen["accounts.health"], seen["accounts.signup"] = signup_run.result()

    # Phase 2: the stream record of signup's outbox entry reaches the relay, which publishes it.
    outbox = outbox_items(world, f"{p}-accounts")
    assert outbox, "signup wrote its AccountRegistered in the outbox"
    stream_arn = world.exports[f"{p}-AccountsTableStreamArn"]
    run(accounts, "RelayOutbox", [stream_event(item, stream_arn) for item in outbox]).result()
    seen["accounts.outbox_after_relay"] = outbox_items(world, f"{p}-accounts")

    # Phase 3: the rules delivered AccountRegistered to both queues. Notifications sends the e-mail, and
    # the same message delivered twice sends nothing more; enrolment records the account; the family
    # confirms its address with the token from the event and logs in (a real access token).
    messages = receive(world, f"{p}-notifications-events")
    seen["notifications.messages"] = messages
    events = [sqs_event(m, world.exports[f"{p}-NotificationsQueueArn"]) for m in messages]
    consumed = [run(notifications, "NotificationsEvents", events + events)]
    enrolment_messages = receive(world, f"{p}-enrolment-events")
    seen["enrolment.messages"] = enrolment_messages
    consumed.append(run(enrolment, "EnrolmentEvents",
                        [sqs_event(m, world.exports[f"{p}-EnrolmentQueueArn"]) for m in enrolment_messages]))
    registered = next(json.loads(m["Body"]) for m in messages
                      if json.loads(m["Body"])["detail-type"] == "AccountRegistered")
    detail = registered["detail"]
    seen["account_id"] = detail["account_id"]
    seen["accounts.verify"], seen["accounts.login"] = run(accounts, "APIHandler", [
        api_event("POST", "/verify", {"token": detail["verification_token"]}),
        api_event("POST", "/login", {"email": SIGNUP["email"], "password": SIGNUP["password"]})]).result()
    token = body(seen["accounts.login"])["access_token"]
    for future in consumed:
        future.result()
    seen["ses.sent"] = [m for m in mailbox.messages() if m["to"] == SIGNUP["email"]]

    # Phase 4: each service's authorizer admits the token and refuses a forged one; planning's queue
    # brings FamilyValidated.
    authorizers = {name: run(zips[name], "PortailAuth", [token_event(token), token_event("forged." + token)])
                   for name in SERVICES}
    validated = FamilyValidated(family_id=detail["account_id"], child_id="child-1", structure_id="acem-haguenau",
                                activity="mercredi", email=SIGNUP["email"], first_name="Claire")
    message = envelope_message("FamilyValidated", "portail.enrolment", validated.model_dump(mode="json"))
    planning_events = run(planning, "PlanningEvents", [sqs_event(message, world.exports[f"{p}-PlanningQueueArn"])])
    for name, future in authorizers.items():
        seen[f"{name}.authorizer"], seen[f"{name}.authorizer_forged"] = future.result()
    context = authorizer_context(seen["enrolment.authorizer"])
    planning_events.result()

    # Phase 5: the family's routes in enrolment and planning, with the authorizer's context.
    family = run(enrolment, "APIHandler", [api_event("GET", "/health"),
                                           api_event("GET", "/family", authorizer=context)])
    seen["planning.health"], seen["planning.catalogue"], seen["planning.validations"] = run(
        planning, "APIHandler", [api_event("GET", "/health"), api_event("GET", "/catalogue", authorizer=context),
                                 api_event("GET", "/validations", authorizer=context)]).result()
    seen["enrolment.health"], seen["enrolment.family"] = family.result()
    seen["notifications.health"], = notifications_health.result()
    for future in relays:
        future.result()
    for name in ("enrolment", "planning"):
        seen[f"{name}.outbox_after_relay"] = outbox_items(world, f"{p}-{name}")
    for key, future in schedules.items():
        seen[key] = future.result()
    pool.shutdown()
    return seen


