"""What one served diffusion model is: a family, a weights directory and its switches.

Settings map a model name to a `DiffusionSpec` (JSON in the environment, see
`docs/diffusion.md`). The spec is plain data, so it can be validated and shown
without importing torch: the server checks every configured spec at start and
reports a bad one as not-ready before any task reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

Family = Literal["wan", "ltx", "cogvideox"]
FAMILIES: tuple[Family, ...] = ("wan", "ltx", "cogvideox")

Dtype = Literal["bfloat16", "float16", "float32"]
CacheKind = Literal["first_block", "taylorseer", "faster", "pab", "mag"]
Compile = Literal["none", "regional", "full"]
Offload = Literal["none", "model", "sequential", "group"]


@dataclass(frozen=True)
class CacheOptions:
    """A diffusers cache hook on the denoiser. `params` go to its config class verbatim,
    e.g. {"threshold": 0.05} for first-block cache: the quality threshold is the knob."""

    kind: CacheKind = "first_block"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoraOptions:
    """A LoRA (typically a step-and-CFG distillation) loaded from a local file and fused."""

    path: Path
    scale: float = 1.0


@dataclass(frozen=True)
class SpeedOptions:
    """Each switch is measured by `bench/diffusion.py`; defaults are the safe stock setting."""

    dtype: Dtype = "bfloat16"
    device: str = "auto"
    """"auto" picks cuda when available, else cpu."""
    attention_backend: str | None = None
    """A diffusers attention backend ("native", "flash", "_flash_3", "sage", "_native_cudnn"...);
    None keeps PyTorch SDPA. Hub-kernel backends are refused: nothing is downloaded at run time."""
    cache: CacheOptions | None = None
    cfg_batch: bool = False
    """Run the conditional and unconditional passes as one batch of two (Wan; LTX and
    CogVideoX pipelines batch CFG already)."""
    vae_tiling: bool = False
    vae_slicing: bool = False
    compile: Compile = "none"
    offload: Offload = "none"
    lora: LoraOptions | None = None


@dataclass(frozen=True)
class DiffusionSpec:
    """One model name's engine configuration. Unset generation fields take the family default."""

    name: str
    family: Family
    weights_dir: Path
    steps: int | None = None
    guidance_scale: float | None = None
    """Fixed guidance (e.g. 1.0 for CFG-distilled weights). None: derived from the request's cfg_scale."""
    native_size: tuple[int, int] | None = None
    """Largest (width, height) generated; its area bounds the size chosen per aspect bucket."""
    native_fps: float | None = None
    max_frames: int | None = None
    max_sequence_length: int | None = None
    pipeline_class: str | None = None
    """Override the pipeline class, e.g. "LTXConditionPipeline" for LTX-Video 0.9.5+."""
    pipeline_kwargs: dict[str, Any] = field(default_factory=dict)
    """Extra keyword arguments for every pipeline call (e.g. decode_timestep, timesteps)."""
    speed: SpeedOptions = field(default_factory=SpeedOptions)

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> DiffusionSpec:
        """Build from the JSON shape in `docs/diffusion.md`; unknown keys raise so typos surface at start."""
        data = dict(data)
        data.pop("engine", None)
        speed_data = dict(data.pop("speed", {}) or {})
        _reject_unknown(speed_data, SpeedOptions, "speed")
        cache = speed_data.pop("cache", None)
        if isinstance(cache, str):
            cache = {"kind": cache}
        lora = speed_data.pop("lora", None)
        if isinstance(lora, str):
            lora = {"path": lora}
        speed = SpeedOptions(
            **speed_data,
            cache=CacheOptions(**cache) if cache else None,
            lora=LoraOptions(path=Path(lora["path"]), scale=float(lora.get("scale", 1.0))) if lora else None,
        )
        _reject_unknown(data, cls, "model")
        family = data.pop("family")
        if family not in FAMILIES:
            raise ValueError(f"model {name!r}: family must be one of {', '.join(FAMILIES)}, got {family!r}")
        native_size = data.pop("native_size", None)
        return cls(
            name=name,
            family=family,
            weights_dir=Path(data.pop("weights_dir")),
            native_size=(int(native_size[0]), int(native_size[1])) if native_size else None,
            speed=speed,
            **data,
        )


def _reject_unknown(data: dict[str, Any], kind: type, where: str) -> None:
    known = {f.name for f in fields(kind)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {where} option(s): {', '.join(unknown)}")
