"""`verify_webhook` on a real callback from the server, and on tampered or stale ones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stillmotion.client import Client, WebhookVerificationError, verify_webhook
from tests.control.receivers import WebhookReceiver, always
from tests.support.keyed_server import KeyedServer


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    host = WebhookReceiver()
    yield host
    host.close()


def test_a_real_callback_verifies_and_a_tampered_one_does_not(
    client_server: KeyedServer, receiver: WebhookReceiver, photo: bytes
) -> None:
    keys = client_server.keys["sdk"]
    url = receiver.route("/sdk-hook", always(200))
    with Client(client_server.base_url, api_key=keys["api_key"]) as client:
        task = client.create(photo, duration=1, callback_url=url).wait(timeout=120)
    call = receiver.wait_for("/sdk-hook", 1, timeout=30)[0]

    payload = verify_webhook(call.headers, call.body, keys["webhook_secret"])
    assert payload["task_id"] == task.id and payload["status"] == "TASK_SUCCEEDED"
    assert verify_webhook({k.upper(): v for k, v in call.headers.items()}, call.body.decode(), keys["webhook_secret"])

    rotated = dict(call.headers, **{"webhook-signature": "v1,bm90LXRoaXM= " + call.headers["webhook-signature"]})
    assert verify_webhook(rotated, call.body, keys["webhook_secret"])["task_id"] == task.id

    with pytest.raises(WebhookVerificationError, match="no signature"):
        verify_webhook(call.headers, call.body.replace(b"TASK_SUCCEEDED", b"TASK_FAILED"), keys["webhook_secret"])
    with pytest.raises(WebhookVerificationError, match="no signature"):
        verify_webhook(call.headers, call.body, "whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB")
    stale = int(call.headers["webhook-timestamp"]) + 301
    with pytest.raises(WebhookVerificationError, match="tolerance"):
        verify_webhook(call.headers, call.body, keys["webhook_secret"], now=stale)
    without_id = {k: v for k, v in call.headers.items() if k != "webhook-id"}
    with pytest.raises(WebhookVerificationError, match="webhook-id"):
        verify_webhook(without_id, call.body, keys["webhook_secret"])
