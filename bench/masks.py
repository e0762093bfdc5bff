"""Sky, water and foliage masks against hand labels on real photos: precision and recall.

    python -m bench.masks

Runs the motion engine's scene analysis on each labelled photo
(tests/motion_planner/labelled_photos.py: photos shipped by scikit-image,
scikit-learn and matplotlib, labels drawn by hand) and prints

- per class, pixel precision and recall pooled over the set (a mask pixel is
  "found" at >= 0.5; ignored pixels, label edges included, are not counted);
- per photo, the share of the frame each mask covers, the confident elements
  and the light the prompt enhancer reads (`summarize_scene`).

Pixels are counted at the analysis resolution (384 px long side), so each
photo weighs by its area there.
"""

from __future__ import annotations

from stillmotion.engines.motion.scene import analyze_scene
from stillmotion.prompts.scene_summary import summarize_scene
from tests.motion_planner.labelled_photos import CLASSES, PHOTOS, Tally, load_photo, score_masks


def main() -> None:
    totals = {cls: Tally() for cls in CLASSES}
    rows = []
    for photo in PHOTOS:
        image = load_photo(photo.name)
        scene = analyze_scene(image)
        for cls, tally in score_masks(scene.masks, photo).items():
            totals[cls] += tally
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


if __name__ == "__main__":
    main()
