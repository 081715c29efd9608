"""boto3 clients built in one place, honouring the local endpoint (moto server) when one is set."""

from __future__ import annotations

from typing import Any

from shared import settings


def client(service: str) -> Any:
    # boto3 (and s3transfer, multiprocessing...) is imported by the first client, not with the function:
    # PynamoDB needs only botocore, and most functions create no boto3 client at all (decision 37).
    import boto3

    conf = settings.load()
    return boto3.client(service, region_name=conf.region, endpoint_url=conf.endpoint_url)
