"""One settings object, read from the environment (prefix STILLMOTION_) and `.env`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


_DEFAULT_MODELS: dict[str, str | dict[str, Any]] = {"bach-1.0-preview": "motion"}


@dataclass(frozen=True)
class EncoderSettings:
    crf: int
    preset: str
    threads: int
    motion_search: str = ""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STILLMOTION_", env_file=".env", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str | None = None
    """Default: SQLite file `stillmotion.db` in the data directory; `postgresql+asyncpg://...` for PostgreSQL."""
    database_pool_size: int = Field(default=10, ge=1)
    """PostgreSQL connections each process keeps open (SQLAlchemy's pool; ignored for SQLite)."""
    database_max_overflow: int = Field(default=10, ge=0)
    """Extra PostgreSQL connections a process may open for a burst, closed again when returned."""

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    """Base of `video_url` and upload URLs; default http://{host}:{port}."""

    fetch_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Hostnames, IPs or CIDRs the fetcher may reach despite the private-address rule."""
    fetch_connect_timeout: float = 5.0
    fetch_read_timeout: float = 15.0
    fetch_total_timeout: float = 60.0

    models: dict[str, str | dict[str, Any]] = Field(default_factory=lambda: dict(_DEFAULT_MODELS))
    """Model name -> "motion" or a diffusion spec dict (JSON in the environment; docs/diffusion.md)."""

    # Roles and their services (docs/deploy.md). Embedded: one process runs the API and the worker.
    executor: Literal["local", "celery"] = "local"
    """local: tasks run in the `serve` process. celery: `serve` only enqueues; `stillmotion worker` runs them."""
    broker_url: str = "redis://127.0.0.1:6379/0"
    """The Celery broker (executor `celery`)."""
    queue_prefix: str = "stillmotion"
    """Celery queue names are `{queue_prefix}.{model name}`: two deployments can share one broker."""
    storage: Literal["local", "s3"] = "local"
    """local: the data directory, served by the API. s3: a bucket (docs/deploy.md)."""

    workers: int = Field(default=1, ge=1, le=64)

    lease_seconds: float = Field(default=30.0, gt=0)
    """A running task's lease; renewed while it runs, reclaimed after a crash once expired."""
    max_attempts: int = Field(default=2, ge=1)
    shutdown_grace_seconds: float = Field(default=15.0, ge=0)
    """On SIGTERM a worker (or the embedded server) takes no new task and lets running ones finish
    this long; then it hands them back to the queue without using up an attempt (0: at once)."""
    redispatch_seconds: float = Field(default=120.0, gt=0)
    """A task pending this long is sent to the executor again: a message lost with a broker that
    restarted without persistence, or never sent because the broker was down, is not lost work."""
    task_timeout_seconds: float = Field(default=1800.0, gt=0)

    max_body_bytes: int = 16 * 1024 * 1024
    """JSON bodies: a 10 MB image as a base64 data URL is ~13.4 MB."""

    motion_strict: bool = False
    """When true, a task whose prompt asks for motion the engine will not render (a subject's
    action, a region the photo lacks, a pull-out, motion too faint to see) fails with 5006 and
    its notes as the message, instead of rendering what it can."""
    engine_threads: int = Field(default=0, ge=0)
    """OpenCV threads per render; 0 lets OpenCV choose."""
    render_niceness: int = Field(default=10, ge=0, le=19)
    """How much lower the OS priority of a worker's render threads (and the OpenCV and x264 threads
    they start) is than the process's: in embedded mode the API answers first while a render runs."""
    idle_release_seconds: float = Field(default=15.0, ge=0)
    """After this long with no render running, a worker drops the image-moderation model its
    renders loaded (an ONNX session, ~100 MB) and returns freed memory to the OS, so an idle server
    settles back near its start-up size; the next task loads it again (~0.3 s). 0 keeps it."""
    encoder_threads: int = Field(default=2, ge=1)
    """Fixed so that the same seed gives the same bytes on any machine."""
    encoder_crf: int = Field(default=18, ge=0, le=51)
    encoder_preset: str = "veryfast"
    encoder_motion_search: Literal["", "dia", "hex", "umh"] = "dia"
    """x264's motion search in place of the preset's ("": the preset's own; veryfast's is hex). The
    diamond search costs x264 6-11% less CPU on the motion engine's clips (most in rain, whose
    streaks no search can follow) at the same CRF, with SSIM within 0.00003 and size within 1%
    of hex (docs/motion.md, "Known limits"); on content that moves far and irregularly it finds worse vectors,
    which at a fixed CRF costs size rather than quality."""

    # Moderation of texts (at create) and the input image (in the worker).
    moderation_required: bool = False
    """When true, a request's `enable_moderation: false` is ignored."""
    moderation_image_threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    """NSFW score at or above which an input image is refused (open_nsfw's "highly probable")."""
    moderation_semantic: bool = True
    """Also match paraphrases with the MiniLM model when the `moderation-semantic` extra is installed."""

    # Prompt enhancement through an OpenAI-compatible chat-completions endpoint (off when unset).
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = Field(default=10.0, gt=0)

    # Sound for generate_audio: procedural synthesis (CPU) or a diffusers audio model from local weights.
    audio_backend: Literal["procedural", "diffusers"] = "procedural"
    audio_model_dir: Path | None = None
    audio_model_device: str = "auto"
    audio_model_dtype: str = "float16"
    audio_model_steps: int = Field(default=100, ge=1)

    # S3-compatible bucket for videos and uploads (STILLMOTION_STORAGE=s3; the `s3` extra). Credentials:
    # boto3's chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role).
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    """Any S3-compatible store (MinIO, Ceph, R2...); None: AWS S3."""
    s3_region: str | None = None
    """None: boto3's default (AWS_DEFAULT_REGION)."""
    s3_prefix: str = ""
    """Put before every object name (e.g. `prod/`), so several deployments can share a bucket."""
    s3_public_base_url: str | None = None
    """A CDN (or public bucket) in front of the bucket: video URLs are `{base}/{object name}`.
    None: presigned GET URLs."""
    s3_url_expiry_seconds: int = Field(default=24 * 3600, ge=1, le=7 * 24 * 3600)
    """Lifetime of presigned URLs (S3 allows at most 7 days)."""
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    """`path` for stores without per-bucket host names (a MinIO on one host name)."""
    s3_multipart_chunk_mb: int = Field(default=8, ge=5)
    """Videos above this are sent in parts of this size (S3's minimum part is 5 MB)."""

    bootstrap_account: str = "default"
    """`serve` creates this account with a key on first start when no account exists."""

    log_level: str = "INFO"
    """Level of the service's own logs and uvicorn's: DEBUG, INFO, WARNING, ERROR."""
    log_format: Literal["text", "json"] = "text"
    """`json`: one JSON object per line (task events carry `event`, `task_id`, `code`...)."""

    # Credits, webhooks, task control and limits (issue 3).
    credits_enabled: bool = True
    """Off for a private deployment: nothing is reserved, charged or refused for credits."""
    new_account_credits: int = Field(default=100, ge=0)
    """Granted to an account that `keys create` makes without --credits."""
    bootstrap_credits: int = Field(default=1000, ge=0)
    """Granted to the account `serve` creates on first start: enough to try it at once."""
    webhook_backoff_seconds: float = Field(default=10.0, gt=0)
    """Wait before retry n (1..3) is base * 2**(n-1): 10, 20, 40 s, all done in ~1.5 min."""
    webhook_poll_seconds: float = Field(default=0.5, gt=0)
    """How often the delivery loop looks for due deliveries (also the delay of a first attempt)."""
    video_retention_hours: float | None = Field(default=None, gt=0)
    """Delete a succeeded task's video this long after it finished; None keeps videos forever."""
    housekeeping_seconds: float = Field(default=60.0, gt=0)
    """Period of the sweeper that deletes expired videos and forgets old idempotency keys."""
    rate_limit_per_minute: int = Field(default=600, ge=0)
    """Authenticated requests per account per minute (0: no limit). Polling clients count too."""
    rate_limit_storage: str = "async+memory://"
    """Where the counts live: this process (`async+memory://`), or a `limits` storage URI such as
    async+redis://host:6379 to share them between API processes."""
    auth_cache_seconds: float = Field(default=5.0, ge=0)
    """How long the API keeps the account a key resolved to, and a JWT it verified (0: look every
    key up and verify every token). A key revoked with `stillmotion keys revoke` stops working on
    every API process within this many seconds."""
    max_active_tasks: int = Field(default=20, ge=0)
    """Pending + processing tasks per account (0: no limit)."""
    max_queued_tasks: int = Field(default=1000, ge=0)
    """Pending tasks over all accounts before create answers 503 (0: unbounded)."""

    @field_validator("models")
    @classmethod
    def _bach_is_always_served(cls, value: dict[str, str | dict[str, Any]]) -> dict[str, str | dict[str, Any]]:
        # SPEC: `bach-1.0-preview` is always accepted; it keeps the motion engine unless remapped.
        return {**_DEFAULT_MODELS, **value}

    @field_validator("fetch_allow", mode="before")
    @classmethod
    def _parse_allow(cls, value: object) -> object:
        return _split_csv(value)

    @property
    def encoder(self) -> EncoderSettings:
        return EncoderSettings(crf=self.encoder_crf, preset=self.encoder_preset, threads=self.encoder_threads,
                               motion_search=self.encoder_motion_search)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'stillmotion.db').resolve()}"

    @property
    def resolved_public_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
