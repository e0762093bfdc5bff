"""Which audio backend a worker uses, chosen once from the settings.

audio = load_audio_backend(settings)        # at worker start: loads weights once
samples = audio(prompt, audio_prompt, cues, num_frames=..., fps=..., seed=...)
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from stillmotion.audio.cues import AudioCues
from stillmotion.config import Settings


class AudioBackend(Protocol):
    """What the render chain calls: `synthesize_audio` and `DiffusersAudio` both answer it."""

    def __call__(
        self,
        prompt: str,
        audio_prompt: str | None,
        cues: AudioCues | None,
        *,
        num_frames: int,
        fps: int,
        seed: int,
        target_lufs: float = ...,
    ) -> np.ndarray: ...


def load_audio_backend(settings: Settings) -> AudioBackend:
    """`procedural` (default, CPU, no weights) or `diffusers` (a Stable Audio Open directory, GPU)."""
    if settings.audio_backend == "procedural":
        from stillmotion.audio.synthesis import synthesize_audio  # scipy.signal: imported on first use

        return synthesize_audio
    if settings.audio_model_dir is None:
        raise ValueError("audio_backend 'diffusers' needs audio_model_dir (a local Stable Audio Open directory)")
    from stillmotion.audio.diffusers_model import DiffusersAudio  # torch only when asked for

    return DiffusersAudio(
        settings.audio_model_dir,
        device=settings.audio_model_device,
        dtype=settings.audio_model_dtype,
        steps=settings.audio_model_steps,
    )
