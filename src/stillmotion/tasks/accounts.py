"""Accounts and their credentials: issuing, listing and revoking keys, finding the account
behind a token, and each account's webhook signing secret."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cachetools import TTLCache
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stillmotion.client.webhooks import WEBHOOK_SECRET_PREFIX
from stillmotion.tasks.credits import grant_credits
from stillmotion.tasks.db import affected_rows
from stillmotion.tasks.models import Account, Credential

API_KEY_PREFIX = "sm_"
# Standard Webhooks recommends 24 to 64 random bytes for the secret.
_WEBHOOK_SECRET_BYTES = 24


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` + base64 of random bytes (the HMAC key)."""
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(_WEBHOOK_SECRET_BYTES)).decode()


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    """Shown to the operator once; only the secret key and the key's digest are stored."""

    account: str
    access_key: str
    secret_key: str
    api_key: str
    webhook_secret: str
    credits: int
    """The account's balance after issuing (including any grant made with the key)."""


@dataclass(frozen=True)
class KeyInfo:
    """What `keys list` shows: never a usable secret, only the API key's first characters."""

    account: str
    access_key: str
    api_key_prefix: str
    revoked: bool
    created_at: datetime
    credits: int


class AccountStore:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, cache_seconds: float = 0.0, cache_size: int = 10_000
    ) -> None:
        """`cache_seconds` > 0 keeps each credential a token resolved to for that long (at most
        `cache_size` of them), so a poll costs no key lookup. A revoke in this process drops the
        cache at once; one in another process (`stillmotion keys revoke`) takes effect here within
        `cache_seconds`. Unknown and revoked tokens are never cached."""
        self._sessions = sessions
        self._cache: TTLCache[tuple[Select[tuple[Credential]], str], Credential] | None = (
            TTLCache(maxsize=cache_size, ttl=cache_seconds) if cache_seconds > 0 else None
        )

    async def count(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count(Account.id))) or 0)

    async def issue_key(self, name: str, credits: int | None = None, new_account_credits: int = 0) -> IssuedKey:
        """Create the account if needed and give it a new key set.

        A new account gets `credits` if given, else `new_account_credits`; an existing one
        gets `credits` added if given. Grants are ledger rows like every balance change.
        """
        async with self._sessions() as session, session.begin():
            account = await session.scalar(select(Account).where(Account.name == name))
            grant = credits
            if account is None:
                account = Account(name=name, webhook_secret=new_webhook_secret(), credits=0)
                session.add(account)
                await session.flush()
                grant = new_account_credits if credits is None else credits
            if grant:
                await grant_credits(session, account.id, grant, note="granted with a new key")
                await session.refresh(account)
            access_key = "ak_" + secrets.token_hex(12)
            secret_key = secrets.token_urlsafe(32)
            api_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
            session.add(
                Credential(
                    account_id=account.id,
                    access_key=access_key,
                    secret_key=secret_key,
                    api_key_hash=hash_api_key(api_key),
                    api_key_prefix=api_key[:10],
                )
            )
        return IssuedKey(
            account=name, access_key=access_key, secret_key=secret_key, api_key=api_key,
            webhook_secret=account.webhook_secret, credits=account.credits,
        )  # fmt: skip

    async def list_keys(self, name: str | None = None) -> Sequence[KeyInfo]:
        async with self._sessions() as session:
            query = select(Credential, Account).join(Account, Credential.account_id == Account.id)
            if name is not None:
                query = query.where(Account.name == name)
            rows = await session.execute(query.order_by(Account.name, Credential.id))
            return [
                KeyInfo(account=account.name, access_key=cred.access_key, api_key_prefix=cred.api_key_prefix,
                        revoked=cred.revoked, created_at=cred.created_at, credits=account.credits)
                for cred, account in rows.all()
            ]  # fmt: skip

    async def revoke(self, key: str) -> bool:
        """Revoke the key set with this access key or full API key; False if none matched."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Credential)
                .where((Credential.access_key == key) | (Credential.api_key_hash == hash_api_key(key)))
                .values(revoked=True)
            )
        if self._cache is not None:
            self._cache.clear()
        return affected_rows(result) > 0

    async def rotate_webhook_secret(self, name: str) -> str:
        """Give the account a new signing secret; deliveries sign with it from the next attempt."""
        secret = new_webhook_secret()
        async with self._sessions() as session, session.begin():
            result = await session.execute(update(Account).where(Account.name == name).values(webhook_secret=secret))
            if affected_rows(result) != 1:
                raise LookupError(f"no account named {name!r}")
        return secret

    async def webhook_secret(self, account_id: int) -> str:
        async with self._sessions() as session:
            secret = await session.scalar(select(Account.webhook_secret).where(Account.id == account_id))
        if secret is None:
            raise LookupError(f"no account {account_id}")
        return secret

    async def by_access_key(self, access_key: str) -> Credential | None:
        return await self._cached(_BY_ACCESS_KEY, access_key)

    async def by_api_key(self, api_key: str) -> Credential | None:
        return await self._cached(_BY_API_KEY_HASH, hash_api_key(api_key))

    async def _cached(self, query: Select[tuple[Credential]], key: str) -> Credential | None:
        """The live credential `query` finds for `key`, from the cache while it is fresh."""
        cache_key = (query, key)
        if self._cache is not None and (hit := self._cache.get(cache_key)) is not None:
            return hit
        async with self._sessions() as session:
            credential = await session.scalar(query, {"key": key})
        if credential is not None and self._cache is not None:
            self._cache[cache_key] = credential
        return credential


# Built once: a statement object reused keeps its compiled form and cache key.
_BY_ACCESS_KEY = select(Credential).where(Credential.access_key == bindparam("key"), Credential.revoked.is_(False))
_BY_API_KEY_HASH = select(Credential).where(Credential.api_key_hash == bindparam("key"), Credential.revoked.is_(False))
