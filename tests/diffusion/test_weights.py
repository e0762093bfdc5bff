"""Configuration and weights problems are found at start, in words an operator can act on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from stillmotion.engines.diffusion import DiffusionSpec, validate_weights_dir
from tests.diffusion.tiny_models import tiny_model_setting, tiny_spec


def test_spec_from_json_shape(tmp_path: Path) -> None:
    lora = tmp_path / "distill.safetensors"
    spec = DiffusionSpec.from_dict(
        "wan-fast",
        {
            "engine": "diffusion",
            "family": "wan",
            "weights_dir": str(tmp_path),
            "steps": 4,
            "guidance_scale": 1.0,
            "native_size": [1280, 720],
            "lora": [str(lora), {"path": str(lora), "scale": 0.5, "expert": "low"}],
            "speed": {"cache": {"kind": "first_block", "params": {"threshold": 0.05}},
                      "compile": "regional", "cfg_batch": True, "quantization": "fp8_dynamic"},
        },
    )
    assert spec.native_size == (1280, 720) and spec.steps == 4
    assert spec.speed.cache is not None and spec.speed.cache.params == {"threshold": 0.05}
    assert [(entry.path, entry.scale, entry.expert) for entry in spec.lora] == [(lora, 1.0, "high"), (lora, 0.5, "low")]
    assert spec.speed.quantization == "fp8_dynamic"
    with pytest.raises(ValueError, match="unknown speed option"):
        DiffusionSpec.from_dict("x", {"family": "wan", "weights_dir": "/w", "speed": {"compiel": "regional"}})
    with pytest.raises(ValueError, match="family must be one of"):
        DiffusionSpec.from_dict("x", {"family": "sora", "weights_dir": "/w"})


def test_complete_tiny_checkpoint_has_no_problems(tiny_wan_dir: Path, tiny_weights_root: Path) -> None:
    assert validate_weights_dir(tiny_spec(tiny_weights_root, "wan2.1")) == []
    as_setting = DiffusionSpec.from_dict("tiny-wan", tiny_model_setting(tiny_weights_root, "wan2.1"))
    assert as_setting == tiny_spec(tiny_weights_root, "wan2.1", name="tiny-wan")


def test_missing_directory_and_index_are_reported(tmp_path: Path) -> None:
    spec = DiffusionSpec(name="w", family="wan", weights_dir=tmp_path / "absent")
    assert any("does not exist" in problem for problem in validate_weights_dir(spec))
    spec = DiffusionSpec(name="w", family="wan", weights_dir=tmp_path)
    assert any("model_index.json is missing" in problem for problem in validate_weights_dir(spec))


def test_incomplete_checkpoint_names_each_missing_part(tiny_wan_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny_wan_dir, broken)
    shutil.rmtree(broken / "vae")
    for weights in (broken / "transformer").glob("*.safetensors"):
        weights.unlink()
    index = json.loads((broken / "model_index.json").read_text())
    del index["scheduler"]
    (broken / "model_index.json").write_text(json.dumps(index))
    problems = validate_weights_dir(DiffusionSpec(name="w", family="wan", weights_dir=broken))
    text = "\n".join(problems)
    assert "vae" in text and "missing" in text
    assert "transformer has no weight files" in text
    assert "lists no 'scheduler'" in text
    assert len(problems) == 3


def test_wrong_family_and_bad_switches_are_reported(tiny_wan_dir: Path, tmp_path: Path) -> None:
    spec = DiffusionSpec.from_dict(
        "w",
        {"family": "ltx", "weights_dir": str(tiny_wan_dir),
         "lora": {"path": str(tmp_path / "none.safetensors"), "expert": "low"},
         "speed": {"attention_backend": "flash_hub"}},
    )
    text = "\n".join(validate_weights_dir(spec))
    assert "not a ltx image-to-video pipeline" in text
    assert "downloads kernels" in text
    assert "LoRA file" in text
    assert "a LoRA for the low-noise expert has nowhere to go" in text


def test_missing_gpu_packages_are_named(tiny_wan_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "diffusers" else real(name))
    problems = validate_weights_dir(DiffusionSpec(name="w", family="wan", weights_dir=tiny_wan_dir))
    assert problems == [
        "python package 'diffusers' is not installed (install the gpu extra: pip install 'stillmotion[gpu]')"
    ]


def test_a_kandinsky6_processor_without_torchvision_is_named(tiny_weights_root: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The real checkpoint's tokenizer is a Qwen2.5-VL processor (the tiny one holds the bare tokenizer)."""
    import importlib.util

    real = tiny_spec(tiny_weights_root, "kandinsky6")
    assert validate_weights_dir(real) == []
    processor = tmp_path / "kandinsky6"
    shutil.copytree(real.weights_dir, processor)
    index = json.loads((processor / "model_index.json").read_text())
    index["tokenizer"] = ["transformers", "Qwen2_5_VLProcessor"]
    (processor / "model_index.json").write_text(json.dumps(index))
    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "torchvision" else found(name))
    problems = validate_weights_dir(DiffusionSpec(name="k", family="kandinsky6", weights_dir=processor))
    assert problems == [f"{processor}/tokenizer is a Qwen2_5_VLProcessor, which needs torchvision "
                        "(install the build that matches your torch)"]
