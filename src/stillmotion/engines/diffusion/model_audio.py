"""A model's own sound track (LTX-2), brought to the output's rate, length and loudness.

It goes through the same mastering as the procedural and Stable Audio tracks, so every video's
audio has the same sample rate, exact length, fades and loudness target.
"""

from __future__ import annotations

import numpy as np

from stillmotion.audio.diffusers_model import to_output_rate
from stillmotion.audio.mastering import master, timeline_for
from stillmotion.audio.synthesis import DEFAULT_TARGET_LUFS


def master_model_audio(audio: np.ndarray, rate: int, num_frames: int, fps: int) -> np.ndarray:
    """(channels, samples) at `rate` -> (num_frames / fps seconds, 2) float32 at 48 kHz."""
    timeline = timeline_for(num_frames, fps, None)
    track = to_output_rate(audio, rate)
    if len(track) < timeline.rendered:  # a model clip a few samples short of the output's length
        track = np.pad(track, ((0, timeline.rendered - len(track)), (0, 0)))
    return master(track[: timeline.rendered].astype(np.float64), timeline, None, DEFAULT_TARGET_LUFS)
