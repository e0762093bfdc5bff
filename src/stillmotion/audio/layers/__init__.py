"""The sound layers, by name: each renders (n, 2) float64 from a `LayerInput`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from stillmotion.audio.layers.air import thunder, wind
from stillmotion.audio.layers.fire import fire
from stillmotion.audio.layers.layer_input import LayerInput
from stillmotion.audio.layers.life import birds, crowd, forest
from stillmotion.audio.layers.urban import city, room
from stillmotion.audio.layers.water import lake, rain, stream, waterfall, waves

LAYERS: dict[str, Callable[[LayerInput], np.ndarray]] = {
    "rain": rain,
    "thunder": thunder,
    "wind": wind,
    "waves": waves,
    "lake": lake,
    "stream": stream,
    "waterfall": waterfall,
    "fire": fire,
    "birds": birds,
    "forest": forest,
    "city": city,
    "crowd": crowd,
    "room": room,
}

__all__ = ["LAYERS", "LayerInput"]
