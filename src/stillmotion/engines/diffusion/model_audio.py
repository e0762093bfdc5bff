"""A model's own sound track (LTX-2, Kandinsky 6), brought to the output's rate, length and loudness.

It goes through the same mastering as the procedural and Stable Audio tracks, so every video's
audio has the same sample rate, exact length, fades and loudness target.
"""

from __future__ import annotations

from typing import Any

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


def model_track(pipe: Any, output: Any) -> tuple[np.ndarray, int] | None:
    """The first video's sound track as (channels, samples) float32 and its sample rate; None when
    the pipeline made none. LTX-2 returns a (batch, channels, samples) tensor at its vocoder's rate;
    Kandinsky 6 a (batch, samples) mono track at the audio VAE's rate (`audio_sample_rate`)."""
    audio = getattr(output, "audio", None)
    if audio is None:
        return None
    track = audio[0]
    track = np.asarray(track.float().cpu() if hasattr(track, "cpu") else track, dtype=np.float32)
    rate = getattr(pipe, "audio_sample_rate", None) or pipe.vocoder.config.output_sampling_rate
    return (track[None, :] if track.ndim == 1 else track), int(rate)
