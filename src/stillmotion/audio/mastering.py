"""The last steps every track goes through, whichever backend made it.

A camera push-in swells the bed; a loop folds its tail into its head, a clip
fades its edges; loudness goes to the target under the true-peak ceiling.
"""

from __future__ import annotations

import numpy as np

from stillmotion.audio.control import Timeline, frames_to_samples
from stillmotion.audio.cues import AudioCues
from stillmotion.audio.dsp import SAMPLE_RATE
from stillmotion.audio.edges import fade_edges, fold_loop, loop_tail_samples
from stillmotion.audio.loudness import normalize

CAMERA_SWELL = 0.4
"""Gain added at a full camera push-in (1.4x ≈ +3 dB): the bed swells as the view moves in."""


def output_samples(num_frames: int, fps: int) -> int:
    """Samples in exactly num_frames / fps seconds at 48 kHz."""
    if num_frames <= 0 or fps <= 0:
        raise ValueError("num_frames and fps must be positive")
    return round(num_frames * SAMPLE_RATE / fps)


def timeline_for(num_frames: int, fps: int, cues: AudioCues | None) -> Timeline:
    """The output length, plus the tail a looping video's bed renders to crossfade into its start."""
    samples = output_samples(num_frames, fps)
    loop = cues is not None and cues.loop
    return Timeline(samples, samples + (loop_tail_samples(samples) if loop else 0), fps, loop)


def master(mix: np.ndarray, timeline: Timeline, cues: AudioCues | None, target_lufs: float) -> np.ndarray:
    """(timeline.rendered, 2) float64 mix → (timeline.samples, 2) float32 track, ready for the encoder."""
    if cues is not None and "camera" in cues.curves:
        mix = mix * (1.0 + CAMERA_SWELL * frames_to_samples(cues.curves["camera"], timeline))[:, None]
    out = fold_loop(mix, timeline.samples) if timeline.loop else mix[: timeline.samples]
    out = normalize(out, target_lufs, loop=timeline.loop)
    if not timeline.loop:
        out = fade_edges(out)
    return np.clip(out, -1.0, 1.0).astype(np.float32)
