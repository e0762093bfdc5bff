"""The checks a create request passes before anything is stored or charged.

Kept apart from the route so the route stays a few lines and every check that
can refuse a task at create time lives in one place: the model is served, the
image URL passes its cheap checks (code 1001).
"""

from __future__ import annotations

from stillmotion.api.schemas import CreateTaskRequest
from stillmotion.config import Settings
from stillmotion.engines.registry import EngineRegistry
from stillmotion.errors import InvalidField
from stillmotion.inputs import precheck_image_url


async def admit(body: CreateTaskRequest, settings: Settings, engines: EngineRegistry) -> None:
    """Raise the user-facing error for the first rule the request breaks."""
    if body.model_name not in engines.model_names:
        raise InvalidField(f"model_name must be one of: {', '.join(engines.model_names)}.")
    await precheck_image_url(body.image_url, settings)
