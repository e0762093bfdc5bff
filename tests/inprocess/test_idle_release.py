"""A worker gives back what its renders keep warm once it is idle (`idle_release_seconds`): the
image-moderation session stays loaded between back-to-back tasks and is dropped after the delay."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest

from stillmotion.engines.motion import prompt_paraphrase
from stillmotion.moderation import image as image_moderation
from tests.inprocess.test_task_runner import worker_factory  # noqa: F401 (the fixture)


async def test_the_moderation_model_is_released_after_the_idle_delay(
    worker_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    worker = await worker_factory(idle_release_seconds=0.5)
    caplog.set_level(logging.INFO, logger="stillmotion.worker")
    task = await worker.finish()
    assert task.status == "TASK_SUCCEEDED"
    assert image_moderation._classifier is not None, "the render checked its image: the model is loaded"
    await asyncio.sleep(0.1)
    assert image_moderation._classifier is not None, "released before the delay"
    await asyncio.sleep(1.0)
    assert image_moderation._classifier is None
    released = "idle: released the image-moderation and prompt-reading models and free memory"
    assert [r.getMessage() for r in caplog.records if r.name == "stillmotion.worker"].count(released) == 1


async def test_a_task_that_starts_within_the_delay_keeps_it(worker_factory: Callable[..., Any]) -> None:
    worker = await worker_factory(idle_release_seconds=1.0)
    await worker.finish()
    loaded = image_moderation._classifier
    await asyncio.sleep(0.5)
    await worker.runner.run("no-such-task")  # a run that ends at once restarts the idle clock
    await asyncio.sleep(0.7)  # 1.2 s after the first task, 0.7 s after the second
    assert image_moderation._classifier is loaded
    await asyncio.sleep(0.6)
    assert image_moderation._classifier is None


async def test_zero_keeps_the_model(worker_factory: Callable[..., Any]) -> None:
    worker = await worker_factory(idle_release_seconds=0)
    await worker.finish()
    await asyncio.sleep(0.3)
    assert image_moderation._classifier is not None


async def test_the_prompt_reading_model_is_released_with_it(worker_factory: Callable[..., Any]) -> None:
    worker = await worker_factory(idle_release_seconds=0.5)
    await worker.finish()
    model = prompt_paraphrase._model()  # loaded by a render whose prompt needed it, or now
    assert model is not None
    await asyncio.sleep(1.1)
    assert prompt_paraphrase._model.cache_info().currsize == 0
    assert prompt_paraphrase._model() is not model, "the next reading loads it again"
