"""The create/query contract of SPEC.md, tried the way a new user would, against the real server."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest

from tests.conftest import create_task
from tests.support.servers import ServerProcess

CREATE = "/api/vdr/videos/image2video"


def valid_body(image_host: Any, **changes: Any) -> dict[str, Any]:
    body = {
        "model_name": "bach-1.0-preview",
        "image_url": image_host.url("/landscape.jpg"),
        "resolution": "720p",
        "duration": 1,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not _DROP}


_DROP = object()


def assert_error(response: httpx.Response, http_status: int, code: int, contains: str = "") -> dict[str, Any]:
    assert response.status_code == http_status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "data"}, body
    assert body["code"] == code and body["data"] is None, body
    assert contains.lower() in body["message"].lower(), body
    assert "Traceback" not in body["message"]
    return body


# --- field rules -------------------------------------------------------------------------------

BAD_FIELDS = [
    ("model_name", _DROP, "model_name"),
    ("model_name", "bach-2.0", "model_name"),
    ("model_name", 5, "model_name"),
    ("image_url", _DROP, "image_url"),
    ("image_url", "ftp://example.com/a.jpg", "image_url"),
    ("image_url", "http://example.com/" + "a" * 2040, "image_url"),
    ("image_url", 42, "image_url"),
    ("prompt", "x" * 10_001, "prompt"),
    ("prompt", 7, "prompt"),
    ("negative_prompt", "x" * 10_001, "negative_prompt"),
    ("resolution", _DROP, "resolution"),
    ("resolution", "720P", "resolution"),
    ("resolution", "4k", "resolution"),
    ("duration", _DROP, "duration"),
    ("duration", 0, "duration must be between 1 and 6 seconds"),
    ("duration", 7, "duration must be between 1 and 6 seconds"),
    ("duration", "5", "duration"),
    ("duration", 5.5, "duration"),
    ("duration", True, "duration"),
    ("fps", 25, "fps"),
    ("fps", "30", "fps"),
    ("cfg_scale", 0.5, "cfg_scale"),
    ("cfg_scale", 15.5, "cfg_scale"),
    ("cfg_scale", "5", "cfg_scale"),
    ("enhance_prompt", "true", "enhance_prompt"),
    ("generate_audio", 1, "generate_audio"),
    ("audio_prompt", "x" * 201, "audio_prompt"),
    ("callback_url", "javascript:alert(1)", "callback_url"),
    ("callback_url", "https://example.com/" + "a" * 500, "callback_url"),
    ("seed", -1, "seed"),
    ("seed", 10_000_001, "seed"),
    ("seed", 1.5, "seed"),
    ("enable_moderation", "no", "enable_moderation"),
]


def _case_id(field: str, value: Any) -> str:
    """Stable across runs (no object address), so `--lf` and xdist find the same ids."""
    return f"{field}=absent" if value is _DROP else f"{field}={value!r}"[:40]


@pytest.mark.parametrize(("field", "value", "message"), BAD_FIELDS, ids=[_case_id(f, v) for f, v, _ in BAD_FIELDS])
def test_each_field_rule_answers_1000_naming_the_field(alice: httpx.Client, image_host: Any, field: str,
                                                       value: Any, message: str) -> None:
    response = alice.post(CREATE, json=valid_body(image_host, **{field: value}))
    assert_error(response, 400, 1000, message)


def test_bounds_and_defaults_are_accepted(alice: httpx.Client, image_host: Any) -> None:
    body = valid_body(image_host, duration=6, fps=24, cfg_scale=15, seed=10_000_000, prompt="",
                      unknown_field="ignored", enhance_prompt=False)
    response = alice.post(CREATE, json=body)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert set(data) == {"task_id", "create_at"}
    assert abs(data["create_at"] - time.time()) < 60
    task = alice.get(f"{CREATE}/{data['task_id']}").json()["data"]
    assert task["seed"] == 10_000_000


def test_server_picks_and_records_a_seed(alice: httpx.Client, image_host: Any) -> None:
    task_id = create_task(alice, image_url=image_host.url("/landscape.jpg"))
    seed = alice.get(f"{CREATE}/{task_id}").json()["data"]["seed"]
    assert 0 <= seed <= 10_000_000


def test_non_json_and_non_object_bodies(alice: httpx.Client) -> None:
    assert_error(alice.post(CREATE, content=b"{not json", headers={"Content-Type": "application/json"}), 400, 1000)
    assert_error(alice.post(CREATE, json=[1, 2]), 400, 1000)
    assert_error(alice.post(CREATE, content=b"duration=5", headers={"Content-Type": "text/plain"}), 400, 1000)


def test_oversized_body_answers_413(alice: httpx.Client) -> None:
    big = b'{"prompt": "' + b"x" * (17 * 1024 * 1024) + b'"}'
    assert_error(alice.post(CREATE, content=big, headers={"Content-Type": "application/json"}), 413, 1003)


# --- auth --------------------------------------------------------------------------------------


def make_jwt(key: dict[str, str], **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": key["access_key"], "nbf": now - 5, "exp": now + 1800, **claims}
    return jwt.encode(payload, key["secret_key"], algorithm="HS256", headers={"alg": "HS256", "typ": "JWT"})


def test_the_documents_jwt_is_accepted(server: ServerProcess, image_host: Any) -> None:
    token = make_jwt(server.keys["alice"])  # type: ignore[attr-defined]
    with server.client(token) as client:
        response = client.post(CREATE, json=valid_body(image_host))
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "bearer abc", "Basic abc", "Bearer  two-spaces", "Token abc"],
)
def test_missing_or_malformed_header_is_1100(server: ServerProcess, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = httpx.get(f"{server.base_url}{CREATE}/00000000-0000-4000-8000-000000000000", headers=headers)
    assert_error(response, 401, 1100)


def test_bad_tokens_are_1101(server: ServerProcess) -> None:
    alice_key = server.keys["alice"]  # type: ignore[attr-defined]
    now = int(time.time())
    tokens = {
        "unknown api key": "sm_not-a-real-key",
        "wrong secret": jwt.encode({"iss": alice_key["access_key"], "nbf": now - 5, "exp": now + 60}, "nope",
                                   algorithm="HS256"),
        "expired": make_jwt(alice_key, nbf=now - 3600, exp=now - 60),
        "not yet valid": make_jwt(alice_key, nbf=now + 600),
        "unknown access key": jwt.encode({"iss": "ak_unknown", "exp": now + 60}, "x", algorithm="HS256"),
        "no exp": jwt.encode({"iss": alice_key["access_key"]}, alice_key["secret_key"], algorithm="HS256"),
        "garbage jwt": "a.b.c",
    }
    for name, token in tokens.items():
        response = httpx.get(f"{server.base_url}{CREATE}/x", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 and response.json()["code"] == 1101, (name, response.text)


def test_tasks_are_private_to_their_account(alice: httpx.Client, bob: httpx.Client, image_host: Any) -> None:
    task_id = create_task(alice, image_url=image_host.url("/landscape.jpg"))
    assert alice.get(f"{CREATE}/{task_id}").status_code == 200
    assert_error(bob.get(f"{CREATE}/{task_id}"), 404, 1200)
    assert_error(bob.get(f"{CREATE}/00000000-0000-4000-8000-000000000000"), 404, 1200)
    assert_error(bob.get(f"{CREATE}/not-a-uuid"), 404, 1200)


# --- service endpoints -------------------------------------------------------------------------


def test_health_ready_models_and_docs(server: ServerProcess, alice: httpx.Client) -> None:
    assert httpx.get(server.base_url + "/healthz").json()["code"] == 200
    assert httpx.get(server.base_url + "/readyz").json()["data"] == {"status": "ready"}
    models = alice.get("/api/vdr/models").json()["data"]["models"]
    assert {"model_name": "bach-1.0-preview", "engine": "motion", "family": None, "ready": True} in models
    assert httpx.get(server.base_url + "/docs").status_code == 200
    schema = httpx.get(server.base_url + "/openapi.json").json()
    create = schema["paths"][CREATE]["post"]
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    request_schema = schema["components"]["schemas"][ref]
    assert request_schema["properties"]["duration"]["maximum"] == 6
    assert request_schema["examples"][0]["model_name"] == "bach-1.0-preview"
    assert "422" not in create["responses"] or "ErrorEnvelope" in str(create["responses"]["422"])


def test_unknown_route_and_method_use_the_envelope(server: ServerProcess, alice: httpx.Client) -> None:
    assert_error(alice.get("/api/vdr/nothing-here"), 404, 1200)
    response = alice.delete(CREATE)
    assert response.status_code == 405 and set(response.json()) == {"code", "message", "data"}


def test_metrics_count_created_and_finished_tasks(server: ServerProcess, alice: httpx.Client, image_host: Any) -> None:
    from tests.conftest import wait_for_task

    wait_for_task(alice, create_task(alice, image_url=image_host.url("/landscape.jpg")))
    text = httpx.get(server.base_url + "/metrics").text
    assert 'stillmotion_tasks_created_total{model="bach-1.0-preview"}' in text
    assert 'stillmotion_tasks_finished_total{outcome="succeeded"}' in text
    assert "stillmotion_render_seconds_bucket" in text and "stillmotion_queue_depth" in text
