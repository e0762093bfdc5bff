"""What a spec changes in the loaded model itself: fused LoRAs and the scheduler's shift.

A fast preset is a distilled recipe: a LoRA (Wan 2.2 Lightning ships one per expert), fewer
steps, no CFG and a different timestep shift. The LoRAs are fused into the weights at load, so
a step costs what it cost before; the shift replaces the scheduler with one built from the same
config, so the sigmas follow the recipe.
"""

from __future__ import annotations

from typing import Any

from stillmotion.engines.diffusion.spec import LoraOptions

_SHIFT_KEYS = ("flow_shift", "shift")  # UniPC/DPM++ in flow mode, and FlowMatchEuler


def fuse_loras(pipe: Any, loras: tuple[LoraOptions, ...]) -> None:
    """Load each LoRA into its expert, fuse all at their scales, then drop the adapter layers."""
    if not loras:
        return
    names = []
    for index, lora in enumerate(loras):
        name = f"lora{index}"
        options = {"load_into_transformer_2": True} if lora.expert == "low" else {}
        pipe.load_lora_weights(str(lora.path), adapter_name=name, **options)
        names.append(name)
    pipe.set_adapters(names, [lora.scale for lora in loras])
    pipe.fuse_lora(components=pipe._lora_loadable_modules, adapter_names=names)
    pipe.unload_lora_weights()  # fused: keep the merged weights, drop the adapter layers


def set_scheduler_shift(pipe: Any, shift: float | None) -> None:
    if shift is None:
        return
    config = pipe.scheduler.config
    key = next((key for key in _SHIFT_KEYS if key in config), None)
    if key is None:
        raise ValueError(f"scheduler {type(pipe.scheduler).__name__} has no shift to set")
    pipe.scheduler = type(pipe.scheduler).from_config(config, **{key: shift})
