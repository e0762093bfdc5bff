"""The weights directory: checked at start without torch, loaded once, never downloaded.

`validate_weights_dir` reads only JSON and file names, so the server can tell an
operator exactly what is missing at start (and `/readyz` stays not-ready) instead
of failing the first task. `load_pipeline` reads the same directory with
`local_files_only`, so nothing is ever fetched from a model hub at run time.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from stillmotion.engines.diffusion.families import DEFAULTS, PREVIEW_FAMILIES
from stillmotion.engines.diffusion.spec import DiffusionSpec

REQUIRED_COMPONENTS = ("transformer", "vae", "text_encoder", "tokenizer", "scheduler")
GPU_PACKAGES = ("torch", "diffusers", "transformers", "accelerate")

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".safetensors.index.json", ".bin.index.json")
_CONFIG_FILES = {
    "scheduler": ("scheduler_config.json",),
    "tokenizer": ("tokenizer.json", "tokenizer_config.json", "spiece.model"),
    "image_processor": ("preprocessor_config.json",),
    "feature_extractor": ("preprocessor_config.json",),
    "guider": ("guider_config.json",),
}
_MODEL_CONFIG = ("config.json",)


def validate_weights_dir(spec: DiffusionSpec) -> list[str]:
    """Every reason this spec cannot serve, as sentences for a log line; empty when it can."""
    problems = [
        f"python package {name!r} is not installed (install the gpu extra: pip install 'stillmotion[gpu]')"
        for name in GPU_PACKAGES
        if importlib.util.find_spec(name) is None
    ]
    if spec.speed.attention_backend and spec.speed.attention_backend.endswith("_hub"):
        problems.append(f"attention backend {spec.speed.attention_backend!r} downloads kernels at run time")
    problems += [f"LoRA file {lora.path} does not exist" for lora in spec.lora if not lora.path.is_file()]
    if spec.preview and spec.family not in PREVIEW_FAMILIES:
        problems.append(f"a latent preview is made for {', '.join(PREVIEW_FAMILIES)} only, not {spec.family}")
    root = spec.weights_dir
    if not root.is_dir():
        return [*problems, f"weights directory {root} does not exist"]
    index = _read_json(root / "model_index.json")
    if index is None:
        return [*problems, f"{root}/model_index.json is missing or not valid JSON"]
    class_name = index.get("_class_name")
    accepted = DEFAULTS[spec.family].accepted_classes
    if spec.pipeline_class is None and class_name not in accepted:
        problems.append(
            f"{root} holds a {class_name!r}, not a {spec.family} image-to-video pipeline ({', '.join(accepted)})"
        )
    components = {name: entry for name, entry in index.items() if _is_component(entry)}
    if any(lora.expert == "low" for lora in spec.lora) and "transformer_2" not in components:
        problems.append(f"{root} has one transformer: a LoRA for the low-noise expert has nowhere to go")
    problems += [f"{root}: model_index.json lists no {name!r}" for name in REQUIRED_COMPONENTS
                 if name not in components]
    for name, entry in components.items():
        problems += _component_problems(root / name, name, entry)
    tokenizer = components.get("tokenizer")
    if tokenizer and tokenizer[1].endswith("VLProcessor") and importlib.util.find_spec("torchvision") is None:
        # Kandinsky 6 ships its Qwen2.5-VL processor as the tokenizer; transformers builds the
        # processor's video half with torchvision, so loading it fails without.
        problems.append(f"{root}/tokenizer is a {tokenizer[1]}, which needs torchvision "
                        "(install the build that matches your torch)")
    return problems


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _is_component(entry: object) -> bool:
    """model_index.json lists components as [library, class]; [null, null] is an absent optional one."""
    return isinstance(entry, list) and len(entry) == 2 and entry[0] is not None


def _component_problems(folder: Path, name: str, entry: list[str]) -> list[str]:
    if not folder.is_dir():
        return [f"component folder {folder} ({entry[1]}) is missing"]
    files = {path.name for path in folder.iterdir()}
    kind = "tokenizer" if "Tokenizer" in entry[1] else name
    wanted = _CONFIG_FILES.get(kind, _MODEL_CONFIG)
    if not files.intersection(wanted):
        return [f"{folder} has none of {', '.join(wanted)}"]
    if wanted is _MODEL_CONFIG and not any(file.endswith(_WEIGHT_SUFFIXES) for file in files):
        return [f"{folder} has no weight files (*.safetensors or *.bin)"]
    return []


def load_pipeline(spec: DiffusionSpec) -> Any:
    """Load the family's pipeline from the local directory with the spec's dtype; CPU-resident.

    The pipeline class comes from the family, not from model_index.json: LTX checkpoints
    ship as text-to-video `LTXPipeline` and the Wan2.2-TI2V-5B one as `WanPipeline`,
    and both generate from an image through the image-to-video class.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # read by huggingface_hub on first import
    import diffusers
    import torch

    index = _read_json(spec.weights_dir / "model_index.json") or {}
    class_name = spec.pipeline_class or _default_class(spec, index)
    overrides: dict[str, Any] = {}
    if spec.family == "wan" and _is_ti2v(spec.weights_dir):
        overrides["expand_timesteps"] = True  # TI2V-5B conditions on the first latent frame
    pipeline_type = getattr(diffusers, class_name)
    return pipeline_type.from_pretrained(
        spec.weights_dir, dtype=getattr(torch, spec.speed.dtype), local_files_only=True, **overrides
    )


def _default_class(spec: DiffusionSpec, index: dict[str, Any]) -> str:
    if spec.family == "ltx" and index.get("_class_name") == "LTXConditionPipeline":
        return "LTXConditionPipeline"
    return DEFAULTS[spec.family].pipeline_class


def _is_ti2v(root: Path) -> bool:
    """Wan2.2-TI2V-5B's transformer takes only the noisy latent (in_channels == VAE z_dim);
    the I2V-14B ones take it concatenated with the image condition."""
    transformer = _read_json(root / "transformer" / "config.json") or {}
    vae = _read_json(root / "vae" / "config.json") or {}
    return transformer.get("in_channels") is not None and transformer.get("in_channels") == vae.get("z_dim")
