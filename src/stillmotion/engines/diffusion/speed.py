"""The speed switches of `SpeedOptions`, applied once to a freshly loaded pipeline.

Order matters: LoRAs are fused into the weights (at load, `tuning.py`) before anything wraps
the modules; quantisation swaps the linear weights before device placement; attention backend
and cache hooks are set before compilation so the compiled graph includes them; device
placement (or offload hooks) comes before compilation so the compiled code is specialised for
the device it runs on.

`speed_problems` checks every switch against this machine before anything is loaded, so a
switch that cannot work here (FlashAttention not installed, FP8 on a GPU without FP8 cores)
makes the model not-ready at start with a sentence that says why, never a failed first task.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from stillmotion.engines.diffusion.spec import CacheOptions, SpeedOptions

if TYPE_CHECKING:
    from stillmotion.engines.diffusion.parallel import ParallelGroup

log = logging.getLogger(__name__)

_CACHE_CONFIGS = {
    "first_block": "FirstBlockCacheConfig",
    "taylorseer": "TaylorSeerCacheConfig",
    "faster": "FasterCacheConfig",
    "pab": "PyramidAttentionBroadcastConfig",
    "mag": "MagCacheConfig",
}
_NEEDS_TIMESTEP = ("faster", "pab")  # these decide per step from the pipeline's current timestep
_CPU_ATTENTION = ("native", "_native_math")
"""Backends with a CPU kernel; every other one (flash, sage, cuDNN...) runs on CUDA only."""
_QUANTIZATION_CONFIGS = {
    "fp8_dynamic": "Float8DynamicActivationFloat8WeightConfig",
    "fp8_weight_only": "Float8WeightOnlyConfig",
    "int8_weight_only": "Int8WeightOnlyConfig",
}
_FP8_CAPABILITY = (8, 9)
"""FP8 tensor cores: Ada (8.9) and Hopper (9.0) onwards."""


def resolve_device(requested: str) -> str:
    import torch

    if requested != "auto":
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def denoisers(pipe: Any) -> list[Any]:
    """The transformer(s) that run every step: Wan2.2-A14B has a high-noise and a low-noise expert."""
    return [model for model in (pipe.transformer, getattr(pipe, "transformer_2", None)) if model is not None]


def speed_problems(speed: SpeedOptions, device: str) -> list[str]:
    """Every switch that cannot run on this machine, as sentences for the not-ready report."""
    import importlib.util

    import torch

    problems = []
    on_cuda = device.startswith("cuda") and torch.cuda.is_available()
    if speed.attention_backend:
        from diffusers.models.attention_dispatch import AttentionBackendName, _check_attention_backend_requirements

        try:
            backend = AttentionBackendName(speed.attention_backend)
            _check_attention_backend_requirements(backend)
            if not on_cuda and backend.value not in _CPU_ATTENTION:
                problems.append(f"attention backend {backend.value!r} needs a CUDA GPU; this model runs on {device}")
        except ValueError:
            known = ", ".join(name.value for name in AttentionBackendName if not name.value.endswith("_hub"))
            problems.append(f"unknown attention backend {speed.attention_backend!r} (known: {known})")
        except RuntimeError as error:  # diffusers' own sentence: which package, which version
            problems.append(str(error))
    if speed.quantization != "none":
        if importlib.util.find_spec("torchao") is None:
            problems.append(f"quantization {speed.quantization!r} needs torchao (pip install torchao)")
        if speed.quantization.startswith("fp8"):
            capability = torch.cuda.get_device_capability(device) if on_cuda else None
            if capability is None or capability < _FP8_CAPABILITY:
                where = f"compute capability {capability[0]}.{capability[1]}" if capability else device
                problems.append(
                    f"quantization {speed.quantization!r} needs a GPU with FP8 cores (compute capability 8.9+: "
                    f"Ada, Hopper, Blackwell); this model runs on {where}"
                )
    return problems


def apply_speed_options(pipe: Any, speed: SpeedOptions, device: str, group: ParallelGroup | None = None) -> None:
    for model in denoisers(pipe):
        quantize(model, speed.quantization)
        if speed.attention_backend:
            model.set_attention_backend(speed.attention_backend)
        if speed.cache is not None:
            model.enable_cache(cache_config(speed.cache, pipe))
    if speed.vae_tiling:
        pipe.vae.enable_tiling(**(speed.vae_tiling if isinstance(speed.vae_tiling, dict) else {}))
    place_on_device(pipe, speed.offload, device)
    if group is not None:  # before compiling, so the compiled blocks include the all-to-alls
        from stillmotion.engines.diffusion.parallel import enable_context_parallel

        enable_context_parallel(pipe, group)
    for model in denoisers(pipe):
        # Cache hooks decide per step in Python (they inspect call signatures): dynamo cannot trace
        # them whole, so with a cache the blocks compile with graph breaks at the hooks.
        compile_denoiser(model, speed.compile, fullgraph=speed.cache is None)


def quantize(model: Any, kind: str) -> None:
    """torchao swaps each linear layer's weight for a quantised tensor subclass, in place. The
    embeddings and norms stay in the model's dtype: they are small and precision-sensitive."""
    if kind == "none":
        return
    import torchao.quantization

    config = getattr(torchao.quantization, _QUANTIZATION_CONFIGS[kind])()
    torchao.quantization.quantize_(model, config)


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
