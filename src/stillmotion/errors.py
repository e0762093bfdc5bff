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
    http_status, code = 400, 1000
    default_message = "Invalid request."


class ImageRejected(StillmotionError):
    """The image could not be fetched or decoded, or breaks an image rule."""

    http_status, code = 400, 1001
    default_message = "The image could not be used."


class ModerationRefused(StillmotionError):
    http_status, code = 400, 1002
    default_message = "The request was refused by content moderation."


class BodyTooLarge(StillmotionError):
    http_status, code = 413, 1003
    default_message = "Request body too large."


class MissingAuthorization(StillmotionError):
    http_status, code = 401, 1100
    default_message = "Missing or malformed Authorization header."


class InvalidToken(StillmotionError):
    http_status, code = 401, 1101
    default_message = "Invalid or expired token."


class TaskNotFound(StillmotionError):
    http_status, code = 404, 1200
    default_message = "Task not found."


class TaskNotCancellable(StillmotionError):
    http_status, code = 409, 1201
    default_message = "Task can no longer be cancelled."


class IdempotencyConflict(StillmotionError):
    """Extension: the same Idempotency-Key came back with a different request body."""

    http_status, code = 409, 1202
    default_message = "Idempotency-Key was already used with a different request."


class InsufficientCredits(StillmotionError):
    http_status, code = 403, 1302
    default_message = "Insufficient credit package."


class RateLimited(StillmotionError):
    http_status, code = 429, 1303
    default_message = "Rate limit exceeded."


class NotReady(StillmotionError):
    http_status, code = 503, 5001
    default_message = "Service not ready."


class StoreUnavailable(NotReady):
    """The task database cannot be reached right now (down, restarting, failing over). Nothing was
    changed: clients retry after Retry-After, workers keep rendering and write again later."""

    default_message = "The task store is unavailable; try again shortly."


# Failure codes recorded on failed tasks (never an HTTP answer by themselves).


class EngineFailure(StillmotionError):
    code = 5002
    default_message = "Video generation failed."


class TaskCancelled(StillmotionError):
    code = 5003
    default_message = "Task was cancelled."


class TaskTimedOut(StillmotionError):
    code = 5004
    default_message = "Task timed out."


class StorageFailure(StillmotionError):
    """The video (or an upload) could not be stored: a read-only folder, a full disk, a missing
    bucket. Nothing partial is left behind, and a failed task's credits are refunded."""

    code = 5005
    default_message = "Video generation failed because the video could not be stored."
