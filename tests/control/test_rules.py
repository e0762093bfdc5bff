"""The small rules behind credits, webhooks and idempotency, checked without a server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stillmotion.errors import InvalidField
from stillmotion.tasks.credits import task_cost
from stillmotion.errors import IdempotencyConflict
from stillmotion.tasks.idempotency import idempotency_claim, request_digest
from stillmotion.webhooks import MAX_ATTEMPTS, retry_delay, sign


@pytest.mark.parametrize(
    ("resolution", "duration", "audio", "cost"),
    [("720p", 1, False, 1), ("720p", 6, False, 6), ("1080p", 5, False, 10), ("1080p", 6, True, 13), ("720p", 3, True, 4)],
)
def test_cost_follows_spec(resolution: str, duration: int, audio: bool, cost: int) -> None:
    assert task_cost(resolution, duration, audio) == cost


def test_default_backoff_finishes_within_a_few_minutes() -> None:
    delays = [retry_delay(n, 10.0) for n in range(1, MAX_ATTEMPTS)]
    assert delays == [timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40)]
    # Four attempts of at most 5 s each plus the waits.
    assert sum(delays, timedelta()) + timedelta(seconds=5 * MAX_ATTEMPTS) < timedelta(minutes=3)


def test_signature_matches_the_standard_webhooks_published_example() -> None:
    # The example of the Standard Webhooks reference libraries (standard-webhooks/standard-webhooks).
    signature = sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                     '{"test": 2432232314}')  # fmt: skip
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_idempotency_digest_ignores_key_order_but_not_values() -> None:
    assert request_digest({"a": 1, "b": "x"}) == request_digest({"b": "x", "a": 1})
    assert request_digest({"a": 1}) != request_digest({"a": 2})
    assert idempotency_claim(None, {}) is None
    assert IdempotencyConflict().code == 1202 and IdempotencyConflict().http_status == 409
    with pytest.raises(InvalidField, match="Idempotency-Key"):
        idempotency_claim("x" * 256, {})
