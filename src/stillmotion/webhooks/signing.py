"""The headers of one signed callback attempt (Standard Webhooks).

The signature itself comes from the SDK (`stillmotion.client.webhooks`), so that the server
signs with exactly the code receivers verify with.
"""

from __future__ import annotations

from stillmotion.client.webhooks import sign


def signed_headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }
