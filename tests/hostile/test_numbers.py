"""One rule for integers everywhere (docs/api.md "Numbers"): a JSON number written with a fraction
or an exponent is not an integer, even when whole; a query integer is ASCII digits. Each
refusal is 400/1000 naming the field. Probe finding: `fps: 30.0` was taken while
`duration: 6.0` and `seed: 5.0` were refused."""

from __future__ import annotations

import httpx
import pytest

from tests.hostile.envelope import assert_answer
from tests.support.tasks import TASKS

JSON = {"Content-Type": "application/json"}
# A model nobody serves: a body that passes every field rule then answers "model_name must be
# one of", which tells an accepted number from a refused one without starting a render.
_UNSERVED = b'{"model_name": "none", "image_url": "http://images.invalid/a.jpg", "resolution": "720p"'

NOT_INTEGERS = [
    pytest.param(b'"duration": 6.0', "duration", id="duration-6.0"),
    pytest.param(b'"duration": 1e0', "duration", id="duration-1e0"),
    pytest.param(b'"duration": 5.5', "duration", id="duration-5.5"),
    pytest.param(b'"duration": true', "duration", id="duration-true"),
    pytest.param(b'"duration": "3"', "duration", id="duration-string"),
    pytest.param(b'"duration": 1, "fps": 30.0', "fps", id="fps-30.0"),
    pytest.param(b'"duration": 1, "fps": 24.0', "fps", id="fps-24.0"),
    pytest.param(b'"duration": 1, "fps": 3e1', "fps", id="fps-3e1"),
    pytest.param(b'"duration": 1, "fps": true', "fps", id="fps-true"),
    pytest.param(b'"duration": 1, "fps": "30"', "fps", id="fps-string"),
    pytest.param(b'"duration": 1, "fps": 25', "fps", id="fps-25"),
    pytest.param(b'"duration": 1, "seed": 5.0', "seed", id="seed-5.0"),
    pytest.param(b'"duration": 1, "seed": 1e3', "seed", id="seed-1e3"),
    pytest.param(b'"duration": 1, "seed": -0.0', "seed", id="seed-negative-zero"),
    pytest.param(b'"duration": 1, "seed": 10000001', "seed", id="seed-over"),
    pytest.param(b'"duration": 1, "seed": 99999999999999999999999', "seed", id="seed-huge"),
    pytest.param(b'"duration": 1, "cfg_scale": "5"', "cfg_scale", id="cfg-string"),
    pytest.param(b'"duration": 1, "cfg_scale": true', "cfg_scale", id="cfg-true"),
]


@pytest.mark.parametrize(("fragment", "field"), NOT_INTEGERS)
def test_numbers_that_break_their_rule(alice: httpx.Client, fragment: bytes, field: str) -> None:
    response = alice.post(TASKS, content=_UNSERVED + b", " + fragment + b"}", headers=JSON)
    assert_answer(response, 400, 1000, field)


NUMBERS_TAKEN = [
    pytest.param(b'"duration": 6', id="duration-6"),
    pytest.param(b'"duration": 1, "fps": 24', id="fps-24"),
    pytest.param(b'"duration": 1, "seed": 0', id="seed-0"),
    pytest.param(b'"duration": 1, "cfg_scale": 5', id="cfg-int"),
    pytest.param(b'"duration": 1, "cfg_scale": 1.5e1', id="cfg-exponent"),
]


@pytest.mark.parametrize("fragment", NUMBERS_TAKEN)
def test_numbers_that_keep_their_rule(alice: httpx.Client, fragment: bytes) -> None:
    response = alice.post(TASKS, content=_UNSERVED + b", " + fragment + b"}", headers=JSON)
    assert_answer(response, 400, 1000, "model_name must be one of")


@pytest.mark.parametrize(
    "limit", ["5.0", "+5", "1_0", " 5", "٣", "²", "0x5", "0", "101", "-1", "", "1e1", "9" * 400]
)
def test_query_limit_is_ascii_digits_in_range(alice: httpx.Client, limit: str) -> None:
    assert_answer(alice.get(TASKS, params={"limit": limit}), 400, 1000, "limit must be an integer")


@pytest.mark.parametrize("limit", ["1", "100", "007"])
def test_query_limit_taken(alice: httpx.Client, limit: str) -> None:
    assert_answer(alice.get(TASKS, params={"limit": limit}), 200, 200)


@pytest.mark.parametrize("status", ["task_pending", "PENDING", "TASK_PENDING ", "", "x" * 10_000])
def test_query_status_is_one_of_four(alice: httpx.Client, status: str) -> None:
    assert_answer(alice.get(TASKS, params={"status": status}), 400, 1000, "status must be one of")


CALLBACK_PORTS = ["0", "99999", "65536", "-1", "http", "8o"]


@pytest.mark.parametrize("port", CALLBACK_PORTS)
def test_callback_url_port_outside_the_range_is_refused_at_create(alice: httpx.Client, port: str) -> None:
    body = _UNSERVED + b', "duration": 1, "callback_url": "https://example.com:' + port.encode() + b'/hook"}'
    assert_answer(alice.post(TASKS, content=body, headers=JSON), 400, 1000, "callback_url")


@pytest.mark.parametrize("port", ["0", "99999"])
def test_image_url_port_outside_the_range_is_an_image_refusal(alice: httpx.Client, port: str) -> None:
    body = {"model_name": "bach-1.0-preview", "image_url": f"http://127.0.0.1:{port}/a.jpg",
            "resolution": "720p", "duration": 1}  # fmt: skip
    assert_answer(alice.post(TASKS, json=body), 400, 1001, "port outside 1..65535")
