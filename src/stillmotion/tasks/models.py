"""The store's tables. Task rows are the source of truth in both deployment modes.

Credentials live in their own table, apart from task data: opaque API keys are
stored only as SHA-256 digests (they are high-entropy, so a fast hash is enough),
while JWT secret keys must stay usable to verify signatures and are kept as is.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timezone

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
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

    @property
    def terminal(self) -> bool:
        return self in (TaskStatus.SUCCEEDED, TaskStatus.FAILED)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
    engine: Mapped[str | None] = mapped_column(String(100))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Lease: who runs it and until when; a crashed worker's task is reclaimed after expiry.
    worker_id: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
