"""Accounts and their credentials: issuing keys and finding the account behind a token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stillmotion.tasks.models import Account, Credential

API_KEY_PREFIX = "sm_"


def hash_api_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    """Shown to the operator once; only the secret key and the key's digest are stored."""

    account: str
    access_key: str
    secret_key: str
    api_key: str


class AccountStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def count(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count(Account.id))) or 0)

    async def issue_key(self, name: str) -> IssuedKey:
        """Create the account if needed and give it a new key set."""
        async with self._sessions() as session, session.begin():
            account = await session.scalar(select(Account).where(Account.name == name))
            if account is None:
                account = Account(name=name)
                session.add(account)
                await session.flush()
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
        return IssuedKey(account=name, access_key=access_key, secret_key=secret_key, api_key=api_key)

    async def by_access_key(self, access_key: str) -> Credential | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(Credential).where(Credential.access_key == access_key, Credential.revoked.is_(False))
            )

    async def by_api_key(self, api_key: str) -> Credential | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(Credential).where(
                    Credential.api_key_hash == hash_api_key(api_key), Credential.revoked.is_(False)
                )
            )
