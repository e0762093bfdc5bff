"""Audio from a text-to-audio diffusion model (Stable Audio Open) through diffusers, for GPU workers.

Load once, run many: construction reads the weights from a local directory
(never a hub: `local_files_only` and HF_HUB_OFFLINE), `__call__` generates one
track per task with the same signature as `synthesize_audio`. The model cannot
follow the picture's curves, so only the camera swell applies; the track then
goes through the same mastering (exact length, loop or fades, loudness) as the
procedural one.
"""

from __future__ import annotations

import json
import os
from math import gcd
from pathlib import Path
from typing import Any

import numpy as np
from scipy.signal import resample_poly

from stillmotion.audio.cues import AudioCues
from stillmotion.audio.dsp import SAMPLE_RATE
from stillmotion.audio.mastering import master, timeline_for
from stillmotion.audio.selection import choose_layers
from stillmotion.audio.synthesis import DEFAULT_TARGET_LUFS

SUPPORTED_PIPELINES = ("StableAudioPipeline",)
"""Stereo, variable length, ambience-capable; AudioLDM 2 (mono 16 kHz) is not wired in."""
NEGATIVE_PROMPT = "music, melody, speech, low quality, distorted"
"""An ambience bed, not a song: steer away from what these models otherwise like to make."""


def read_pipeline_class(model_dir: Path) -> str:
    """The pipeline class a weights directory holds, checked without importing torch."""
    index_path = model_dir / "model_index.json"
    try:
        class_name = json.loads(index_path.read_text()).get("_class_name")
    except (OSError, ValueError) as exc:
        raise ValueError(f"{index_path} is missing or not valid JSON") from exc
    if class_name not in SUPPORTED_PIPELINES:
        raise ValueError(f"{model_dir} holds a {class_name!r}, not one of {', '.join(SUPPORTED_PIPELINES)}")
    return str(class_name)


def model_prompt(prompt: str, audio_prompt: str | None, cues: AudioCues | None) -> str:
    """What to ask the model for: the audio prompt, else the ambience the procedural selection would pick."""
    if audio_prompt and audio_prompt.strip():
        return audio_prompt.strip()
    names = [choice.name for choice in choose_layers(prompt, None, cues) if choice.source != "bed"]
    return f"ambient sound of {', '.join(names)}, field recording" if names else "quiet ambient room tone"


def to_output_rate(audio: np.ndarray, rate: int) -> np.ndarray:
    """(channels, m) at the model's rate → (m', 2) at 48 kHz; mono is duplicated."""
    audio = np.asarray(audio, dtype=np.float64)
    audio = audio[None, :] if audio.ndim == 1 else audio
    stereo = np.repeat(audio, 2, axis=0) if audio.shape[0] == 1 else audio[:2]
    common = gcd(int(rate), SAMPLE_RATE)
    return resample_poly(stereo.T, SAMPLE_RATE // common, int(rate) // common, axis=0)


class DiffusersAudio:
    """A Stable Audio Open pipeline loaded once from `model_dir`; call it like `synthesize_audio`."""

    def __init__(
        self, model_dir: Path | str, *, device: str = "auto", dtype: str = "float16", steps: int = 100
    ) -> None:
        self.model_dir = Path(model_dir)
        read_pipeline_class(self.model_dir)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # read by huggingface_hub on first import
        import diffusers
        import torch

        from stillmotion.engines.diffusion.speed import resolve_device

        self.device = resolve_device(device)
        torch_dtype = getattr(torch, dtype) if self.device != "cpu" else torch.float32  # fp16 is GPU-only
        self.pipe: Any = diffusers.StableAudioPipeline.from_pretrained(
            self.model_dir, dtype=torch_dtype, local_files_only=True
        ).to(self.device)
        self.pipe.set_progress_bar_config(disable=True)
        self.steps = steps

    @property
    def max_seconds(self) -> float:
        """The longest clip the model makes (Stable Audio Open 1.0: 47.55 s)."""
        config = self.pipe.transformer.config
        return config.sample_size * self.pipe.vae.hop_length / self.pipe.vae.config.sampling_rate

    def __call__(
        self,
        prompt: str,
        audio_prompt: str | None,
        cues: AudioCues | None,
        *,
        num_frames: int,
        fps: int,
        seed: int,
        target_lufs: float = DEFAULT_TARGET_LUFS,
    ) -> np.ndarray:
        import torch

        timeline = timeline_for(num_frames, fps, cues)
        seconds = min(timeline.rendered / SAMPLE_RATE, self.max_seconds)
        generator = torch.Generator(device="cpu").manual_seed(seed % 2**63)
        audio = self.pipe(
            model_prompt(prompt, audio_prompt, cues),
            negative_prompt=NEGATIVE_PROMPT,
            audio_end_in_s=seconds,
            num_inference_steps=self.steps,
            generator=generator,
        ).audios[0]
        track = to_output_rate(audio.float().cpu().numpy(), self.pipe.vae.config.sampling_rate)
        return master(_fit(track, timeline.rendered), timeline, cues, target_lufs)


def _fit(track: np.ndarray, length: int) -> np.ndarray:
    """Exactly `length` samples: crop, or repeat the track when the model made less (a bed tolerates it)."""
    if track.shape[0] >= length:
        return track[:length]
    repeats = -(-length // max(track.shape[0], 1))
    return np.tile(track, (repeats, 1))[:length]
