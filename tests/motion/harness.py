"""Building requests and running renders in tests."""

from __future__ import annotations

import numpy as np

from stillmotion.engines.base import RenderRequest
from stillmotion.pipeline.context import TaskContext


def request_for(
    image: np.ndarray,
    *,
    frames: int = 12,
    fps: int = 12,
    seed: int = 1,
    prompt: str = "",
    negative: str = "",
    cfg_scale: float = 7.0,
) -> RenderRequest:
    return RenderRequest(
        image=image, prompt=prompt, negative_prompt=negative, cfg_scale=cfg_scale, seed=seed, num_frames=frames, fps=fps
    )


def render_all(prepared) -> list[np.ndarray]:
    return list(prepared.frames(TaskContext()))
