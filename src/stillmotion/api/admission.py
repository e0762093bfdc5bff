"""The checks a create request passes before anything is stored or charged.

Kept apart from the route so the route stays a few lines and every check that
can refuse a task at create time lives in one place: the model is served, the
model can serve (5001), the texts pass moderation (1002), the image URL passes its cheap checks (1001).
"""

from __future__ import annotations

import asyncio
import logging

from stillmotion.api.schemas import CreateTaskRequest
from stillmotion.config import Settings
from stillmotion.engines.catalog import ModelCatalog, model_not_ready
from stillmotion.errors import InvalidField, ModerationRefused
from stillmotion.inputs import UploadReader, precheck_image_url
from stillmotion.moderation import check_text, load_semantic_matcher
from stillmotion.moderation.lexicon import default_lexicon

audit = logging.getLogger("stillmotion.audit")


async def admit(
    body: CreateTaskRequest, settings: Settings, models: ModelCatalog, uploads: UploadReader, account_id: int
) -> None:
    """Raise the user-facing error for the first rule the request breaks."""
    if body.model_name not in models.model_names:
        raise InvalidField(f"model_name must be one of: {', '.join(models.model_names)}.", field="model_name")
    if models.refuses(body.model_name):
        raise model_not_ready(body.model_name)
    if body.enable_moderation or settings.moderation_required:
        await moderate_texts(body, settings, account_id)
    await precheck_image_url(body.image_url, settings, uploads)


def warm_up(settings: Settings) -> None:
    """Compile the lexicon and load the semantic model before the first request, not during it."""
    default_lexicon()
    if settings.moderation_semantic:
        load_semantic_matcher()


async def moderate_texts(body: CreateTaskRequest, settings: Settings, account_id: int) -> None:
    """Refuse with 1002. The audit line names account and category, never the words."""
    fields = {"prompt": body.prompt, "negative_prompt": body.negative_prompt, "audio_prompt": body.audio_prompt}
    if not any(fields.values()):
        return  # no text to read: not worth a trip to a worker thread

    def check() -> None:
        semantic = load_semantic_matcher() if settings.moderation_semantic else None
        check_text(fields, semantic=semantic)

    try:
        await asyncio.to_thread(check)  # the first call compiles the lexicon (~1 s)
    except ModerationRefused as refusal:
        audit.warning("moderation refused a create request: account=%s reason=%r", account_id, refusal.message)
        raise
