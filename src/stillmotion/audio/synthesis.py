"""`synthesize_audio`: the procedural ambience for one video, in sync with its picture.

Steps: choose layers from the words and the motion plan; render each from its
driving curve (the picture's, or a seeded stand-in); bring each to a common
loudness and mix at its level; swell with the camera; fold a loop or fade the
edges; normalise loudness with a true-peak ceiling.
"""

from __future__ import annotations

import zlib

import numpy as np

from stillmotion.audio.control import DEFAULT_SWELL_SECONDS, LAPPING_SWELL_SECONDS, Timeline, drive_for
from stillmotion.audio.cues import AudioCues
from stillmotion.audio.layers import LAYERS, LayerInput
from stillmotion.audio.loudness import db_to_gain, integrated_loudness
from stillmotion.audio.mastering import master, timeline_for
from stillmotion.audio.selection import LayerChoice, choose_layers

DEFAULT_TARGET_LUFS = -16.0
"""The usual loudness of online video; every audio backend masters to it unless told otherwise."""
_LAYER_REFERENCE_LUFS = -23.0
"""Each layer is brought here before its relative level applies, so levels mean the same for all."""


def _rng(seed: int, purpose: str) -> np.random.Generator:
    """A generator per purpose (a layer, a curve), so adding a layer never shifts another's draws."""
    return np.random.default_rng([seed % 2**64, zlib.crc32(purpose.encode())])


def _render_layer(choice: LayerChoice, cues: AudioCues | None, seed: int, timeline: Timeline) -> np.ndarray:
    swell = LAPPING_SWELL_SECONDS if choice.name == "lake" else DEFAULT_SWELL_SECONDS
    drive = np.zeros(timeline.rendered)
    if choice.drive is not None:
        # seeded by curve, not by layer: wind and forest sway to the same stand-in gusts
        curve_rng = _rng(seed, f"curve:{choice.drive}:{swell}")
        drive = drive_for(choice.drive, cues, curve_rng, timeline, intensity=choice.intensity, swell=swell)
    layer = LAYERS[choice.name](LayerInput(_rng(seed, choice.name), timeline, drive, choice.intensity, choice.variant))
    loudness = integrated_loudness(layer)
    if not np.isfinite(loudness):
        return layer  # silent (e.g. a rain curve at zero throughout)
    return layer * db_to_gain(_LAYER_REFERENCE_LUFS - loudness + choice.level_db)


def describe_audio(prompt: str, audio_prompt: str | None, cues: AudioCues | None) -> list[LayerChoice]:
    """The layers `synthesize_audio` would mix, with their levels and why they were chosen (for logs)."""
    return choose_layers(prompt, audio_prompt, cues)


def synthesize_audio(
    prompt: str,
    audio_prompt: str | None,
    cues: AudioCues | None,
    *,
    num_frames: int,
    fps: int,
    seed: int,
    target_lufs: float = DEFAULT_TARGET_LUFS,
) -> np.ndarray:
    """Stereo float32 (n, 2) in [-1, 1] at 48 kHz, n = round(num_frames * 48000 / fps).

    The same arguments give the same samples. With `cues.loop` the end flows into the start.
    """
    timeline = timeline_for(num_frames, fps, cues)
    mix = np.zeros((timeline.rendered, 2))
    for choice in describe_audio(prompt, audio_prompt, cues):
        mix += _render_layer(choice, cues, seed, timeline)
    return master(mix, timeline, cues, target_lufs)
