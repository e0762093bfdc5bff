"""The sound follows the picture: its level tracks the curve of the motion that drives it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stillmotion.audio import AudioCues, synthesize_audio
from tests.audio.motion_curves import flicker, rain_ramp, swell
from tests.audio.signal_measures import correlation, envelope, frame_envelope
from tests.audio.spectrogram import write_spectrogram

FPS, FRAMES = 30, 60  # two seconds

CASES = {
    "rain": ("rain", rain_ramp(FRAMES)),
    "ocean waves": ("water", swell(FRAMES, FPS, period=1.0)),
    "campfire": ("fire", flicker(FRAMES, FPS)),
    "wind gusts": ("wind", swell(FRAMES, FPS, period=2.0)),
}


@pytest.mark.parametrize("audio_prompt", list(CASES))
@pytest.mark.parametrize("seed", [0, 1])
def test_level_follows_the_driving_curve(audio_prompt: str, seed: int, artifacts: Path) -> None:
    name, curve = CASES[audio_prompt]
    cues = AudioCues(fps=FPS, num_frames=FRAMES, curves={name: curve})
    samples = synthesize_audio("", audio_prompt, cues, num_frames=FRAMES, fps=FPS, seed=seed)
    level = frame_envelope(samples, FPS)
    if seed == 0:
        title = f"{audio_prompt!r} driven by the {name} curve (cyan), r = {correlation(level, curve):.2f}"
        write_spectrogram(samples, artifacts / f"audio-sync-{name}.png", title, curve)
    assert correlation(level, curve) >= 0.5


def test_a_different_curve_moves_the_sound_differently() -> None:
    """The flicker itself is followed, not just any wobble: a shuffled flicker no longer matches."""
    curve, other = flicker(FRAMES, FPS, seed=0), flicker(FRAMES, FPS, seed=7)
    cues = AudioCues(fps=FPS, num_frames=FRAMES, curves={"fire": curve})
    level = frame_envelope(synthesize_audio("", "fire", cues, num_frames=FRAMES, fps=FPS, seed=0), FPS)
    assert correlation(level, curve) > correlation(level, other) + 0.3


def test_a_camera_push_in_swells_the_bed() -> None:
    frames = 60
    still = AudioCues(fps=FPS, num_frames=frames, curves={"camera": np.zeros(frames)})
    push = AudioCues(fps=FPS, num_frames=frames, curves={"camera": np.linspace(0.0, 1.0, frames)})
    kwargs = {"num_frames": frames, "fps": FPS, "seed": 4}
    flat = envelope(synthesize_audio("", "waterfall", still, **kwargs), 0.5)
    swelling = envelope(synthesize_audio("", "waterfall", push, **kwargs), 0.5)
    # same noise, same loudness overall: the push moves level from the start to the end
    assert swelling[-1] / swelling[0] > 1.2 * flat[-1] / flat[0]


def test_the_plan_elements_choose_and_drive_without_words() -> None:
    """A rain plan with an empty audio prompt and a prompt that says nothing of sound gets rain that follows it."""
    curve = rain_ramp(FRAMES)
    cues = AudioCues(fps=FPS, num_frames=FRAMES, elements=frozenset({"rain"}), curves={"rain": curve})
    samples = synthesize_audio("slow zoom towards a window", None, cues, num_frames=FRAMES, fps=FPS, seed=0)
    assert correlation(frame_envelope(samples, FPS), curve) >= 0.5


def test_a_curve_the_picture_leaves_at_zero_falls_back_to_a_stand_in() -> None:
    """Engines report every curve, unmoved ones as zeros; the words still get their sound."""
    still = AudioCues(fps=FPS, num_frames=FRAMES, curves={"rain": np.zeros(FRAMES)})
    samples = synthesize_audio("", "heavy rain", still, num_frames=FRAMES, fps=FPS, seed=0)
    level = frame_envelope(samples, FPS)
    assert level[5:-5].min() > 0.3 * level.max()  # steady rain throughout, not silence
