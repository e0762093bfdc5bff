"""Standard Webhooks signatures (https://www.standardwebhooks.com/, "Symmetric signatures").

    webhook-signature: v1,<base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}"))>

where `key` is the base64-decoded part of the account's `whsec_...` secret. Written here
rather than taken from the `standardwebhooks` package: it is three lines of the standard
library, and the package would bring its own HTTP and typing dependencies for them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from stillmotion.tasks.accounts import WEBHOOK_SECRET_PREFIX


def signing_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(WEBHOOK_SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header value for one attempt."""
    content = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(signing_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }
