"""Each speed switch takes effect (a test fails when its call is removed), and each is refused at
start, with a sentence that says why, where this machine cannot run it.

On the CPU these are plumbing checks with tiny random weights: the speed and the quality cost of
each switch are measured on a GPU by bench/diffusion.py, not here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from stillmotion.engines.diffusion import DiffusionEngine, SpeedOptions
from stillmotion.engines.diffusion.spec import CacheOptions
from stillmotion.engines.diffusion.speed import place_on_device
from stillmotion.errors import NotReady
from stillmotion.pipeline.context import TaskContext
from tests.diffusion.test_engine import _engine, _request
from tests.support.images import psnr


def _cpu(**switches: object) -> SpeedOptions:
    return SpeedOptions(**{"dtype": "float32", "device": "cpu", **switches})  # type: ignore[arg-type]


def _frames(engine: DiffusionEngine) -> np.ndarray:
    request = _request()
    return engine.generate(request, engine.prepare(request).settings, TaskContext()).frames


@contextlib.contextmanager
def _counting_calls(module: torch.nn.Module) -> Iterator[list[int]]:
    """Counts calls of `module` (a torch hook: it sees calls whatever replaced `forward`)."""
    calls = [0]
    handle = module.register_forward_pre_hook(lambda *_: calls.__setitem__(0, calls[0] + 1))
    try:
        yield calls
    finally:
        handle.remove()


def test_first_block_cache_skips_the_later_blocks(tiny_weights_root: Path) -> None:
    plain = _engine(tiny_weights_root, "wan2.1")
    cached = _engine(tiny_weights_root, "wan2.1", speed=_cpu(cache=CacheOptions("first_block", {"threshold": 1e9})))
    with _counting_calls(plain.pipe.transformer.blocks[1].attn1) as plain_calls:
        _frames(plain)
    with _counting_calls(cached.pipe.transformer.blocks[1].attn1) as cached_calls:
        _frames(cached)
    # 2 steps x (cond + uncond): 4 passes through block 1 without the cache; with a threshold no
    # change can exceed, block 1 runs only on each context's first step.
    assert plain_calls[0] == 4 and cached_calls[0] == 2, (plain_calls, cached_calls)


def test_vae_tiling_decodes_in_tiles(tiny_weights_root: Path) -> None:
    tiles = {"tile_sample_min_height": 16, "tile_sample_min_width": 32,
             "tile_sample_stride_height": 8, "tile_sample_stride_width": 16}
    tiled = _engine(tiny_weights_root, "wan2.1", speed=_cpu(vae_tiling=tiles))
    calls = _count_calls_method(tiled.pipe.vae, "tiled_decode")
    try:
        frames = _frames(tiled)
    finally:
        del tiled.pipe.vae.tiled_decode
    reference = _frames(_engine(tiny_weights_root, "wan2.1"))
    assert calls[0] >= 1 and frames.shape == reference.shape
    assert not np.array_equal(frames, reference)  # tiles overlap and blend: not the whole-frame decode


def _count_calls_method(owner: object, name: str) -> list[int]:
    calls = [0]
    original = getattr(owner, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        return original(*args, **kwargs)

    setattr(owner, name, counted)
    return calls


def test_attention_backend_is_set_on_every_attention(tiny_weights_root: Path) -> None:
    engine = _engine(tiny_weights_root, "wan2.1", speed=_cpu(attention_backend="_native_math"))
    processors = [module.processor for module in engine.pipe.transformer.modules() if hasattr(module, "processor")]
    assert processors and all(p._attention_backend.value == "_native_math" for p in processors)
    assert psnr(_frames(engine), _frames(_engine(tiny_weights_root, "wan2.1"))) > 40  # same maths, other kernel


@pytest.mark.parametrize(
    ("switches", "reason"),
    [
        ({"attention_backend": "flash"}, "flash-attn"),
        ({"attention_backend": "sage"}, "sageattention>=2.1.1"),
        ({"attention_backend": "_native_cudnn"}, "needs a CUDA GPU; this model runs on cpu"),
        ({"attention_backend": "flahs"}, "unknown attention backend 'flahs'"),
        ({"quantization": "fp8_dynamic"}, "needs a GPU with FP8 cores"),
    ],
)
def test_a_switch_this_machine_cannot_run_is_refused_at_start(
    tiny_weights_root: Path, switches: dict[str, object], reason: str
) -> None:
    from tests.diffusion.tiny_models import tiny_spec

    with pytest.raises(NotReady, match="cannot be served here") as refused:
        DiffusionEngine(tiny_spec(tiny_weights_root, "wan2.1", speed=_cpu(**switches)))
    assert reason in refused.value.message


def test_int8_weight_only_quantisation_swaps_the_linear_weights(tiny_weights_root: Path) -> None:
    engine = _engine(tiny_weights_root, "wan2.1", speed=_cpu(quantization="int8_weight_only"))
    weight = engine.pipe.transformer.blocks[0].attn1.to_q.weight
    assert type(weight).__name__ != "Parameter" and "Int8" in type(weight).__name__
    assert _frames(engine).shape == _frames(_engine(tiny_weights_root, "wan2.1")).shape


def test_bfloat16_weights_render_close_to_float32(tiny_weights_root: Path) -> None:
    engine = _engine(tiny_weights_root, "wan2.1", speed=_cpu(dtype="bfloat16"))
    assert engine.pipe.transformer.dtype == torch.bfloat16
    assert psnr(_frames(engine), _frames(_engine(tiny_weights_root, "wan2.1"))) > 20


def test_regional_compile_compiles_each_block(tiny_weights_root: Path) -> None:
    engine = _engine(tiny_weights_root, "wan2.1", speed=_cpu(compile="regional"))
    assert all(block._compiled_call_impl is not None for block in engine.pipe.transformer.blocks)
    assert engine.pipe.transformer._compiled_call_impl is None  # regional: the blocks, not the whole model


def test_model_offload_installs_its_hooks(tiny_weights_root: Path) -> None:
    """Moving the components to a GPU needs one; installing the hooks that would does not."""
    from stillmotion.engines.diffusion.weights import load_pipeline
    from tests.diffusion.tiny_models import tiny_spec

    pipe = load_pipeline(tiny_spec(tiny_weights_root, "wan2.1"))
    place_on_device(pipe, "model", "cuda")
    assert type(pipe.transformer._hf_hook).__name__ == "CpuOffload"
    assert pipe.transformer.device.type == "cpu"  # waits on the CPU until its turn
