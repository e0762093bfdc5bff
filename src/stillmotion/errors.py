"""One exception type per user-facing code.

Raise these anywhere (API, pipeline, engines); the API renders them into the
`{"code", "message", "data"}` envelope in one place, and the pipeline records a
failed task's `failure_code` from them. Messages are shown to users: say what
was wrong, never echo secrets or stack traces.
"""

from __future__ import annotations


class StillmotionError(Exception):
    """Base of every error that maps to a documented code."""

    http_status: int = 500
    code: int = 5000
    default_message: str = "Internal error."

    def __init__(self, message: str | None = None, *, retry_after: int | None = None) -> None:
        self.message = message or self.default_message
        self.retry_after = retry_after
        super().__init__(self.message)


class InvalidField(StillmotionError):
    """A request field is missing or breaks its rule; the message names the field."""

    http_status, code = 400, 1000
    default_message = "Invalid request."

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        """`field`: the request field at fault, when one is (the OpenAI face reports it as `param`)."""
        super().__init__(message)
        self.field = field


class ImageRejected(StillmotionError):
    """The image could not be fetched or decoded, or breaks an image rule."""

    http_status, code = 400, 1001
    default_message = "The image could not be used."


class ModerationRefused(StillmotionError):
    """Moderation refused the prompt, negative prompt or audio prompt (or, in the worker, the image)."""

    http_status, code = 400, 1002
    default_message = "The request was refused by content moderation."


class BodyTooLarge(StillmotionError):
    """The request body is larger than STILLMOTION_MAX_BODY_BYTES."""

    http_status, code = 413, 1003
    default_message = "Request body too large."


class HeadersTooLarge(StillmotionError):
    """Extension: the request's headers together exceed the server's limit."""

    http_status, code = 431, 1003
    default_message = "Request headers too large."


class MissingAuthorization(StillmotionError):
    """No `Authorization: Bearer <token>` header, or a malformed one."""

    http_status, code = 401, 1100
    default_message = "Missing or malformed Authorization header."


class InvalidToken(StillmotionError):
    """The token is invalid, expired or not yet valid, or the key is unknown or revoked."""

    http_status, code = 401, 1101
    default_message = "Invalid or expired token."


class TaskNotFound(StillmotionError):
    """No such task for this account (another account's task answers the same)."""

    http_status, code = 404, 1200
    default_message = "Task not found."


class TaskNotCancellable(StillmotionError):
    """The task has already ended."""

    http_status, code = 409, 1201
    default_message = "Task can no longer be cancelled."


class IdempotencyConflict(StillmotionError):
    """Extension: the same Idempotency-Key came back with a different request body."""

    http_status, code = 409, 1202
    default_message = "Idempotency-Key was already used with a different request."


class InsufficientCredits(StillmotionError):
    """The account's balance is below the task's cost."""

    http_status, code = 403, 1302
    default_message = "Insufficient credit package."


class RateLimited(StillmotionError):
    """Too many requests for the account this minute; Retry-After says when to come back."""

    http_status, code = 429, 1303
    default_message = "Rate limit exceeded."


class NotReady(StillmotionError):
    """The task queue is full or the engines are still loading; Retry-After says when to come back."""

    http_status, code = 503, 5001
    default_message = "Service not ready."


class TaskFailure(StillmotionError):
    """A failure code recorded on a failed task; never an HTTP answer by itself (the code table in
    docs/api.md lists these apart, and tests/hostile/test_code_table.py holds it to that)."""


class EngineFailure(TaskFailure):
    """The engine failed while rendering."""

    code = 5002
    default_message = "Video generation failed."


class TaskCancelled(TaskFailure):
    """The client cancelled the task."""

    code = 5003
    default_message = "Task was cancelled."


class TaskTimedOut(TaskFailure):
    """The task did not finish within its time limit or its attempts."""

    code = 5004
    default_message = "Task timed out."


class StorageFailure(TaskFailure):
    """The video (or an upload) could not be stored: a read-only folder, a full disk, a missing
    bucket. Nothing partial is left behind, and a failed task's credits are refunded."""

    code = 5005
    default_message = "Video generation failed because the video could not be stored."


class MotionNotRendered(TaskFailure):
    """`motion_strict`: the prompt asked for motion the engine will not render; the message
    is the task's notes, and no video is made in its place."""

    code = 5006
    default_message = "The prompt asks for motion this engine does not render."
