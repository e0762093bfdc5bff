"""Standard Webhooks signatures (https://www.standardwebhooks.com/, "Symmetric signatures").

    webhook-signature: v1,<base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}"))>

where `key` is the base64-decoded part of the account's `whsec_...` secret. The server signs
its callbacks with `sign` and receivers check them with `verify_webhook`: one implementation
for both sides, here in the SDK because the SDK must not depend on the server. Written rather
than taken from the `standardwebhooks` package: it is a few lines of the standard library.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from stillmotion.client.errors import WebhookVerificationError

WEBHOOK_SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE_SECONDS = 300  # the standard's five minutes against replayed deliveries


def signing_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(WEBHOOK_SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: str | bytes) -> str:
    """The `webhook-signature` header value for one delivery attempt."""
    raw = body.encode() if isinstance(body, str) else body
    content = f"{message_id}.{timestamp}.".encode() + raw
    digest = hmac.new(signing_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_webhook(
    headers: Mapping[str, str],
    body: str | bytes,
    secret: str,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> dict[str, Any]:
    """Check a callback's signature and timestamp; return its JSON payload.

    `headers`: the request's headers (any capitalisation); `body`: the raw body exactly as
    received (re-serialised JSON would not match). Raises WebhookVerificationError.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        message_id = lowered["webhook-id"]
        timestamp_text = lowered["webhook-timestamp"]
        signatures = lowered["webhook-signature"]
    except KeyError as missing:
        raise WebhookVerificationError(f"missing header {missing.args[0]}") from None
    try:
        timestamp = int(timestamp_text)
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not an integer") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        raise WebhookVerificationError("webhook-timestamp is outside the tolerance")
    try:
        expected = sign(secret, message_id, timestamp, body).split(",", 1)[1]
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("the webhook secret is not a whsec_ base64 secret") from None
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return json.loads(body)  # type: ignore[no-any-return]
    raise WebhookVerificationError("no signature matches")
