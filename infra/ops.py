"""Commands of the person on call (docs/operations.md): redrive a dead-letter queue, replay the outbox.

    python -m infra.ops redrive notifications --stage prod     # or: make redrive QUEUE=notifications STAGE=prod
    python -m infra.ops replay planning --stage prod           # or: make replay SERVICE=planning STAGE=prod

``redrive`` moves every message of ``<prefix>-<queue>-events-dlq`` back to ``<prefix>-<queue>-events``
(receive, send, then delete: a message is never lost, at worst sent twice, which the idempotent consumer
absorbs). ``replay`` invokes the service's outbox sweeper now instead of waiting for its schedule.
Credentials and region come from the usual AWS environment; ``AWS_ENDPOINT_URL`` points them at moto.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import boto3

from infra import stages

CONSUMERS = ("notifications", "enrolment", "planning")
RELAYS = ("accounts", "enrolment", "planning")


def _client(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region)


def redrive(prefix: str, queue: str, region: str, sqs: Any = None, limit: int = 10_000) -> int:
    """Move the messages of ``queue``'s DLQ back to ``queue``; returns how many moved."""
    if queue not in CONSUMERS:
        raise SystemExit(f"unknown queue {queue!r}; one of: {', '.join(CONSUMERS)}")
    sqs = sqs or _client("sqs", region)
    source = sqs.get_queue_url(QueueName=f"{prefix}-{queue}-events-dlq")["QueueUrl"]
    target = sqs.get_queue_url(QueueName=f"{prefix}-{queue}-events")["QueueUrl"]
    moved = 0
    while moved < limit:
        messages = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       VisibilityTimeout=60).get("Messages", [])
        if not messages:
            break
        for message in messages:
            sqs.send_message(QueueUrl=target, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


def replay(prefix: str, service: str, region: str) -> dict[str, Any]:
    """Run the service's outbox sweeper now (it republishes every entry still pending)."""
    if service not in RELAYS:
        raise SystemExit(f"unknown service {service!r}; one of: {', '.join(RELAYS)}")
    function = f"{prefix}-{service}-sweep-outbox"
    response = _client("lambda", region).invoke(FunctionName=function, Payload=b"{}")
    return {"function": function, "status": response["StatusCode"], "error": response.get("FunctionError")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["redrive", "replay"])
    parser.add_argument("name", help="the consumer queue (redrive) or the service (replay)")
    parser.add_argument("--stage", default="prod", choices=stages.names())
    args = parser.parse_args(argv)
    conf = stages.load(args.stage)
    if args.command == "redrive":
        moved = redrive(conf["prefix"], args.name, conf["region"])
        print(f"{moved} message(s) moved from {conf['prefix']}-{args.name}-events-dlq back to its queue")
    else:
        print(json.dumps(replay(conf["prefix"], args.name, conf["region"])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
