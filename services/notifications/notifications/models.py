"""Items of the notifications table: the record of each handled event, with the e-mail it sent."""

from __future__ import annotations

from shared.ddb import table_model
from shared.idempotency import processed_model

Base = table_model("notifications")
SentEmail = processed_model(Base)
