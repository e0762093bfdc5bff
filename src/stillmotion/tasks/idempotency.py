"""`Idempotency-Key` on create: a retried request returns the task the first one made.

The key is remembered per account for `IDEMPOTENCY_TTL`; the request body is compared by
the digest of its canonical JSON (keys sorted, compact), so a client that re-serialises
the same fields in another order is still "the same request".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from stillmotion.errors import InvalidField

IDEMPOTENCY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class IdempotencyClaim:
    key: str
    request_hash: str


def request_digest(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_claim(header: str | None, fields: dict[str, Any]) -> IdempotencyClaim | None:
    """The claim a create request makes, or None without the header; 1000 for a bad key."""
    if header is None:
        return None
    key = header.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidField(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.")
    return IdempotencyClaim(key=key, request_hash=request_digest(fields))
