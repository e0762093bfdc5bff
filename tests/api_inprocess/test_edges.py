"""The hostile-input cases of tests/server, replayed against the app in this process.

The subprocess server is what a client meets; this in-process replay (Starlette's TestClient,
SQLite) runs the same case tables in seconds, and it is what mutation testing can see: mutmut
switches mutants inside the test process only (docs/testing.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api_inprocess.apps import issue_key, running_app
from tests.hostile import test_auth, test_bodies, test_headers, test_numbers, test_text
from tests.hostile.envelope import assert_answer
from tests.support.tasks import TASKS

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="session")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    """Parked (tests/api_inprocess/apps.py): these cases are refused before any task would run."""
    with running_app(tmp_path_factory.mktemp("inprocess"), parked=True, fetch_allow=["127.0.0.1"]) as client:
        issued = issue_key(client, "alice", 100)
        yield client, {"access_key": issued.access_key, "secret_key": issued.secret_key, "api_key": issued.api_key}


@pytest.fixture
def alice(app_client: tuple[TestClient, dict[str, Any]]) -> TestClient:
    client, keys = app_client
    client.headers["Authorization"] = f"Bearer {keys['api_key']}"
    return client


@pytest.fixture
def anonymous(app_client: tuple[TestClient, dict[str, Any]]) -> TestClient:
    client, _ = app_client
    client.headers.pop("Authorization", None)
    return client


@pytest.mark.parametrize(("body", "contains"), test_bodies.UNPARSABLE_JSON)
def test_unparsable_json(alice: TestClient, body: bytes, contains: str) -> None:
    assert_answer(alice.post(TASKS, content=body, headers=JSON), 400, 1000, contains)


@pytest.mark.parametrize(("headers", "body", "contains"), test_bodies.MALFORMED_MULTIPART)
def test_malformed_multipart(alice: TestClient, headers: dict[str, str], body: bytes, contains: str) -> None:
    assert_answer(alice.post(test_bodies.UPLOADS, content=body, headers=headers), 400, 1000, contains)


@pytest.mark.parametrize("kwargs", test_bodies.WRONG_UPLOADS)
def test_upload_without_the_file_field(alice: TestClient, kwargs: dict[str, Any]) -> None:
    assert_answer(alice.post(test_bodies.UPLOADS, **kwargs), 400, 1000, "multipart/form-data field named file")


def test_body_over_the_limit(alice: TestClient) -> None:
    assert_answer(alice.post(TASKS, content=b" " * (test_bodies.LIMIT + 1), headers=JSON), 413, 1003)


def test_multi_picture_jpeg_upload(alice: TestClient) -> None:
    response = alice.post(test_bodies.UPLOADS, files={"file": ("phone.jpg", test_bodies._mpo(), "image/jpeg")})
    assert response.status_code == 200 and response.json()["data"]["image_url"].endswith(".jpg"), response.text


@pytest.mark.parametrize(("fragment", "field"), test_text.UNSTORABLE_BODIES)
def test_unstorable_text_in_the_body(alice: TestClient, fragment: bytes, field: str) -> None:
    body = b"{" + test_text._FIELDS + b", " + fragment + b"}"
    assert_answer(alice.post(TASKS, content=body, headers=JSON), 400, 1000, f"{field} contains a character")


@pytest.mark.parametrize(("method", "url", "name"), test_text.UNSTORABLE_URLS)
def test_nul_in_paths_and_queries(alice: TestClient, method: str, url: str, name: str) -> None:
    assert_answer(alice.request(method, url), 400, 1000, f"{name} contains a character")


@pytest.mark.parametrize(("fragment", "field"), test_numbers.NOT_INTEGERS)
def test_numbers_that_break_their_rule(alice: TestClient, fragment: bytes, field: str) -> None:
    response = alice.post(TASKS, content=test_numbers._UNSERVED + b", " + fragment + b"}", headers=JSON)
    assert_answer(response, 400, 1000, field)


@pytest.mark.parametrize("fragment", test_numbers.NUMBERS_TAKEN)
def test_numbers_that_keep_their_rule(alice: TestClient, fragment: bytes) -> None:
    response = alice.post(TASKS, content=test_numbers._UNSERVED + b", " + fragment + b"}", headers=JSON)
    assert_answer(response, 400, 1000, "model_name must be one of")


@pytest.mark.parametrize("limit", ["5.0", "+5", "٣", "0", "101", ""])
def test_query_limit(alice: TestClient, limit: str) -> None:
    assert_answer(alice.get(TASKS, params={"limit": limit}), 400, 1000, "limit must be an integer")


def test_a_page_with_a_cursor(alice: TestClient) -> None:
    assert_answer(alice.get(TASKS, params={"limit": "2", "status": "TASK_PENDING"}), 200, 200)


@pytest.mark.parametrize("port", test_numbers.CALLBACK_PORTS)
def test_callback_port(alice: TestClient, port: str) -> None:
    body = test_numbers._UNSERVED + b', "duration": 1, "callback_url": "https://example.com:' + port.encode() + b'/h"}'
    assert_answer(alice.post(TASKS, content=body, headers=JSON), 400, 1000, "callback_url")


@pytest.mark.parametrize("changes", test_auth.BAD_CLAIMS)
def test_signed_token_with_bad_claims(app_client: tuple[TestClient, dict[str, Any]], changes: dict[str, Any]) -> None:
    client, keys = app_client
    payload = json.dumps({"iss": keys["access_key"], **test_auth._claims(**changes)}).encode()
    token = test_auth.signed(payload, keys["secret_key"])
    assert_answer(client.get(TASKS, headers={"Authorization": f"Bearer {token}"}), 401, 1101)


def test_well_formed_token(app_client: tuple[TestClient, dict[str, Any]]) -> None:
    client, keys = app_client
    payload = json.dumps({"iss": keys["access_key"], **test_auth._claims(iat=time.time())}).encode()
    token = test_auth.signed(payload, keys["secret_key"])
    assert_answer(client.get(TASKS, headers={"Authorization": f"Bearer {token}"}), 200, 200)


@pytest.mark.parametrize("issuer", test_auth.UNSTORABLE_ISSUERS)
def test_unusable_issuer(anonymous: TestClient, issuer: bytes) -> None:
    token = test_auth.signed(b'{"iss": ' + issuer + b', "exp": %d}' % (int(time.time()) + 600), "x")
    assert_answer(anonymous.get(TASKS, headers={"Authorization": f"Bearer {token}"}), 401, 1101)


@pytest.mark.parametrize(("header", "status", "code"), test_auth.MALFORMED_AUTHORIZATION)
def test_malformed_authorization(anonymous: TestClient, header: str, status: int, code: int) -> None:
    response = anonymous.get(TASKS, headers={"Authorization": header.encode("latin-1")})  # type: ignore[dict-item]
    assert_answer(response, status, code)


def test_oversized_headers(anonymous: TestClient) -> None:
    assert_answer(anonymous.get(TASKS, headers={"X-Padding": "p" * 33 * 1024}), 431, 1003)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("OPTIONS", TASKS, {"GET", "POST"}), ("POST", "/healthz", {"GET"}), ("PATCH", "/api/vdr/uploads", {"POST"})],
)
def test_wrong_method(alice: TestClient, method: str, path: str, allowed: set[str]) -> None:
    response = alice.request(method, path)
    assert_answer(response, 405, 1200, "method not allowed")
    assert {part.strip() for part in response.headers["allow"].split(",")} == allowed


def test_unknown_route(anonymous: TestClient) -> None:
    assert_answer(anonymous.get("/nothing"), 404, 1200)


# The OpenAI-style face (/v1/) answers the same inputs with the same statuses, in its own shape.
# Its create decodes JSON or a form itself, so the text rule and the parse rule are applied there.
_V1 = "/v1/videos"
_V1_REFERENCE = b', "model": "bach-1.0-preview", "input_reference": {"image_url": "http://x.invalid/a.jpg"}}'
V1_CASES = [
    pytest.param("POST", _V1, b'{"prompt": "\xff"}', JSON, 400, id="invalid-utf8"),
    pytest.param("POST", _V1, b"[" * 100_000 + b"]" * 100_000, JSON, 400, id="nested-json"),
    pytest.param("POST", _V1, b'{"prompt": "a\\u0000"' + _V1_REFERENCE, JSON, 400, id="nul-prompt"),
    pytest.param("POST", _V1, b'{"prompt": "\\ud800"' + _V1_REFERENCE, JSON, 400, id="lone-surrogate"),
    pytest.param("POST", _V1, b"x", {"Content-Type": "multipart/form-data"}, 400, id="multipart-no-boundary"),
    pytest.param("GET", _V1 + "/%00", b"", {}, 400, id="nul-video-id"),
    pytest.param("GET", _V1 + "?after=%00", b"", {}, 400, id="nul-after"),
    pytest.param("GET", _V1, b"", {"X-Padding": "p" * 40_000}, 431, id="huge-header"),
    pytest.param("OPTIONS", _V1, b"", {}, 405, id="options"),
]


@pytest.mark.parametrize(("method", "url", "body", "headers", "status"), V1_CASES)
def test_the_openai_face_answers_hostile_inputs_in_its_shape(
    alice: TestClient, method: str, url: str, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = alice.request(method, url, content=body or None, headers=headers)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "code"} and "Internal error" not in error["message"], error


def test_unstorable_text_in_a_v1_form(alice: TestClient) -> None:
    response = alice.post(_V1, data={"prompt": "a\x00b", "model": "bach-1.0-preview"},
                          files={"input_reference": ("a.jpg", test_bodies._mpo(), "image/jpeg")})  # fmt: skip
    assert response.status_code == 400 and "prompt contains a character" in response.json()["error"]["message"]
