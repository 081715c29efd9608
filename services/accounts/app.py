"""Chalice entry point of the accounts service: the app, and each Lambda handler under the name Chalice
gives it (``app.<function>``; see :mod:`shared.entry`)."""

from accounts.api import app
from shared.entry import lambda_handlers

globals().update(lambda_handlers(app))
