"""Sky, water and foliage masks against hand labels on real photos: precision and recall.

    python -m bench.masks [--sheet OUT.jpg]

Runs the motion engine's scene analysis on each labelled photo
(tests/motion_planner/labelled_photos.py: photos shipped by scikit-image,
scikit-learn and matplotlib, labels drawn by hand) and prints

- per class, pixel precision and recall pooled over the set (a mask pixel is
  "found" at >= 0.5; ignored pixels, label edges included, are not counted);
- per photo, the share of the frame each mask covers, the confident elements
  and the light the prompt enhancer reads (`summarize_scene`).

Pixels are counted at the analysis resolution (384 px long side), so each
photo weighs by its area there. `--sheet` writes each photo with its masks
painted over it (sky blue, water cyan, foliage green), four to a row.
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np

from stillmotion.engines.motion.scene import SceneAnalysis, analyze_scene
from stillmotion.prompts.scene_summary import summarize_scene
from tests.motion_planner.labelled_photos import CLASSES, PHOTOS, Tally, load_photo, score_masks


PAINT = {"sky": (60, 110, 255), "water": (0, 230, 230), "foliage": (40, 220, 40)}
TILE_HEIGHT = 200


def painted(image: np.ndarray, scene: SceneAnalysis) -> np.ndarray:
    """The photo at the analysis size with each mask (>= 0.5) tinted in its colour."""
    height, width = scene.size
    tile = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32)
    for cls, colour in PAINT.items():
        found = scene.masks[cls] >= 0.5
        tile[found] = 0.45 * tile[found] + 0.55 * np.array(colour, np.float32)
    return cv2.resize(tile, (round(TILE_HEIGHT * width / height), TILE_HEIGHT)).astype(np.uint8)


def write_sheet(path: str, tiles: list[np.ndarray], per_row: int = 4) -> None:
    rows = [np.hstack(tiles[i:i + per_row]) for i in range(0, len(tiles), per_row)]
    widest = max(row.shape[1] for row in rows)
    rows = [np.pad(row, ((0, 0), (0, widest - row.shape[1]), (0, 0))) for row in rows]
    cv2.imwrite(path, cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sheet", help="write the painted masks of every photo here (JPEG)")
    args = parser.parse_args()
    totals = {cls: Tally() for cls in CLASSES}
    rows, tiles = [], []
    for photo in PHOTOS:
        image = load_photo(photo.name)
        scene = analyze_scene(image)
        for cls, tally in score_masks(scene.masks, photo).items():
            totals[cls] += tally
        tiles.append(painted(image, scene))
        light = summarize_scene(image, scene).light
        cover = "  ".join(f"{100 * float((scene.masks[c] >= 0.5).mean()):5.1f}" for c in CLASSES)
        rows.append(f"| {photo.name:<12} | {cover} | {', '.join(sorted(scene.elements)) or '-':<26} "
                    f"| {light:<11} |")
    print("| class   | precision | recall | labelled px | found px |")
    print("|---------|-----------|--------|-------------|----------|")
    for cls, t in totals.items():
        print(f"| {cls:<7} | {t.precision:9.3f} | {t.recall:6.3f} | "
              f"{t.true_positive + t.false_negative:11d} | {t.true_positive + t.false_positive:8d} |")
    print()
    print("| photo        | % sky  water foliage | elements                   | light       |")
    print("|--------------|----------------------|----------------------------|-------------|")
    print("\n".join(rows))
    if args.sheet:
        write_sheet(args.sheet, tiles)


if __name__ == "__main__":
    main()
