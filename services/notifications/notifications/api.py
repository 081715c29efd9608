"""Chalice app of notifications: a health route and the consumer of its queue."""

from __future__ import annotations

from chalice import Chalice

from notifications.handlers import consumer, logger
from shared.http import Api

app = Chalice(app_name="portail-notifications")
api = Api(app, logger)
api.health("notifications")
consumer.register(app)
