"""Render the example clips of docs/engines.md and write their pictures to docs/images/.

    PYTHONPATH=. .venv/bin/python scripts/engine_examples.py

Each example is a scene drawn in code (tests/motion_planner/synthetic_scenes.py: no photos) and
a prompt, rendered by `stillmotion generate` exactly as a user would. Its picture shows the
first, middle and last frame and, last, how far each pixel ever strayed from the first frame
(bright = moved), so a reader sees what the engine animated and what it left alone.
The plan's explanation is printed, for the guide's captions.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw

from tests.motion import scenes as motion_scenes
from tests.motion_planner import synthetic_scenes

OUT = Path(__file__).resolve().parents[1] / "docs" / "images"
SIZE = (640, 360)  # the scenes are drawn at 480x270; the API's minimum side is 300
TILE_WIDTH = 320
CHANGE_GAIN = 4.0  # a mean difference of 64/255 is white


@dataclass(frozen=True)
class Example:
    name: str
    scene: Callable[[], np.ndarray]
    prompt: str


EXAMPLES = [
    Example("engine-clouds-push-in", motion_scenes.landscape, "clouds drift to the right, slow push in"),
    Example("engine-lake", synthetic_scenes.lake, "the lake shimmers, gentle ripples, static camera"),
    Example("engine-fire", synthetic_scenes.flame_on_dark, "the flame flickers, embers rise"),
    Example("engine-rain-street", synthetic_scenes.grey_street, "heavy rain, the camera trucks left"),
    Example("engine-cannot-walk", synthetic_scenes.figure_on_ground, "the person walks to the left and waves"),
]


def render(example: Example, folder: Path) -> tuple[list[np.ndarray], dict[str, object]]:
    image = example.scene()
    photo = folder / f"{example.name}.png"
    Image.fromarray(cv2.resize(image, SIZE, interpolation=cv2.INTER_CUBIC)).save(photo)
    video = folder / f"{example.name}.mp4"
    result = subprocess.run(
        [sys.executable, "-m", "stillmotion", "generate", str(photo), "-p", example.prompt, "--duration", "3",
         "--fps", "24", "--seed", "7", "--explain", "-o", str(video)],
        capture_output=True, text=True, check=True,
    )
    plan = json.loads(result.stdout[result.stdout.index("{"): result.stdout.rindex("}") + 1])
    with av.open(str(video)) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    return frames, plan


def contact_sheet(frames: list[np.ndarray]) -> Image.Image:
    first, middle, last = frames[0], frames[len(frames) // 2], frames[-1]
    # The most each pixel ever strayed from the first frame: a looping effect ends where it began.
    change = np.zeros(first.shape[:2], np.float32)
    for frame in frames[1:]:
        np.maximum(change, np.abs(frame.astype(np.float32) - first).mean(axis=2), out=change)
    heat = cv2.applyColorMap(np.clip(change * CHANGE_GAIN, 0, 255).astype(np.uint8), cv2.COLORMAP_INFERNO)
    tiles = [first, middle, last, cv2.cvtColor(heat, cv2.COLOR_BGR2RGB)]
    height = round(TILE_WIDTH * first.shape[0] / first.shape[1])
    labels = ["first frame", "middle", "last frame", "where it moved (bright: most)"]
    sheet = Image.new("RGB", (TILE_WIDTH * 4 + 12, height + 22), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (tile, label) in enumerate(zip(tiles, labels, strict=True)):
        x = i * (TILE_WIDTH + 4)
        sheet.paste(Image.fromarray(tile).resize((TILE_WIDTH, height), Image.LANCZOS), (x, 20))
        draw.text((x + 4, 4), label, fill=(40, 40, 40))
    return sheet


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        for example in EXAMPLES:
            frames, plan = render(example, Path(scratch))
            contact_sheet(frames).save(OUT / f"{example.name}.png", optimize=True)
            print(f"## {example.name}: {example.prompt!r}")
            for line in plan.get("explanation", []):
                print(f"  - {line}")


if __name__ == "__main__":
    main()
