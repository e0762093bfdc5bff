"""One exception hierarchy for everything the SDK can raise.

    ClientError
    ├── APIError                 the server answered an error envelope (`code`, `message`, `http_status`)
    │   ├── ValidationError      1000, `field` names the rejected field when the message does
    │   ├── ImageRejected        1001
    │   ├── ModerationRefused    1002
    │   ├── RequestTooLarge      1003
    │   ├── AuthError            1100, 1101
    │   ├── NotFound             1200
    │   ├── NotCancellable       1201
    │   ├── IdempotencyConflict  1202
    │   ├── InsufficientCredits  1302
    │   ├── RateLimited          1303, `retry_after` seconds
    │   ├── ServerError          5000, 5005
    │   └── ServiceUnavailable   5001, `retry_after` seconds
    ├── TaskFailed               the task ended TASK_FAILED: `failure_code`, `message`, `task`
    ├── WaitTimeout              wait() ran past its deadline (also a TimeoutError)
    ├── TransportError           the server could not be reached or the connection broke
    └── WebhookVerificationError a callback's signature or timestamp does not check out

Catch `ClientError` for "anything went wrong", a subclass for one case. Codes are the
API's documented codes (SPEC "Codes"), so a message in a log can be matched to the docs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stillmotion.client.state import TaskState

# Create fields and list parameters a 1000 message can name. The server's messages start with
# the field ("Duration must be between 1 and 6 seconds.", "Please provide resolution ...").
_FIELDS = (
    "model_name", "image_url", "negative_prompt", "audio_prompt", "prompt", "resolution", "duration", "fps",
    "cfg_scale", "enhance_prompt", "generate_audio", "callback_url", "seed", "enable_moderation",
    "idempotency_key", "status", "cursor", "limit",
)  # fmt: skip
_FIELD_PATTERN = re.compile(r"\b(" + "|".join(_FIELDS) + r")\b", re.IGNORECASE)


class ClientError(Exception):
    """Base of every error the SDK raises."""


class APIError(ClientError):
    """The server answered `{"code": ..., "message": ...}` with a code other than 200."""

    def __init__(self, code: int, message: str, http_status: int, retry_after: float | None = None) -> None:
        self.code = code
        self.message = message
        self.http_status = http_status
        self.retry_after = retry_after
        super().__init__(f"{code}: {message}")


class ValidationError(APIError):
    """1000: a request field is missing or breaks its rule; `field` names it (None if unnamed)."""

    def __init__(self, code: int, message: str, http_status: int, retry_after: float | None = None) -> None:
        super().__init__(code, message, http_status, retry_after)
        self.field = field_named_in(message)


class ImageRejected(APIError):
    """1001: the image could not be fetched or decoded, or breaks an image rule."""


class ModerationRefused(APIError):
    """1002: moderation refused a prompt."""


class RequestTooLarge(APIError):
    """1003: the request body is over the server's limit."""


class AuthError(APIError):
    """1100 (missing or malformed header) or 1101 (invalid, expired or unknown token)."""


class NotFound(APIError):
    """1200: no such task, or not this account's."""


class NotCancellable(APIError):
    """1201: the task has already ended."""


class IdempotencyConflict(APIError):
    """1202: the Idempotency-Key was used before with a different request."""


class InsufficientCredits(APIError):
    """1302: the account's balance does not cover the task."""


class RateLimited(APIError):
    """1303: too many requests or active tasks; `retry_after` says how long to wait (seconds)."""


class ServerError(APIError):
    """5000: an internal error on the server (its message carries a request id); 5005: storage refused a write."""


class ServiceUnavailable(APIError):
    """5001: queue full or engines not loaded; `retry_after` says how long to wait (seconds)."""


_BY_CODE: dict[int, type[APIError]] = {
    1000: ValidationError,
    1001: ImageRejected,
    1002: ModerationRefused,
    1003: RequestTooLarge,
    1100: AuthError,
    1101: AuthError,
    1200: NotFound,
    1201: NotCancellable,
    1202: IdempotencyConflict,
    1302: InsufficientCredits,
    1303: RateLimited,
    5000: ServerError,
    5005: ServerError,
    5001: ServiceUnavailable,
}


def api_error(code: int, message: str, http_status: int, retry_after: float | None = None) -> APIError:
    """The typed error for a code; `APIError` itself for codes this SDK does not know."""
    return _BY_CODE.get(code, APIError)(code, message, http_status, retry_after)


def field_named_in(message: str) -> str | None:
    """The first request field a validation message names, or None."""
    match = _FIELD_PATTERN.search(message)
    return match.group(1).lower() if match else None


class TaskFailed(ClientError):
    """The task ended TASK_FAILED. `failure_code`: 1001 image, 1002 moderation, 5002 engine,
    5003 cancelled, 5004 timed out, 5005 storage, 5006 motion not rendered (strict mode; the
    message is the notes). None if the server does not report one."""

    def __init__(self, task: TaskState) -> None:
        self.task = task
        self.task_id = task.id
        self.failure_code = task.failure_code
        self.message = task.message
        self.cancelled = task.cancelled
        super().__init__(f"task {task.id} failed" + (f" ({task.failure_code})" if task.failure_code else "")
                         + f": {task.message}")  # fmt: skip


class WaitTimeout(ClientError, TimeoutError):
    """wait() reached its deadline before the task ended; `task` is its last known state."""

    def __init__(self, task: TaskState, timeout: float) -> None:
        self.task = task
        self.timeout = timeout
        super().__init__(f"task {task.id} still {task.status} after {timeout:g} s")


class TransportError(ClientError):
    """The request never got an answer: connection refused, DNS, TLS, timeout, broken stream."""

    def __init__(self, message: str, cause: Any = None) -> None:
        super().__init__(message)
        self.__cause__ = cause


class WebhookVerificationError(ClientError):
    """A callback's headers are missing, its timestamp is too old or new, or no signature matches."""
