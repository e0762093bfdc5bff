"""The one assertion every hostile case makes: this exact HTTP status and code, in the envelope."""

from __future__ import annotations

from typing import Any

import httpx


def assert_answer(response: httpx.Response, http_status: int, code: int, contains: str = "") -> dict[str, Any]:
    assert response.status_code == http_status, (response.status_code, response.text[:500])
    body = response.json()
    assert set(body) == {"code", "message", "data"}, body
    assert body["code"] == code, body
    assert contains.lower() in body["message"].lower(), body
    assert "Traceback" not in body["message"]
    return body
