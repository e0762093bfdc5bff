"""End to end with the motion engine: the sound of a rendered video follows that video.

The engine's `AudioCues` come from the same seeded time functions as its frames.
For rain the picture's motion energy (mean absolute difference between frames)
rises and falls with the particle density, and so must the sound. For water
the engine's swell curve is checked (its flow field moves at a steady pace, so
the frames' motion energy does not show the swell).
"""

from __future__ import annotations

import numpy as np

from stillmotion.audio import describe_audio, synthesize_audio
from stillmotion.engines.motion.engine import MotionEngine
from tests.audio.signal_measures import correlation, frame_envelope
from tests.motion.harness import render_all, request_for
from tests.motion.scenes import dark_texture, lit_lake

FPS, FRAMES = 24, 72


def motion_energy(frames: list[np.ndarray]) -> np.ndarray:
    """Per frame, the mean absolute change from the previous frame (frame 0 repeats frame 1's)."""
    stack = np.asarray(frames, np.float32)
    energy = np.abs(np.diff(stack, axis=0)).mean(axis=(1, 2, 3))
    return np.concatenate([energy[:1], energy])


def test_rain_sound_follows_the_rain_on_screen() -> None:
    prompt = "heavy rain, static camera"
    render = MotionEngine().prepare(request_for(dark_texture(192, 108), frames=FRAMES, fps=FPS, prompt=prompt, seed=3))
    energy = motion_energy(render_all(render))
    samples = synthesize_audio(prompt, None, render.audio_cues, num_frames=FRAMES, fps=FPS, seed=3)
    assert correlation(frame_envelope(samples, FPS), energy) >= 0.5


def test_wave_sound_follows_the_engines_swell() -> None:
    prompt = "waves on the lake"
    render = MotionEngine().prepare(request_for(lit_lake(192, 108), frames=FRAMES, fps=FPS, prompt=prompt, seed=3))
    cues = render.audio_cues
    assert cues is not None
    assert [str(c) for c in describe_audio(prompt, "waves crash on the shore", cues)] == [
        "waves (from audio_prompt, +0 dB, follows the picture's water curve)"
    ]
    samples = synthesize_audio(prompt, "waves crash on the shore", cues, num_frames=FRAMES, fps=FPS, seed=3)
    assert correlation(frame_envelope(samples, FPS), cues.curves["water"]) >= 0.5
