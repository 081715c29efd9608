"""Creating POSTs sent twice (a double click, a retry after a lost answer) answer the first result.

The portal sends an ``Idempotency-Key`` header with every creating POST. Powertools' idempotency
utility keeps the key's record in planning's table (``IDEMPOTENCY#<family>`` / ``<hash>``, deleted by
the table's TTL after :data:`WINDOW`): the first call claims it with a conditional put, a repeat gets
the stored answer, a repeat while the first still runs gets a French 409, and the same key sent with
another body a French 422. A call that fails releases its claim, so the family can try again. Two
different keys for the same slots (two tabs) are stopped by the lines' own conditional writes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from planning.http_app import app
from shared import aws, settings
from shared.errors import ApiError, Conflict, InvalidInput
from shared.http import Req

HEADER = "idempotency-key"
WINDOW = 15 * 60  # seconds a repeat answers the first result (a retry comes within seconds)
_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")


def key_of(req: Req) -> str | None:
    """The request's idempotency key (None without one); a malformed one is a French 400."""
    value = req.headers.get(HEADER)
    if value is None:
        return None
    if not _KEY.match(value):
        raise InvalidInput("La clé d'idempotence n'est pas valide (8 à 100 lettres, chiffres, « . _ : - »).",
                           fields={"Idempotency-Key": "Clé invalide."})
    return value


def once(req: Req, scope: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``run()`` once per (family, ``scope``, key): a repeat answers the first result."""
    key = key_of(req)
    if key is None:
        return run()
    # Powertools' idempotency utility (and Powertools itself) is imported by the first repeatable POST,
    # not at the function's cold start (decision 37).
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    store = DynamoDBPersistenceLayer(
        table_name=settings.load().table("planning"), key_attr="pk", sort_key_attr="sk",
        static_pk_value=f"IDEMPOTENCY#{req.principal.account_id}", expiry_attr="ttl",
        boto3_client=aws.client("dynamodb"))
    config = IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="body",
                               expires_after_seconds=WINDOW)
    if app.lambda_context is not None:  # in AWS: a claim left by a timed-out call ends with the call
        # Chalice passes Lambda's own context object in AWS (typed as chalice.local's for the local server).
        config.register_lambda_context(app.lambda_context)  # type: ignore[arg-type]

    @idempotent_function(data_keyword_argument="data", persistence_store=store, config=config, key_prefix=scope)
    def call(data: dict[str, str]) -> dict[str, Any]:
        return run()

    body = hashlib.sha256(req.raw_body or b"").hexdigest()
    try:
        return dict(call(data={"key": json.dumps([scope, key]), "body": body}))
    except IdempotencyAlreadyInProgressError:
        raise Conflict("Cette demande est déjà en cours d'enregistrement (envoyée deux fois) : patientez quelques "
                       "secondes puis rechargez la page.", code="in_progress",
                       fields={"Idempotency-Key": "Déjà en cours."}) from None
    except IdempotencyValidationError:
        raise ApiError("Cette clé d'idempotence a déjà servi pour un autre contenu.", code="idempotency_mismatch",
                       fields={"Idempotency-Key": "Déjà utilisée."}, status=422) from None
