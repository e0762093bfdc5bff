"""Tiny checkpoints are built once per session; nothing may reach a model hub."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # before diffusers/transformers are imported by any test

from tests.diffusion.tiny_models import Variant, build_tiny_weights


@pytest.fixture(scope="session")
def tiny_weights_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tiny-weights")


@pytest.fixture(scope="session")
def tiny_wan_dir(tiny_weights_root: Path) -> Path:
    """A tiny Wan2.1 image-to-video checkpoint directory (for end-to-end server tests too)."""
    variant: Variant = "wan2.1"
    return build_tiny_weights(tiny_weights_root, variant)
