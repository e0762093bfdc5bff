"""Sound for `generate_audio`: procedural ambience, synchronised with the picture.

`synthesize_audio` is the default (CPU, no weights); `load_audio_backend`
picks it or the diffusers audio model from the settings. `describe_audio`
says which layers a task gets and why.

The names below load on first use (PEP 562): engines import `stillmotion.audio.cues` for
their plans, and that must not pull scipy.signal into a process that makes no sound.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stillmotion.audio.cues import AudioCues
    from stillmotion.audio.dsp import SAMPLE_RATE
    from stillmotion.audio.mastering import output_samples
    from stillmotion.audio.selection import LayerChoice
    from stillmotion.audio.synthesis import describe_audio, synthesize_audio

_HOMES = {
    "AudioCues": "stillmotion.audio.cues",
    "SAMPLE_RATE": "stillmotion.audio.dsp",
    "output_samples": "stillmotion.audio.mastering",
    "LayerChoice": "stillmotion.audio.selection",
    "describe_audio": "stillmotion.audio.synthesis",
    "synthesize_audio": "stillmotion.audio.synthesis",
}

__all__ = ["SAMPLE_RATE", "AudioCues", "LayerChoice", "describe_audio", "output_samples", "synthesize_audio"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
