"""The credits ledger: what a task costs, reserving it, and settling it exactly once.

Every balance change is one `CreditEntry` row written in the same transaction as the
balance update, so the ledger always sums to the balance. Reservation is a conditional
`UPDATE accounts SET credits = credits - cost WHERE credits >= cost`: the database
decides atomically, on SQLite (one writer at a time) and PostgreSQL (row lock) alike,
so concurrent creates can never overdraw an account.

Settlement (charge on success, refund on failure or cancel) first flips
`tasks.credit_state` from "reserved" with a conditional update; only the caller whose
update matched writes the ledger row, and the ledger's unique (task_id, reason) is a
second guard. A reservation is therefore charged or refunded once, never both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stillmotion.errors import InsufficientCredits
from stillmotion.tasks.db import affected_rows
from stillmotion.tasks.models import (
    Account,
    CreditEntry,
    CreditReason,
    CreditState,
    Task,
)

# Credits per second of video, by resolution (SPEC "Credits").
CREDITS_PER_SECOND = {"720p": 1, "1080p": 2}
AUDIO_CREDITS = 1


def task_cost(resolution: str, duration: int, generate_audio: bool) -> int:
    """SPEC: duration x (1 for 720p, 2 for 1080p), +1 with generated audio."""
    return duration * CREDITS_PER_SECOND[resolution] + (AUDIO_CREDITS if generate_audio else 0)


UNLOADED_ROWS = {"synchronize_session": False}
"""For an UPDATE of rows the session has not loaded (create never loads the account): the ORM
then skips matching the statement against every object it holds, most of such an UPDATE's cost."""


# Built once, like every statement of the create path: building one costs more than running it.
ACCOUNT_COLUMNS = Account.__table__.c
"""The accounts table's columns, for statements on the table rather than the mapped class."""
_RESERVE = (
    update(Account.__table__)
    .where(ACCOUNT_COLUMNS.id == bindparam("account_id"), ACCOUNT_COLUMNS.credits >= bindparam("cost"))
    .values(credits=ACCOUNT_COLUMNS.credits - bindparam("cost"))
    .returning(ACCOUNT_COLUMNS.credits)
)
"""On the table, not the mapped class: an ORM-enabled UPDATE goes through the ORM's bulk-update
path (a sixth of a create's CPU) for a row the session never loads."""
_RESERVED = insert(CreditEntry.__table__)
"""The reservation's ledger row, written with Core: no unit of work for a row nobody reads back."""


async def reserve_credits(session: AsyncSession, task: Task, cost: int) -> None:
    """Take `cost` from the task's account inside the caller's transaction, or raise 1302.

    The caller wrote the task row in the same transaction with the reservation on it
    (`credits` = cost, `credit_state` reserved); if anything later fails the whole
    transaction rolls back and no credit was taken.
    """
    result = await session.execute(
        _RESERVE, {"account_id": task.account_id, "cost": cost}, execution_options=UNLOADED_ROWS
    )
    balance = result.scalar_one_or_none()
    if balance is None:
        raise InsufficientCredits()
    entry = {"account_id": task.account_id, "delta": -cost, "reason": CreditReason.RESERVE.value,
             "task_id": task.id, "balance_after": balance}  # fmt: skip
    await session.execute(_RESERVED, [entry])


async def settle_credits(session: AsyncSession, task: Task, succeeded: bool) -> None:
    """Charge (success) or refund (anything else) the task's reservation, at most once.

    Runs inside the transaction that finishes the task. A charge leaves the balance as
    it is (the reservation already took the credits) but is still a ledger row, so the
    ledger shows how every reservation ended.
    """
    target = CreditState.CHARGED if succeeded else CreditState.REFUNDED
    flipped = await session.execute(
        update(Task)
        .where(Task.id == task.id, Task.credit_state == CreditState.RESERVED.value)
        .values(credit_state=target.value)
    )
    if affected_rows(flipped) != 1:
        return  # credits off for this task, or already settled
    delta = 0 if succeeded else task.credits
    balance = (
        await session.execute(
            update(Account)
            .where(Account.id == task.account_id)
            .values(credits=Account.credits + delta)
            .returning(Account.credits)
        )
    ).scalar_one()
    reason = CreditReason.CHARGE if succeeded else CreditReason.REFUND
    session.add(
        CreditEntry(account_id=task.account_id, delta=delta, reason=reason.value, task_id=task.id,
                    balance_after=balance)
    )  # fmt: skip


async def grant_credits(session: AsyncSession, account_id: int, amount: int, note: str | None = None) -> int:
    """Add (or, negative, remove) credits by hand; returns the new balance. Never below zero."""
    result = await session.execute(
        update(Account)
        .where(Account.id == account_id, Account.credits + amount >= 0)
        .values(credits=Account.credits + amount)
        .returning(Account.credits)
    )
    balance = result.scalar_one_or_none()
    if balance is None:
        raise ValueError("the balance cannot go below zero")
    session.add(
        CreditEntry(account_id=account_id, delta=amount, reason=CreditReason.GRANT.value, balance_after=balance,
                    note=note)
    )  # fmt: skip
    return balance


@dataclass(frozen=True)
class Balance:
    account: str
    credits: int
    entries: Sequence[CreditEntry]


class CreditLedger:
    """Operator-side access to balances (the CLI); the API side works inside task transactions."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, account_name: str, amount: int, note: str | None = None) -> int:
        async with self._sessions() as session, session.begin():
            account = await _account_named(session, account_name)
            return await grant_credits(session, account.id, amount, note)

    async def balance(self, account_name: str, last: int = 20) -> Balance:
        """The balance and the newest `last` ledger rows, newest first."""
        async with self._sessions() as session:
            account = await _account_named(session, account_name)
            rows = await session.scalars(
                select(CreditEntry)
                .where(CreditEntry.account_id == account.id)
                .order_by(CreditEntry.id.desc())
                .limit(last)
            )
            return Balance(account=account.name, credits=account.credits, entries=rows.all())


async def _account_named(session: AsyncSession, name: str) -> Account:
    account = await session.scalar(select(Account).where(Account.name == name))
    if account is None:
        raise LookupError(f"no account named {name!r}")
    return account
