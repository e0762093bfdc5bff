"""A fast preset is a first-class spec: its steps, guidance, scheduler shift and LoRAs all take effect."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from stillmotion.engines.diffusion import DiffusionEngine, DiffusionSpec
from stillmotion.pipeline.context import TaskContext
from tests.diffusion.test_engine import _request
from tests.diffusion.tiny_models import build_tiny_lora, build_tiny_weights, tiny_model_setting


def test_a_preset_fills_what_the_spec_leaves_unset() -> None:
    spec = DiffusionSpec.from_dict("fast", {"family": "wan", "weights_dir": "/w", "preset": "lightning-4step"})
    assert (spec.steps, spec.guidance_scale, spec.scheduler_shift) == (4, 1.0, 5.0)
    spec = DiffusionSpec.from_dict("fast", {"family": "wan", "weights_dir": "/w", "preset": "lightning-4step",
                                            "steps": 6})
    assert spec.steps == 6  # the spec's own field wins
    with pytest.raises(ValueError, match="not one for ltx2 .known: distilled-8step"):
        DiffusionSpec.from_dict("fast", {"family": "ltx2", "weights_dir": "/w", "preset": "lightning-4step"})
    spec = DiffusionSpec.from_dict("k6", {"family": "kandinsky6", "weights_dir": "/w", "preset": "distilled-16step"})
    assert (spec.steps, spec.guidance_scale, spec.scheduler_shift) == (16, 1.0, None)  # Piflow: its own schedule


def _weights(engine: DiffusionEngine) -> list[torch.Tensor]:
    return [model.blocks[0].attn1.to_q.weight.detach().clone()
            for model in (engine.pipe.transformer, engine.pipe.transformer_2)]


def test_wan22_lightning_preset_runs_four_cfg_free_steps_with_both_experts_loras(
    tiny_weights_root: Path, tmp_path: Path
) -> None:
    weights = build_tiny_weights(tiny_weights_root, "wan2.2")
    high = build_tiny_lora(weights, tmp_path / "lightning", expert="high")
    low = build_tiny_lora(weights, tmp_path / "lightning", expert="low")
    setting = tiny_model_setting(tiny_weights_root, "wan2.2")
    del setting["steps"]  # the preset's
    plain = DiffusionEngine(DiffusionSpec.from_dict("full", setting))
    fast = DiffusionEngine(DiffusionSpec.from_dict("wan2.2-i2v-fast", {
        **setting, "preset": "lightning-4step", "lora": [str(high), {"path": str(low), "expert": "low"}],
    }))

    assert fast.pipe.scheduler.config.flow_shift == 5.0 != plain.pipe.scheduler.config.flow_shift
    assert all(not torch.equal(a, b) for a, b in zip(_weights(plain), _weights(fast), strict=True))
    calls = {"transformer": 0, "transformer_2": 0}
    for name in calls:
        model = getattr(fast.pipe, name)
        original = model.forward

        def counting(*args: object, _name: str = name, _original: object = original, **kwargs: object) -> object:
            calls[_name] += 1
            return _original(*args, **kwargs)  # type: ignore[operator]

        model.forward = counting
    request = _request()
    render = fast.prepare(request)
    try:
        fast.generate(request, render.settings, TaskContext())
    finally:
        for name in calls:
            del getattr(fast.pipe, name).forward
    assert (render.settings.steps, render.settings.guidance_scale) == (4, 1.0)
    # 4 steps, one pass each (no CFG), split between the experts at the boundary.
    assert sum(calls.values()) == 4 and calls["transformer"] >= 1 and calls["transformer_2"] >= 1, calls
    assert fast.version != plain.version
