"""Every refusal of api/auth.py, sentence by sentence, against a real account store (SQLite).

The hostile tables check that each refusal answers 401/1100 or 401/1101; here each case pins
which sentence it is, so a check that refuses for the wrong reason (or lets a token through)
fails. `authenticate` is called directly: no server, no worker, milliseconds a case."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from stillmotion.api.auth import MAX_JWT_LIFETIME_SECONDS, authenticate, bearer_token
from stillmotion.api.token_cache import VerifiedToken, VerifiedTokens
from stillmotion.config import Settings
from stillmotion.errors import InvalidToken, MissingAuthorization
from stillmotion.storage import create_storage
from stillmotion.tasks.accounts import IssuedKey
from stillmotion.tasks.migrate import upgrade_database
from stillmotion.tasks.models import Credential
from stillmotion.tasks.store import TaskStore
from tests.hostile.test_auth import signed

DAY = 24 * 3600


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("auth"), moderation_semantic=False)
    upgrade_database(settings)
    return settings


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[TaskStore]:
    store = TaskStore.open(settings, create_storage(settings))
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def key(store: TaskStore) -> IssuedKey:
    return await store.accounts.issue_key(f"carol-{time.monotonic_ns()}", 0)


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer tok", "tok"), ("Bearer a.b.c", "a.b.c"), ("Bearer Bearer", "Bearer"), ("Bearer x\ty", "x\ty")],
)
def test_a_bearer_token_is_what_follows_the_scheme(header: str, token: str) -> None:
    assert bearer_token(header) == token


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer ", "bearer tok", "Basic dXNlcjpwYXNz", "Bearer  tok", "Bearer tok ",
               "Bearer a b", " Bearer tok", "Bearer\ttok", "Token tok"],
)  # fmt: skip
def test_a_malformed_authorization_header_is_1100(header: str | None) -> None:
    with pytest.raises(MissingAuthorization) as refused:
        bearer_token(header)
    assert (refused.value.message, refused.value.code) == ("Missing or malformed Authorization header.", 1100)


class At(float):
    """A NumericDate this many seconds from when the token is made (cases are collected long
    before they run: under mutation testing, minutes)."""


def _claims(key: IssuedKey, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": key.access_key, "exp": At(600), "nbf": At(-5), **changes}
    return {name: _resolved(value, now) for name, value in claims.items() if value is not ...}


def _resolved(value: Any, now: int) -> Any:
    if not isinstance(value, At):
        return value
    return now + (int(value) if value.is_integer() else float(value))


def _token(key: IssuedKey, secret: str | None = None, **changes: Any) -> str:
    return signed(json.dumps(_claims(key, **changes)).encode(), secret or key.secret_key)


async def _refusal(token: str, store: TaskStore) -> str:
    with pytest.raises(InvalidToken) as refused:
        await authenticate(token, store.accounts)
    return refused.value.message



REFUSED_CLAIMS = [
    pytest.param({"exp": str(int(time.time()) + 600)}, "Token claims exp must be numbers of seconds (exp is required).", id="exp-string"),
    pytest.param({"exp": ...}, "Token claims exp must be numbers of seconds (exp is required).", id="exp-missing"),
    pytest.param({"exp": True}, "Token claims exp must be numbers of seconds (exp is required).", id="exp-true"),
    pytest.param({"nbf": None}, "Token claims nbf must be numbers of seconds (exp is required).", id="nbf-null"),
    pytest.param({"iat": None}, "Token claims iat must be numbers of seconds (exp is required).", id="iat-null"),
    pytest.param({"nbf": "x", "iat": "y", "exp": "z"},
                 "Token claims exp, iat, nbf must be numbers of seconds (exp is required).", id="three-sorted"),
    pytest.param({"iss": ...}, "Token has no issuer (iss).", id="no-issuer"),
    pytest.param({"iss": 5}, "Token has no issuer (iss).", id="numeric-issuer"),
    pytest.param({"iss": None}, "Token has no issuer (iss).", id="null-issuer"),
    pytest.param({"iss": "ak_\x00x"}, "Unknown access key.", id="unstorable-issuer"),
    pytest.param({"iss": "ak_nobody"}, "Unknown access key.", id="unknown-issuer"),
    pytest.param({"exp": At(-60)}, "Token has expired.", id="expired"),
    pytest.param({"exp": At(-7)}, "Token has expired.", id="expired-past-the-leeway"),
    pytest.param({"nbf": At(60)}, "Token is not yet valid.", id="not-yet-valid"),
    pytest.param({"nbf": At(0), "exp": At(MAX_JWT_LIFETIME_SECONDS + 60)}, "Token lifetime is too long.",
                 id="lifetime-from-nbf"),
    pytest.param({"nbf": ..., "iat": At(0), "exp": At(MAX_JWT_LIFETIME_SECONDS + 60)}, "Token lifetime is too long.",
                 id="lifetime-from-iat"),
    pytest.param({"nbf": At(-40 * DAY), "iat": At(0), "exp": At(600)}, "Token lifetime is too long.",
                 id="nbf-before-iat"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "message"), REFUSED_CLAIMS)
async def test_a_refused_jwt_says_why(store: TaskStore, key: IssuedKey, changes: dict[str, Any], message: str) -> None:
    assert await _refusal(_token(key, **changes), store) == message


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("a.b.c", "Malformed token."),
        ("..", "Malformed token."),
        ("x" * 40, "Invalid API key."),
        ("a.b", "Invalid API key."),
        ("a.b.c.d", "Invalid API key."),
    ],
)
async def test_a_refused_token_says_why(store: TaskStore, token: str, message: str) -> None:
    assert await _refusal(token, store) == message


async def test_a_token_signed_with_another_secret_is_refused(store: TaskStore, key: IssuedKey) -> None:
    assert await _refusal(_token(key, secret="another secret"), store) == "Invalid token signature or claims."


async def test_only_hs256_is_taken(store: TaskStore, key: IssuedKey) -> None:
    token = jwt.encode(_claims(key), None, algorithm="none")
    assert await _refusal(token, store) == "Invalid token signature or claims."


async def test_a_revoked_key_is_refused(store: TaskStore, key: IssuedKey) -> None:
    assert await store.accounts.revoke(key.access_key)
    assert await _refusal(_token(key), store) == "Unknown access key."
    assert await _refusal(key.api_key, store) == "Invalid API key."


ACCEPTED_CLAIMS = [
    pytest.param({}, id="plain"),
    pytest.param({"exp": At(-3)}, id="expired-within-the-leeway"),
    pytest.param({"nbf": At(3)}, id="early-within-the-leeway"),
    pytest.param({"nbf": ..., "exp": At(40 * DAY)}, id="no-start-so-no-lifetime"),
    pytest.param({"nbf": At(0), "exp": At(MAX_JWT_LIFETIME_SECONDS)}, id="longest-lifetime"),
    pytest.param({"nbf": ..., "iat": At(0), "exp": At(MAX_JWT_LIFETIME_SECONDS)}, id="longest-lifetime-from-iat"),
    pytest.param({"nbf": At(0), "iat": At(-40 * DAY), "exp": At(600)}, id="nbf-wins-over-iat"),
    pytest.param({"iat": At(0.5), "exp": At(600.5), "nbf": At(-4.5)}, id="fractions"),
    pytest.param({"sub": "someone", "jti": "j-1"}, id="other-claims-ignored"),
]


@pytest.mark.parametrize("changes", ACCEPTED_CLAIMS)
async def test_a_valid_jwt_authenticates_its_account(store: TaskStore, key: IssuedKey, changes: dict[str, Any]) -> None:
    credential = await authenticate(_token(key, **changes), store.accounts)
    assert isinstance(credential, Credential) and credential.access_key == key.access_key


async def test_an_api_key_authenticates_its_account(store: TaskStore, key: IssuedKey) -> None:
    by_jwt = await authenticate(_token(key), store.accounts)
    by_key = await authenticate(key.api_key, store.accounts)
    assert (by_key.account_id, by_key.access_key) == (by_jwt.account_id, key.access_key)


async def test_a_polled_jwt_is_verified_once(store: TaskStore, key: IssuedKey, monkeypatch: pytest.MonkeyPatch) -> None:
    verified, token = VerifiedTokens(60), _token(key)
    first = await authenticate(token, store.accounts, verified)
    decodes: list[str] = []
    monkeypatch.setattr(jwt, "decode", lambda *args, **kwargs: decodes.append("decode"))
    again = await authenticate(token, store.accounts, verified)
    assert decodes == [] and again.access_key == first.access_key == key.access_key


async def test_a_remembered_jwt_of_a_revoked_key_is_refused(store: TaskStore, key: IssuedKey) -> None:
    verified, token = VerifiedTokens(60), _token(key)
    await authenticate(token, store.accounts, verified)
    assert await store.accounts.revoke(key.access_key)
    with pytest.raises(InvalidToken) as refused:
        await authenticate(token, store.accounts, verified)
    assert refused.value.message == "Unknown access key."


async def test_a_remembered_jwt_is_forgotten_when_it_expires(store: TaskStore, key: IssuedKey) -> None:
    verified, token = VerifiedTokens(60), _token(key, exp=At(-4))  # one second left inside the leeway
    await authenticate(token, store.accounts, verified)
    assert verified.get(token) is not None
    await asyncio.sleep(1.5)
    assert verified.get(token) is None
    with pytest.raises(InvalidToken) as refused:
        await authenticate(token, store.accounts, verified)
    assert refused.value.message == "Token has expired."


async def test_a_remembered_jwt_lives_the_cache_seconds_at_most(store: TaskStore, key: IssuedKey) -> None:
    verified, token = VerifiedTokens(0.3), _token(key)
    await authenticate(token, store.accounts, verified)
    assert verified.get(token) is not None
    await asyncio.sleep(0.5)
    assert verified.get(token) is None


async def test_no_cache_seconds_remembers_nothing(store: TaskStore, key: IssuedKey) -> None:
    verified, token = VerifiedTokens(0), _token(key)
    await authenticate(token, store.accounts, verified)
    assert verified.get(token) is None


async def test_a_refused_jwt_is_not_remembered(store: TaskStore, key: IssuedKey) -> None:
    verified, token = VerifiedTokens(60), _token(key, secret="another secret")
    with pytest.raises(InvalidToken):
        await authenticate(token, store.accounts, verified)
    assert verified.get(token) is None


async def test_a_remembered_secret_that_is_not_the_keys_is_not_trusted(store: TaskStore, key: IssuedKey) -> None:
    verified, token = VerifiedTokens(60), _token(key, secret="another secret")
    verified.keep(token, VerifiedToken(key.access_key, "another secret", time.time() + 600))
    with pytest.raises(InvalidToken) as refused:
        await authenticate(token, store.accounts, verified)
    assert refused.value.message == "Invalid token signature or claims."


def test_the_lifetime_bound_is_31_days() -> None:
    assert MAX_JWT_LIFETIME_SECONDS == 31 * DAY


def test_the_bearer_scheme_is_declared_in_the_openapi_schema(tmp_path: Path) -> None:
    from stillmotion.api.app import create_app

    scheme = create_app(Settings(data_dir=tmp_path)).openapi()["components"]["securitySchemes"]["bearer"]
    assert scheme == {
        "type": "http", "scheme": "bearer",
        "description": "The document's HS256 JWT (iss = access key, signed with the secret key) or an opaque API key.",
    }  # fmt: skip
