"""The store's tables. Task rows are the source of truth in both deployment modes.

Credentials live in their own table, apart from task data: opaque API keys are
stored only as SHA-256 digests (they are high-entropy, so a fast hash is enough),
while JWT secret keys must stay usable to verify signatures and are kept as is.

Money-like state is append-only: every balance change is a CreditEntry, and a
task's credits move reserved -> charged | refunded exactly once (a conditional
update on `tasks.credit_state` plus a unique (task_id, reason) in the ledger).
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    pass


class TaskStatus(str, enum.Enum):
    PENDING = "TASK_PENDING"
    PROCESSING = "TASK_PROCESSING"
    SUCCEEDED = "TASK_SUCCEEDED"
    FAILED = "TASK_FAILED"


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    credits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Spendable balance; every change is also a CreditEntry row (the ledger)."""
    webhook_secret: Mapped[str] = mapped_column(String(100))
    """Standard Webhooks signing secret, `whsec_` + base64. Needed to sign, so stored as is."""


class Credential(Base):
    """One key set of an account: a JWT access/secret pair and an opaque API key."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    access_key: Mapped[str] = mapped_column(String(64), unique=True)
    secret_key: Mapped[str] = mapped_column(String(128))
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_key_prefix: Mapped[str] = mapped_column(String(16))
    """First characters of the opaque key, so an operator can tell keys apart."""
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_account_created", "account_id", "created_at"),
        Index("ix_tasks_status_lease", "status", "lease_expires_at"),
        # Create counts the account's active tasks: on (account_id, created_at) that count read
        # every task the account ever had (a create took 9 ms after 40000 of them, 2 ms after none).
        Index("ix_tasks_account_status", "account_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))

    # Request fields, as accepted.
    model_name: Mapped[str] = mapped_column(String(100))
    image_url: Mapped[str] = mapped_column(Text)
    prompt: Mapped[str | None] = mapped_column(Text)
    negative_prompt: Mapped[str | None] = mapped_column(Text)
    resolution: Mapped[str] = mapped_column(String(8))
    duration: Mapped[int] = mapped_column(Integer)
    fps: Mapped[int] = mapped_column(Integer)
    cfg_scale: Mapped[float] = mapped_column(Float)
    enhance_prompt: Mapped[bool] = mapped_column(Boolean)
    generate_audio: Mapped[bool] = mapped_column(Boolean)
    audio_prompt: Mapped[str | None] = mapped_column(Text)
    callback_url: Mapped[str | None] = mapped_column(Text)
    seed: Mapped[int] = mapped_column(BigInteger)
    """The seed actually used (chosen by the server when the request had none)."""
    seed_requested: Mapped[bool] = mapped_column(Boolean)
    enable_moderation: Mapped[bool] = mapped_column(Boolean)

    # Outcome.
    status: Mapped[str] = mapped_column(String(20), default=TaskStatus.PENDING.value)
    message: Mapped[str] = mapped_column(Text, default="Task is queued.")
    failure_code: Mapped[int | None] = mapped_column(Integer)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    video_key: Mapped[str | None] = mapped_column(String(200))
    enhanced_prompt: Mapped[str | None] = mapped_column(Text)
    plan: Mapped[dict | None] = mapped_column(JSON)
    notes: Mapped[list | None] = mapped_column(JSON)
    """What the prompt asked for that the engine does not render, and why; set once it has planned."""
    engine: Mapped[str | None] = mapped_column(String(100))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    """When what a client reads of the task last changed (status, progress, result); sending its
    message again changes nothing a client reads, so it leaves this alone."""
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When its message was last sent by a reclaim sweep or a hand-back (None: only at create);
    a task pending this long without a claim may have lost its message and is sent again."""
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Lease: who runs it and until when; a crashed worker's task is reclaimed after expiry.
    worker_id: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    # Credits and control.
    credits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Credits reserved at create (0 when credits are off)."""
    credit_state: Mapped[str | None] = mapped_column(String(10))
    """CreditState while credits are on: moves from reserved to charged or refunded exactly once."""
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the retention sweeper deletes the video (set on success when retention is on)."""
    video_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CreditState(str, enum.Enum):
    RESERVED = "reserved"
    CHARGED = "charged"
    REFUNDED = "refunded"


class CreditReason(str, enum.Enum):
    GRANT = "grant"
    RESERVE = "reserve"
    CHARGE = "charge"
    REFUND = "refund"


class CreditEntry(Base):
    """One change of an account's balance. A task has at most one row per reason, so a
    reservation, charge or refund can never be written twice even if the code tried."""

    __tablename__ = "credit_ledger"
    __table_args__ = (
        UniqueConstraint("task_id", "reason", name="uq_credit_ledger_task_reason"),
        Index("ix_credit_ledger_account_created", "account_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(10))
    task_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id"))
    balance_after: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyKey(Base):
    """An `Idempotency-Key` a create request carried: the same key replays the same task."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("account_id", "key", name="uq_idempotency_account_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class WebhookDelivery(Base):
    """The callback of one finished task. Written in the same transaction that finishes the
    task (an outbox), so a crash can never finish a task and lose its webhook."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    """The `webhook-id` header: the same on every attempt, so receivers can deduplicate."""
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    """The exact JSON bytes sent (and signed) on every attempt."""
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
