"""The speed switches of `SpeedOptions`, applied once to a freshly loaded pipeline.

Order matters: a LoRA is fused into the weights before anything wraps the modules;
attention backend and cache hooks are set before compilation so the compiled graph
includes them; device placement (or offload hooks) comes before compilation so the
compiled code is specialised for the device it runs on.
"""

from __future__ import annotations

import logging
from typing import Any

from stillmotion.engines.diffusion.spec import CacheOptions, SpeedOptions

log = logging.getLogger(__name__)

_CACHE_CONFIGS = {
    "first_block": "FirstBlockCacheConfig",
    "taylorseer": "TaylorSeerCacheConfig",
    "faster": "FasterCacheConfig",
    "pab": "PyramidAttentionBroadcastConfig",
    "mag": "MagCacheConfig",
}
_NEEDS_TIMESTEP = ("faster", "pab")  # these decide per step from the pipeline's current timestep


def resolve_device(requested: str) -> str:
    import torch

    if requested != "auto":
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def denoisers(pipe: Any) -> list[Any]:
    """The transformer(s) that run every step: Wan2.2-A14B has a high-noise and a low-noise expert."""
    return [model for model in (pipe.transformer, getattr(pipe, "transformer_2", None)) if model is not None]


def apply_speed_options(pipe: Any, speed: SpeedOptions, device: str) -> None:
    if speed.lora is not None:
        pipe.load_lora_weights(str(speed.lora.path), adapter_name="distill")
        pipe.fuse_lora(lora_scale=speed.lora.scale)
        pipe.unload_lora_weights()  # fused: keep the merged weights, drop the adapter layers
    for model in denoisers(pipe):
        if speed.attention_backend:
            model.set_attention_backend(speed.attention_backend)
        if speed.cache is not None:
            model.enable_cache(cache_config(speed.cache, pipe))
    if speed.vae_tiling:
        pipe.vae.enable_tiling()
    if speed.vae_slicing:
        pipe.vae.enable_slicing()
    place_on_device(pipe, speed.offload, device)
    for model in denoisers(pipe):
        # Cache hooks decide per step in Python (they inspect call signatures): dynamo cannot trace
        # them whole, so with a cache the blocks compile with graph breaks at the hooks.
        compile_denoiser(model, speed.compile, fullgraph=speed.cache is None)


def cache_config(options: CacheOptions, pipe: Any) -> Any:
    import diffusers.hooks

    config_type = getattr(diffusers.hooks, _CACHE_CONFIGS[options.kind])
    params = dict(options.params)
    if options.kind in _NEEDS_TIMESTEP:
        params.setdefault("current_timestep_callback", lambda: pipe.current_timestep)
    return config_type(**params)


def place_on_device(pipe: Any, offload: str, device: str) -> None:
    """Offload trades speed for memory on small GPUs; on the CPU there is nothing to offload to."""
    if offload == "none" or device == "cpu":
        if offload != "none":
            log.warning("offload=%s ignored: the pipeline already runs on the CPU", offload)
        pipe.to(device)
    elif offload == "model":
        pipe.enable_model_cpu_offload(device=device)
    elif offload == "sequential":
        pipe.enable_sequential_cpu_offload(device=device)
    else:  # group: stream transformer blocks in on a side CUDA stream, overlapping copy and compute
        import torch

        pipe.enable_group_offload(onload_device=torch.device(device), offload_type="leaf_level", use_stream=True)


def compile_denoiser(model: Any, mode: str, fullgraph: bool = True) -> None:
    """Regional compilation compiles one transformer block and reuses it for all of them:
    the same speed as a full compile with a warm-up several times shorter."""
    if mode == "none":
        return
    if mode == "regional" and getattr(model, "_repeated_blocks", None):
        model.compile_repeated_blocks(fullgraph=fullgraph)
    else:  # CogVideoX declares no repeated blocks: compile the whole denoiser
        model.compile(fullgraph=False)
