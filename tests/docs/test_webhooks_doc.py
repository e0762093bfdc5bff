"""docs/webhooks.md's code, run against a real signed delivery from the server."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import create_task, wait_for_task
from tests.control.receivers import WebhookReceiver, always
from tests.support.keyed_server import KeyedServer
from tests.support.servers import free_port

PAGE = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
NODE = shutil.which("node")


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", PAGE.read_text(), re.S)


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory, image_host: Any) -> Iterator[dict[str, Any]]:
    """One real callback: its headers, its body and the secret it was signed with."""
    receiver = WebhookReceiver()
    url = receiver.route("/hook", always(200))
    server = KeyedServer(tmp_path_factory.mktemp("webhooks"), ("erin",), STILLMOTION_WEBHOOK_POLL_SECONDS="0.1")
    with server.running(), server.client_for("erin") as client:
        task_id = create_task(client, image_url=image_host.url("/landscape.jpg"), callback_url=url)
        wait_for_task(client, task_id)
        call = receiver.wait_for("/hook", 1, timeout=30)[0]
    receiver.close()
    assert json.loads(call.body)["task_id"] == task_id
    yield {"headers": call.headers, "body": call.body, "secret": server.keys["erin"]["webhook_secret"]}


def tampered(delivery: dict[str, Any]) -> bytes:
    return delivery["body"].replace(b"TASK_SUCCEEDED", b"TASK_FAILED")


def python_namespace() -> dict[str, Any]:
    verify, receiver = code_blocks("python")
    namespace: dict[str, Any] = {}
    exec(verify, namespace)  # noqa: S102 (the page's own code is what is under test)
    return namespace


def test_the_python_verifier_accepts_the_delivery_and_nothing_else(delivery: dict[str, Any]) -> None:
    verify = python_namespace()["verify_webhook"]
    headers, body, secret = delivery["headers"], delivery["body"], delivery["secret"]
    assert verify(headers, body, secret) is True
    assert verify(headers, tampered(delivery), secret) is False
    assert verify(headers, body, "whsec_" + "A" * 32) is False
    stale = {**headers, "webhook-timestamp": str(int(time.time()) - 3600)}
    assert verify(stale, body, secret) is False


def test_the_python_receiver_answers_200_to_the_delivery_and_401_to_a_forgery(
    delivery: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STILLMOTION_WEBHOOK_SECRET", delivery["secret"])
    namespace = python_namespace()
    exec(code_blocks("python")[1], namespace)  # noqa: S102
    with TestClient(namespace["app"]) as client:
        sent = {name: delivery["headers"][name] for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
        assert client.post("/stillmotion-callback", content=delivery["body"], headers=sent).status_code == 200
        assert client.post("/stillmotion-callback", content=tampered(delivery), headers=sent).status_code == 401


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_node_verifier_and_receiver(delivery: dict[str, Any], tmp_path: Path) -> None:
    verify, receiver = code_blocks("js")
    (tmp_path / "verify-webhook.js").write_text(verify)
    check = (
        "const { verifyWebhook } = require('./verify-webhook');\n"
        "const input = JSON.parse(require('fs').readFileSync(0));\n"
        "console.log(verifyWebhook(input.headers, Buffer.from(input.body, 'base64'), input.secret));\n"
    )
    (tmp_path / "check.js").write_text(check)

    def node_says(body: bytes, secret: str) -> str:
        stdin = json.dumps({"headers": delivery["headers"], "body": __import__("base64").b64encode(body).decode(),
                            "secret": secret})
        result = subprocess.run([NODE, "check.js"], input=stdin, capture_output=True, text=True, cwd=tmp_path,
                                timeout=30, check=True)  # type: ignore[list-item]
        return result.stdout.strip()

    assert node_says(delivery["body"], delivery["secret"]) == "true"
    assert node_says(tampered(delivery), delivery["secret"]) == "false"
    assert node_says(delivery["body"], "whsec_" + "A" * 32) == "false"

    port = free_port()
    (tmp_path / "receiver.js").write_text(receiver.replace(".listen(8080)", f".listen({port})"))
    process = subprocess.Popen([NODE, "receiver.js"], cwd=tmp_path, env={"STILLMOTION_WEBHOOK_SECRET": delivery["secret"]},  # type: ignore[list-item]
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        sent = {name: delivery["headers"][name] for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
        url = f"http://127.0.0.1:{port}/stillmotion-callback"
        deadline = time.monotonic() + 15
        while True:
            try:
                answer = httpx.post(url, content=delivery["body"], headers=sent)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "the Node.js receiver did not start"
                time.sleep(0.1)
        assert answer.status_code == 200
        assert httpx.post(url, content=tampered(delivery), headers=sent).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
