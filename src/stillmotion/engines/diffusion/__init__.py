"""Open-weight image-to-video models (Wan 2.x, LTX-Video, CogVideoX) through diffusers.

`DiffusionSpec` and `validate_weights_dir` need no torch, so the server can check
its configuration at start on any install; `DiffusionEngine` imports torch and
diffusers (the `gpu` extra) and is loaded on first use of the name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from stillmotion.engines.diffusion.spec import DiffusionSpec, SpeedOptions
from stillmotion.engines.diffusion.weights import validate_weights_dir

if TYPE_CHECKING:
    from stillmotion.engines.diffusion.engine import DiffusionEngine

__all__ = ["DiffusionEngine", "DiffusionSpec", "SpeedOptions", "validate_weights_dir"]


def __getattr__(name: str) -> Any:
    if name == "DiffusionEngine":
        from stillmotion.engines.diffusion.engine import DiffusionEngine

        return DiffusionEngine
    raise AttributeError(name)
