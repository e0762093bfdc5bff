"""The small rules under the routes, each pinned case by case: the URL and fps checks of
api/schemas.py and the documented error answers of api/openai_schemas.py (both built when the
module is imported, so they are called here again, where mutation testing can see them), the
list cursor and the query-integer rule of api/routes_control.py, and the per-account rate limit
of api/rate_limits.py (its real `limits` storage, in memory)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import pytest

from stillmotion.api.openai_schemas import OpenAIError, errors
from stillmotion.api.rate_limits import AccountRateLimiter, InProcessWindows
from stillmotion.api.routes_control import _ascii_integer, decode_cursor, encode_cursor
from stillmotion.api.schemas import _one_of, _web_url
from stillmotion.errors import InvalidField, RateLimited
from stillmotion.tasks.models import Task
from tests.support.distributed import REDIS_URL

# The checks are built inside each test (as the schema builds them at import): a mutant is
# switched on only once the tests run, so a check built at collection would be the original.
IMAGE = (2048, True)
CALLBACK = (500, False)


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (IMAGE, "data:image/png;base64,AA"), (IMAGE, "Data:Image/x"), (IMAGE, "http://x"), (IMAGE, "HTTPS://X/y"),
        (IMAGE, "http://e.com/" + "a" * 2035), (IMAGE, "http://[::1"), (IMAGE, "https://a b"),
        (CALLBACK, "https://example.com:65535/h"), (CALLBACK, "http://127.0.0.1/h"), (CALLBACK, "https://e.com/" + "a" * 486),
    ],
)  # fmt: skip
def test_a_url_within_its_rule_is_returned_as_sent(check: tuple[int, bool], value: str) -> None:
    assert _web_url(check[0], allow_data=check[1]).func(value) == value


@pytest.mark.parametrize(
    ("check", "value", "reason"),
    [
        (IMAGE, "ftp://x", "not an http(s) URL"), (IMAGE, "data:text/plain,x", "not an http(s) URL"),
        (IMAGE, "http://e.com/" + "a" * 2036, "not an http(s) URL"), (IMAGE, "http://", "URL has no host"),
        (IMAGE, "https://", "URL has no host"), (IMAGE, " http://x", "not an http(s) URL"),
        (CALLBACK, "data:image/png;base64,AA", "not an http(s) URL"), (CALLBACK, "https://", "URL has no host"),
        (CALLBACK, "https://e.com/" + "a" * 487, "not an http(s) URL"),
        (CALLBACK, "https://example.com:0/h", "has a port outside 1..65535."),
        (CALLBACK, "https://a b/", "is not a valid URL."), (CALLBACK, "http://:80/", "has no host."),
    ],
)  # fmt: skip
def test_a_url_that_breaks_its_rule_says_why(check: tuple[int, bool], value: str, reason: str) -> None:
    with pytest.raises(ValueError) as refused:
        _web_url(check[0], allow_data=check[1]).func(value)
    assert str(refused.value) == reason


def test_one_of_takes_only_the_listed_values() -> None:
    check = _one_of(24, 30).func
    assert (check(24), check(30)) == (24, 30)
    for value in (25, 0, -24, 240):
        with pytest.raises(ValueError) as refused:
            check(value)
        assert str(refused.value) == "not one of (24, 30)"


def test_the_documented_openai_errors() -> None:
    assert errors(400, 429, 503) == {
        400: {"model": OpenAIError, "description": "invalid_value, invalid_image, moderation_blocked"},
        429: {"model": OpenAIError, "description": "rate_limit_exceeded (Retry-After)"},
        503: {"model": OpenAIError, "description": "service_unavailable (Retry-After)"},
    }
    assert list(errors(404, 401)) == [404, 401] and errors() == {}


@pytest.mark.parametrize(("value", "number"), [("5", 5), ("0012", 12), ("999999999", 999999999), ("0", 0), (7, 7), (None, None)])
def test_a_query_integer_is_ascii_digits(value: Any, number: Any) -> None:
    assert _ascii_integer(value) == number


@pytest.mark.parametrize("value", ["5.0", "+5", "-5", "1_0", "٣", "", " 5", "5 ", "1234567890", "0x10", "5\n"])
def test_anything_else_is_not_a_query_integer(value: str) -> None:
    with pytest.raises(ValueError) as refused:
        _ascii_integer(value)
    assert str(refused.value) == "not an integer"


MOMENT = datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=timezone.utc)
TASK_ID = "770e8400-e29b-41d4-a716-446655440002"


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def test_a_cursor_carries_the_time_and_id_of_the_last_task() -> None:
    cursor = encode_cursor(Task(id=TASK_ID, created_at=MOMENT))
    assert "=" not in cursor
    assert json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))) == [MOMENT.isoformat(), TASK_ID]
    assert decode_cursor(cursor) == (MOMENT, TASK_ID)


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor([MOMENT.isoformat(), TASK_ID]),  # padded
        _cursor([MOMENT.isoformat(), TASK_ID]).rstrip("="),
        _cursor([MOMENT.isoformat(), TASK_ID.upper()]),
        _cursor([MOMENT.isoformat(), "{" + TASK_ID + "}"]),
    ],
)
def test_a_cursor_decodes_to_a_moment_and_a_canonical_id(cursor: str) -> None:
    assert decode_cursor(cursor) == (MOMENT, TASK_ID)


@pytest.mark.parametrize("spaces", range(12))
def test_a_cursor_of_any_length_decodes_without_its_padding(spaces: int) -> None:
    raw = json.dumps([MOMENT.isoformat(), TASK_ID]).encode() + b" " * spaces
    assert decode_cursor(base64.urlsafe_b64encode(raw).decode().rstrip("=")) == (MOMENT, TASK_ID)


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!", "a", _cursor([MOMENT.replace(tzinfo=None).isoformat(), TASK_ID]), _cursor([MOMENT.isoformat(), 5]),
        _cursor([MOMENT.isoformat(), "not-a-uuid"]), _cursor([MOMENT.isoformat()]), _cursor([MOMENT.isoformat(), TASK_ID, 1]),
        _cursor(["yesterday", TASK_ID]), _cursor([5, TASK_ID]), _cursor({"a": 1, "b": 2}), _cursor(None),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(), base64.urlsafe_b64encode(b"[" * 100_000).decode(),
        base64.urlsafe_b64encode(b"not json").decode(),
    ],
)  # fmt: skip
def test_a_cursor_we_did_not_issue_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidField) as refused:
        decode_cursor(cursor)
    assert (refused.value.message, refused.value.code) == ("cursor must be a next_cursor value from a previous page.", 1000)


# In this process (the default) and shared through the machine's Redis, as several API processes would.
STORAGES = ["async+memory://", f"async+{REDIS_URL}"]


def _accounts(count: int) -> list[int]:
    """Account ids of this test alone: a shared storage outlives the test by its minute window."""
    first = uuid.uuid4().int % 10**12
    return [first + n for n in range(count)]


@pytest.mark.parametrize("storage", STORAGES)
async def test_the_rate_limit_counts_each_accounts_requests(storage: str) -> None:
    limiter = AccountRateLimiter(2, storage)
    one, two = _accounts(2)
    await limiter.hit(one)
    await limiter.hit(one)
    await limiter.hit(two)  # another account has its own window
    with pytest.raises(RateLimited) as refused:
        await limiter.hit(one)
    assert refused.value.message == "Rate limit exceeded: at most 2 requests per minute."
    assert refused.value.retry_after is not None and 58 <= refused.value.retry_after <= 60
    await limiter.hit(two)


@pytest.mark.parametrize("storage", STORAGES)
async def test_a_rate_limit_of_zero_is_off(storage: str) -> None:
    limiter = AccountRateLimiter(0, storage)
    for _ in range(200):
        await limiter.hit(uuid.uuid4().int % 3)


@pytest.mark.parametrize("storage", STORAGES)
async def test_retry_after_counts_from_the_oldest_request_in_the_window(storage: str) -> None:
    limiter = AccountRateLimiter(2, storage)
    (account,) = _accounts(1)
    await limiter.hit(account)
    await asyncio.sleep(2.1)  # the window frees up 60 s after the first request, not the last
    await limiter.hit(account)
    with pytest.raises(RateLimited) as refused:
        await limiter.hit(account)
    assert refused.value.retry_after == 58


async def test_a_window_that_frees_up_within_the_second_says_one_second() -> None:
    """Retry-After is whole seconds rounded up, at least 1: a client told 2 would wait twice as
    long as it needs to. The in-process windows run 59.6 s behind, as if the request already in
    the window had been made 59.6 s before the refused one."""
    limiter = AccountRateLimiter(1, "async+memory://")
    limiter._here = InProcessWindows(1, lambda: time.monotonic() - 59.6)
    await limiter.hit(7)
    with pytest.raises(RateLimited) as refused:
        await limiter.hit(7)
    assert refused.value.retry_after == 1


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_requests_leave_the_window_a_minute_after_they_were_made() -> None:
    clock = Clock()
    windows = InProcessWindows(2, clock)
    assert windows.hit(1) is None
    clock.now += 30
    assert windows.hit(1) is None
    assert windows.hit(1) == 1060.0  # frees up when the oldest is a minute old
    clock.now = 1059.9
    assert windows.hit(1) == 1060.0
    clock.now = 1060.0
    assert windows.hit(1) is None
    assert windows.hit(1) == 1090.0


def test_accounts_idle_for_a_minute_are_forgotten() -> None:
    clock = Clock()
    windows = InProcessWindows(5, clock)
    windows.hit(1)
    windows.hit(2)
    clock.now += 30
    windows.hit(2)
    assert len(windows) == 2
    clock.now += 31  # one's last request is 61 s old, two's 31 s
    windows.hit(3)
    assert len(windows) == 2
    assert windows.hit(2) is None and windows.hit(1) is None


async def test_api_processes_share_a_count_through_redis_and_not_in_memory() -> None:
    (account,) = _accounts(1)
    shared = [AccountRateLimiter(2, f"async+{REDIS_URL}") for _ in range(2)]
    await shared[0].hit(account)
    await shared[1].hit(account)
    with pytest.raises(RateLimited):
        await shared[0].hit(account)
    own = [AccountRateLimiter(2, "async+memory://") for _ in range(2)]
    for limiter in own:
        await limiter.hit(account)
        await limiter.hit(account)
