"""boto3 clients built in one place, honouring the local endpoint (moto server) when one is set."""

from __future__ import annotations

from typing import Any

import boto3

from shared import settings


def client(service: str) -> Any:
    conf = settings.load()
    return boto3.client(service, region_name=conf.region, endpoint_url=conf.endpoint_url)
