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

Family = Literal["wan", "ltx", "ltx2", "hunyuanvideo15", "kandinsky6", "cogvideox"]
FAMILIES: tuple[Family, ...] = ("wan", "ltx", "ltx2", "hunyuanvideo15", "kandinsky6", "cogvideox")

Dtype = Literal["bfloat16", "float16", "float32"]
CacheKind = Literal["first_block", "taylorseer", "faster", "pab", "mag"]
Compile = Literal["none", "regional", "full"]
Offload = Literal["none", "model", "sequential", "group"]
Quantization = Literal["none", "fp8_dynamic", "fp8_weight_only", "int8_weight_only"]
Expert = Literal["high", "low"]


@dataclass(frozen=True)
class Preset:
    """A distilled checkpoint's or LoRA's recipe: what its authors run it with."""

    family: Family
    steps: int
    guidance_scale: float
    scheduler_shift: float | None


PRESETS: dict[str, Preset] = {
    # Wan 2.2 Lightning / LightX2V step-and-CFG distillation LoRAs: 4 steps, no CFG, shift 5.
    "lightning-4step": Preset("wan", 4, 1.0, 5.0),
    # LTX-2 distilled checkpoint: 8 steps, no CFG (its own schedule).
    "distilled-8step": Preset("ltx2", 8, 1.0, None),
    # HunyuanVideo-1.5 480p I2V step-distilled checkpoint: 8 steps, its CFG kept, shift 5.
    "step-distilled-8step": Preset("hunyuanvideo15", 8, 6.0, 5.0),
    # Kandinsky 6 distilled checkpoints (PiflowScheduler): 16 steps, guidance 1.0, as diffusers' docstring says.
    "distilled-16step": Preset("kandinsky6", 16, 1.0, None),
}
"""Named fast recipes a spec can take with `"preset"`; fields set explicitly in the spec win."""


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
    expert: Expert = "high"
    """Wan 2.2 A14B ships a LoRA per expert: "high" fuses into the high-noise transformer (the
    only one of other models), "low" into the low-noise `transformer_2`."""


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
    vae_tiling: bool | dict[str, float] = False
    """Decode in overlapping spatial tiles (less memory at 720p and up); a dict passes the tile
    size and stride to the VAE's `enable_tiling` (e.g. {"tile_sample_min_height": 256})."""
    compile: Compile = "none"
    offload: Offload = "none"
    quantization: Quantization = "none"
    """torchao quantisation of the denoisers' linear layers: `fp8_dynamic` (FP8 weights and
    activations, Hopper/Ada), `fp8_weight_only`, `int8_weight_only` (any GPU, and the CPU)."""


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
    preset: str | None = None
    """A name in PRESETS: its steps, guidance and shift, for fields the spec leaves unset."""
    scheduler_shift: float | None = None
    """The flow-matching scheduler's shift (`shift` or `flow_shift`); None keeps the checkpoint's."""
    lora: tuple[LoraOptions, ...] = ()
    preview: bool = False
    """Keep a small JPEG of the current latent on the task while it denoises (Wan)."""
    speed: SpeedOptions = field(default_factory=SpeedOptions)

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> DiffusionSpec:
        """Build from the JSON shape in `docs/diffusion.md`; unknown keys raise so typos surface at start."""
        data = dict(data)
        engine = data.pop("engine", "diffusion")
        if engine != "diffusion":
            raise ValueError(f"model {name!r}: engine must be 'diffusion', got {engine!r}")
        speed_data = dict(data.pop("speed", {}) or {})
        _reject_unknown(speed_data, SpeedOptions, "speed")
        cache = speed_data.pop("cache", None)
        if isinstance(cache, str):
            cache = {"kind": cache}
        speed = SpeedOptions(**speed_data, cache=CacheOptions(**cache) if cache else None)
        _reject_unknown(data, cls, "model")
        family = data.pop("family")
        if family not in FAMILIES:
            raise ValueError(f"model {name!r}: family must be one of {', '.join(FAMILIES)}, got {family!r}")
        preset_name = data.get("preset")
        if preset_name is not None:
            preset = PRESETS.get(preset_name)
            if preset is None or preset.family != family:
                known = ", ".join(key for key, value in PRESETS.items() if value.family == family) or "none"
                raise ValueError(f"model {name!r}: preset {preset_name!r} is not one for {family} (known: {known})")
            data.setdefault("steps", preset.steps)
            data.setdefault("guidance_scale", preset.guidance_scale)
            data.setdefault("scheduler_shift", preset.scheduler_shift)
        native_size = data.pop("native_size", None)
        return cls(
            name=name,
            family=family,
            weights_dir=Path(data.pop("weights_dir")),
            native_size=(int(native_size[0]), int(native_size[1])) if native_size else None,
            lora=tuple(_lora(entry) for entry in _as_list(data.pop("lora", []))),
            speed=speed,
            **data,
        )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _lora(entry: str | dict[str, Any]) -> LoraOptions:
    """A LoRA entry: a path, or {"path", "scale", "expert"}."""
    entry = {"path": entry} if isinstance(entry, str) else dict(entry)
    _reject_unknown(entry, LoraOptions, "lora")
    return LoraOptions(path=Path(entry.pop("path")), **entry)


def _reject_unknown(data: dict[str, Any], kind: type, where: str) -> None:
    known = {f.name for f in fields(kind)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {where} option(s): {', '.join(unknown)}")
