"""The Python SDK for a stillmotion server (or any server speaking its image2video API).

    from stillmotion.client import Client

    with Client("http://127.0.0.1:8000", api_key="sm_...") as client:
        task = client.create("photo.jpg", prompt="clouds drift, slow push in", duration=3)
        task.wait()
        task.download("out.mp4")

Depends on httpx and PyJWT only: importing it loads none of the server (no numpy, OpenCV
or torch), so it is cheap in any application.
"""

from stillmotion.client.async_client import AsyncClient, AsyncTask, AsyncTasks
from stillmotion.client.errors import (
    APIError,
    AuthError,
    ClientError,
    IdempotencyConflict,
    ImageRejected,
    InsufficientCredits,
    ModerationRefused,
    NotCancellable,
    NotFound,
    RateLimited,
    RequestTooLarge,
    ServerError,
    ServiceUnavailable,
    TaskFailed,
    TransportError,
    ValidationError,
    WaitTimeout,
    WebhookVerificationError,
)
from stillmotion.client.protocol import CreateFields
from stillmotion.client.state import FAILED, PENDING, PROCESSING, SUCCEEDED, TaskState
from stillmotion.client.sync_client import Client, Task, Tasks
from stillmotion.client.webhooks import verify_webhook

__all__ = [
    "FAILED",
    "PENDING",
    "PROCESSING",
    "SUCCEEDED",
    "APIError",
    "AsyncClient",
    "AsyncTask",
    "AsyncTasks",
    "AuthError",
    "Client",
    "ClientError",
    "CreateFields",
    "IdempotencyConflict",
    "ImageRejected",
    "InsufficientCredits",
    "ModerationRefused",
    "NotCancellable",
    "NotFound",
    "RateLimited",
    "RequestTooLarge",
    "ServerError",
    "ServiceUnavailable",
    "Task",
    "TaskFailed",
    "TaskState",
    "Tasks",
    "TransportError",
    "ValidationError",
    "WaitTimeout",
    "WebhookVerificationError",
    "verify_webhook",
]
