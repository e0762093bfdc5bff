"""JWT claims are checked by type before anything uses them: a correctly signed token whose
`exp`, `nbf` or `iat` is a string (or null, a boolean, NaN...) is 401/1101, not 500; so is an
`iss` no database can look up. And an oversized Authorization header never reaches the parser."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import pytest

from tests.hostile.envelope import assert_answer
from tests.support.keyed_server import KeyedServer

MODELS = "/api/vdr/videos/image2video"  # any route that needs a credential


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def signed(payload: bytes, secret: str) -> str:
    """An HS256 JWT over the payload bytes as given (PyJWT would refuse to encode some of them)."""
    head = _b64(b'{"alg":"HS256","typ":"JWT"}') + "." + _b64(payload)
    signature = hmac.new(secret.encode(), head.encode(), hashlib.sha256).digest()
    return head + "." + _b64(signature)


def _claims(**changes: object) -> dict[str, object]:
    now = int(time.time())
    return {"nbf": now - 5, "exp": now + 600, **changes}


BAD_CLAIMS = [
    pytest.param({"exp": str(int(time.time()) + 600)}, id="exp-string"),
    pytest.param({"nbf": str(int(time.time()) - 5)}, id="nbf-string"),
    pytest.param({"iat": str(int(time.time()))}, id="iat-string"),
    pytest.param({"nbf": "yesterday"}, id="nbf-word"),
    pytest.param({"exp": None}, id="exp-null"),
    pytest.param({"nbf": None}, id="nbf-null"),
    pytest.param({"iat": None}, id="iat-null"),
    pytest.param({"exp": True}, id="exp-true"),
    pytest.param({"exp": [1]}, id="exp-list"),
    pytest.param({"exp": {"at": 1}}, id="exp-object"),
    pytest.param({"nbf": 10**30}, id="nbf-far-future"),
    pytest.param({"exp": 10**30}, id="exp-lifetime-too-long"),
    pytest.param({"exp": int(time.time()) - 3600}, id="expired"),
]


@pytest.mark.parametrize("changes", BAD_CLAIMS)
def test_signed_token_with_bad_claims_is_1101(server: KeyedServer, changes: dict[str, object]) -> None:
    keys = server.keys["alice"]
    payload = json.dumps({"iss": keys["access_key"], **_claims(**changes)}).encode()
    with server.client(signed(payload, keys["secret_key"])) as client:
        assert_answer(client.get(MODELS), 401, 1101)


@pytest.mark.parametrize(
    "number", [pytest.param(b"NaN", id="nan"), pytest.param(b"Infinity", id="infinity"),
               pytest.param(b"1e400", id="overflow"), pytest.param(b"-Infinity", id="minus-infinity")],
)  # fmt: skip
@pytest.mark.parametrize("claim", [b"exp", b"nbf", b"iat"])
def test_signed_token_with_non_finite_dates_is_1101(server: KeyedServer, claim: bytes, number: bytes) -> None:
    keys = server.keys["alice"]
    now = int(time.time())
    dates = {b"nbf": str(now - 5).encode(), b"exp": str(now + 600).encode(), b"iat": str(now).encode(), claim: number}
    payload = b'{"iss": "%s", ' % keys["access_key"].encode() + b", ".join(b'"%s": %s' % item for item in dates.items()) + b"}"
    with server.client(signed(payload, keys["secret_key"])) as client:
        assert_answer(client.get(MODELS), 401, 1101)


def test_well_formed_token_is_taken(server: KeyedServer) -> None:
    """The control: the same construction with proper claims authenticates."""
    keys = server.keys["alice"]
    payload = json.dumps({"iss": keys["access_key"], **_claims(iat=time.time())}).encode()  # a fractional iat
    with server.client(signed(payload, keys["secret_key"])) as client:
        assert_answer(client.get(MODELS), 200, 200)


UNSTORABLE_ISSUERS = [
    pytest.param(b'"\\u0000"', id="nul"),
    pytest.param(b'"ak_\\u0000x"', id="embedded-nul"),
    pytest.param(b'"\\ud800"', id="lone-surrogate"),
    pytest.param(b'"\xed\xa0\x80"', id="utf8-encoded-surrogate"),
    pytest.param(b"5", id="number"),
    pytest.param(b"null", id="null"),
]


@pytest.mark.parametrize("issuer", UNSTORABLE_ISSUERS)
def test_unauthenticated_token_with_an_unusable_issuer_is_1101(anonymous: httpx.Client, issuer: bytes) -> None:
    payload = b'{"iss": ' + issuer + b', "exp": %d}' % (int(time.time()) + 600)
    token = signed(payload, "no-secret-known")
    assert_answer(anonymous.get(MODELS, headers={"Authorization": f"Bearer {token}"}), 401, 1101)


MALFORMED_AUTHORIZATION = [
    pytest.param("Bearer " + "x" * 100, 401, 1101, id="unknown-api-key"),
    pytest.param("Bearer a.b.c", 401, 1101, id="jwt-garbage"),
    pytest.param("Bearer " + _b64(b"{}") + "." + _b64(b"[]") + ".x", 401, 1101, id="jwt-payload-array"),
    pytest.param("Bearer " + _b64(b"{}") + "." + _b64(b'{"iss": "a"') + ".x", 401, 1101, id="jwt-payload-broken"),
    pytest.param("Bearer \xff\xfe", 401, 1101, id="latin1-token"),
    pytest.param("bearer token", 401, 1100, id="lowercase-scheme"),
    pytest.param("Bearer  token", 401, 1100, id="two-spaces"),
    pytest.param("Basic dXNlcjpwYXNz", 401, 1100, id="basic"),
    pytest.param("Bearer " + "x" * 40_000, 431, 1003, id="40kb-token"),
]


@pytest.mark.parametrize(("header", "status", "code"), MALFORMED_AUTHORIZATION)
def test_malformed_authorization(anonymous: httpx.Client, header: str, status: int, code: int) -> None:
    response = anonymous.get(MODELS, headers={"Authorization": header.encode("latin-1")})  # type: ignore[dict-item]
    assert_answer(response, status, code)
