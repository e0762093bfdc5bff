"""Headers over the size limit (431/1003, docs/api.md), methods a path does not serve (405/1200
with an `Allow` that lists every method served there), and what the schema says of them."""

from __future__ import annotations

import httpx
import pytest

from tests.hostile.envelope import assert_answer
from tests.support.keyed_server import KeyedServer
from tests.support.tasks import TASKS

MODELS = "/api/vdr/models"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Authorization": "Bearer " + "x" * 1024 * 1024}, id="1mb-authorization"),
        pytest.param({"X-Padding": "p" * 33 * 1024}, id="33kb-custom-header"),
        pytest.param({f"X-H{i}": "v" * 100 for i in range(400)}, id="400-headers"),
        pytest.param({"Idempotency-Key": "k" * 40_000}, id="40kb-idempotency-key"),
    ],
)
def test_oversized_headers_are_431(anonymous: httpx.Client, headers: dict[str, str]) -> None:
    assert_answer(anonymous.get(MODELS, headers=headers), 431, 1003, "headers too large")


def test_headers_under_the_limit_are_served(alice: httpx.Client) -> None:
    assert_answer(alice.get(MODELS, headers={"X-Padding": "p" * 24 * 1024}), 200, 200)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", TASKS, {"GET", "POST"}),
        ("PUT", TASKS, {"GET", "POST"}),
        ("DELETE", TASKS + "/6f1c1d4e-1111-4111-8111-111111111111", {"GET"}),
        ("GET", TASKS + "/6f1c1d4e-1111-4111-8111-111111111111/cancel", {"POST"}),
        ("POST", "/healthz", {"GET"}),
        ("PATCH", "/api/vdr/uploads", {"POST"}),
    ],
)
def test_wrong_method_lists_every_method_of_the_path(
    alice: httpx.Client, method: str, path: str, allowed: set[str]
) -> None:
    response = alice.request(method, path)
    assert_answer(response, 405, 1200, "method not allowed")
    assert {part.strip() for part in response.headers["allow"].split(",")} == allowed


def test_unknown_route_is_404_1200(anonymous: httpx.Client) -> None:
    assert_answer(anonymous.get("/api/vdr/nothing-here"), 404, 1200)


def test_schema_lists_the_allowed_values(server: KeyedServer) -> None:
    schema = httpx.get(server.base_url + "/openapi.json", timeout=10).json()
    listing = schema["paths"][TASKS]["get"]["parameters"]
    status = next(parameter for parameter in listing if parameter["name"] == "status")
    assert _enum(status["schema"], schema) == ["TASK_PENDING", "TASK_PROCESSING", "TASK_SUCCEEDED", "TASK_FAILED"]
    limit = next(parameter for parameter in listing if parameter["name"] == "limit")
    assert limit["schema"]["type"] == "integer" and (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
    fps = schema["components"]["schemas"]["CreateTaskRequest"]["properties"]["fps"]
    assert fps["type"] == "integer" and fps["enum"] == [24, 30]


def _enum(node: dict, schema: dict) -> list[str]:  # type: ignore[type-arg]
    """The enum under a parameter schema, through anyOf (optional) and $ref."""
    for option in node.get("anyOf", [node]):
        if "$ref" in option:
            option = schema["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]]
        if "enum" in option:
            return list(option["enum"])
    raise AssertionError(f"no enum in {node}")
