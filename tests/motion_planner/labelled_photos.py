"""Real photos shipped by pip packages, with sky, water and foliage labelled by hand.

The labels were drawn by looking at each photo with a coordinate grid over
it; they are coarse polygons in fractions of the width and height (x, y).
Each class has shapes that are the class, shapes cut out of them (a pagoda
standing in the sky) and shapes to ignore (lattice towers that are half sky,
a hazy far shore that is neither clearly sky nor clearly water). Pixels
within IGNORE_BAND of a label's edge are ignored too: a coarse polygon is not
pixel-exact, and the score should measure the detector, not the labeller.

A class a photo does not list has no pixels of it: every pixel found there
is a false positive. Licences: docs/licenses.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import cv2
import numpy as np

Point = tuple[float, float]
Shape = tuple[Point, ...]
CLASSES = ("sky", "water", "foliage")
IGNORE_BAND = 0.015
"""Share of the long side ignored on each side of a label's edge (6 px at 384 px)."""


def rect(x0: float, y0: float, x1: float, y1: float) -> Shape:
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


WHOLE = rect(0.0, 0.0, 1.0, 1.0)


@dataclass(frozen=True)
class ClassLabel:
    """One class on one photo: where it is, holes cut out of that, and what is not scored."""

    inside: tuple[Shape, ...] = ()
    holes: tuple[Shape, ...] = ()
    ignore: tuple[Shape, ...] = ()


@dataclass(frozen=True)
class LabelledPhoto:
    name: str
    source: str
    """Where the pixels come from (package and loader)."""
    labels: dict[str, ClassLabel] = field(default_factory=dict)
    note: str = ""


CHINA_PAGODA: Shape = (
    (0.31, 0.06), (0.34, 0.06), (0.36, 0.13), (0.50, 0.25), (0.50, 0.31), (0.48, 0.33),
    (0.52, 0.40), (0.52, 0.58), (0.55, 0.60), (0.55, 0.66), (0.53, 0.70), (0.53, 0.78),
    (0.58, 0.80), (0.58, 0.85), (0.50, 0.92), (0.48, 1.0), (0.30, 1.0), (0.22, 0.80),
    (0.16, 0.70), (0.10, 0.64), (0.14, 0.58), (0.15, 0.42), (0.13, 0.40), (0.15, 0.30),
    (0.14, 0.27), (0.21, 0.20), (0.29, 0.13),
)
CHINA_RIGHT_TREE: Shape = (
    (0.90, 0.32), (0.95, 0.31), (1.0, 0.34), (1.0, 1.0), (0.80, 1.0), (0.80, 0.68),
    (0.86, 0.65), (0.85, 0.55), (0.88, 0.45),
)
CHINA_LOWER_TREES: Shape = (
    (0.0, 0.78), (0.10, 0.76), (0.22, 0.78), (0.30, 0.86), (0.48, 0.90), (0.55, 0.80),
    (0.60, 0.76), (0.70, 0.70), (0.80, 0.68), (0.82, 1.0), (0.0, 1.0),
)
CHINA_LEFT_TREE: Shape = ((0.0, 0.35), (0.05, 0.38), (0.11, 0.45), (0.12, 0.58),
                          (0.08, 0.66), (0.0, 0.70))
CHINA_LABELS = {
    "sky": ClassLabel(
        inside=(rect(0.0, 0.0, 1.0, 0.46),),
        holes=(CHINA_PAGODA, CHINA_RIGHT_TREE, CHINA_LEFT_TREE),
        ignore=(rect(0.0, 0.44, 1.0, 0.53),),  # the far shore fades into haze
    ),
    "water": ClassLabel(
        inside=(rect(0.0, 0.52, 1.0, 0.78),),
        holes=(CHINA_PAGODA, CHINA_RIGHT_TREE, CHINA_LOWER_TREES, CHINA_LEFT_TREE),
        ignore=(rect(0.0, 0.44, 1.0, 0.53), rect(0.64, 0.47, 0.77, 0.56)),  # far shore, island
    ),
    "foliage": ClassLabel(
        inside=(CHINA_RIGHT_TREE, CHINA_LOWER_TREES, CHINA_LEFT_TREE),
        holes=(CHINA_PAGODA,),
        # The pagoda's lower roofs peek between the trees; the far shore's trees are a haze.
        ignore=(rect(0.0, 0.44, 1.0, 0.53), rect(0.48, 0.78, 0.62, 0.95)),
    ),
}

FLOWER_BLOOMS: tuple[Shape, ...] = (
    # The dahlia: a disc about x 0.27-0.70, y 0.20-0.84, drawn as a 12-gon.
    tuple(
        (0.485 + 0.215 * float(np.cos(a)), 0.52 + 0.32 * float(np.sin(a)))
        for a in np.linspace(0.0, 2 * np.pi, 12, endpoint=False)
    ),
    ((0.45, 1.0), (0.47, 0.90), (0.55, 0.87), (0.66, 0.89), (0.72, 0.96), (0.73, 1.0)),
)

PHOTOS: tuple[LabelledPhoto, ...] = (
    LabelledPhoto(
        "china", "scikit-learn: sklearn.datasets.load_sample_image('china.jpg')",
        CHINA_LABELS,
        note="pagoda over a lake; sky, hazy water, sunlit and shaded trees",
    ),
    LabelledPhoto(
        "china_dusk", "china.jpg darkened to 30 %, a 10 % blue cast, sensor noise of 2 levels (made here)",
        CHINA_LABELS,
        note="the same scene at dusk: foliage in shade, a dim sky and lake",
    ),
    LabelledPhoto(
        "flower", "scikit-learn: sklearn.datasets.load_sample_image('flower.jpg')",
        {"foliage": ClassLabel(inside=(WHOLE,), holes=FLOWER_BLOOMS,
                               ignore=(rect(0.86, 0.86, 1.0, 1.0),))},  # a pale bud, unclear
        note="a dahlia on dark, blurred leaves",
    ),
    LabelledPhoto(
        "rocket", "scikit-image: skimage.data.rocket()",
        {"sky": ClassLabel(
            inside=(rect(0.0, 0.0, 1.0, 0.86),),
            holes=(rect(0.475, 0.29, 0.53, 1.0),),  # the rocket
            # Lattice towers are half sky through their gaps; dusk clouds on the horizon
            # are lit by the pad's lamps.
            ignore=(rect(0.0, 0.0, 0.14, 1.0), rect(0.27, 0.27, 0.33, 1.0),
                    rect(0.68, 0.27, 0.75, 1.0), rect(0.87, 0.0, 1.0, 1.0),
                    rect(0.0, 0.84, 1.0, 0.95)),
        )},
        note="launch pad at dusk: a dark blue sky behind lattice towers",
    ),
    LabelledPhoto(
        "camera", "scikit-image: skimage.data.camera() (greyscale)",
        {
            "sky": ClassLabel(
                inside=(rect(0.0, 0.0, 1.0, 0.34),),
                holes=(((0.0, 0.40), (0.10, 0.37), (0.25, 0.22), (0.31, 0.14), (0.38, 0.12),
                        (0.48, 0.15), (0.53, 0.22), (0.53, 0.27), (0.64, 0.27), (0.64, 0.45),
                        (0.0, 0.45)),  # the cameraman
                       rect(0.80, 0.22, 0.85, 0.40)),  # the tower
            ),
            # A mown lawn in grey: no colour to tell grass by, and nothing that would sway.
            "foliage": ClassLabel(ignore=(rect(0.0, 0.33, 1.0, 1.0),)),
        },
        note="a pale overcast sky over a lawn, greyscale",
    ),
    LabelledPhoto("astronaut", "scikit-image: skimage.data.astronaut()",
                  note="studio portrait: grey mottled backdrop, a flag"),
    LabelledPhoto("grace_hopper", "matplotlib: sample data grace_hopper.jpg",
                  note="studio portrait: a blue backdrop that looks like a clear sky"),
    LabelledPhoto("coffee", "scikit-image: skimage.data.coffee()",
                  note="an espresso on a wooden table, warm indoor light"),
    LabelledPhoto("chelsea", "scikit-image: skimage.data.chelsea()",
                  note="a cat indoors, blurred room behind"),
    LabelledPhoto("motorcycle", "scikit-image: skimage.data.stereo_motorcycle()[0]",
                  note="a garage: shelves, boxes, concrete floor"),
    LabelledPhoto(
        "hubble", "scikit-image: skimage.data.hubble_deep_field()",
        {"sky": ClassLabel(ignore=(WHOLE,))},  # deep space: not a sky clouds drift in
        note="galaxies on black",
    ),
)


@cache
def load_photo(name: str) -> np.ndarray:
    """RGB uint8 pixels of one labelled photo."""
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return np.ascontiguousarray(load_sample_image(f"{name}.jpg"))
    if name == "china_dusk":
        dusk = load_photo("china").astype(np.float32) * np.array([0.3, 0.3, 0.33], np.float32)
        noise = np.random.default_rng(13).normal(0.0, 2.0, dusk.shape[:2])[..., None]
        return np.clip(dusk + noise, 0, 255).astype(np.uint8)
    if name == "grace_hopper":
        import matplotlib.cbook

        with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as handle:
            data = np.frombuffer(handle.read(), np.uint8)
        return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    from skimage import data as skdata

    if name == "motorcycle":
        image = skdata.stereo_motorcycle()[0]
    elif name == "hubble":
        image = skdata.hubble_deep_field()
    else:
        image = getattr(skdata, name)()
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3])


def fill_shapes(shapes: tuple[Shape, ...], height: int, width: int) -> np.ndarray:
    """Boolean mask of the union of shapes (fractions of the frame) at a given size."""
    out = np.zeros((height, width), np.uint8)
    for shape in shapes:
        points = np.array([(x * width, y * height) for x, y in shape], np.float64)
        cv2.fillPoly(out, [np.round(points).astype(np.int32)], 1)
    return out.astype(bool)


def label_masks(photo: LabelledPhoto, cls: str, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(truth, scored) boolean masks of one class at a given size."""
    label = photo.labels.get(cls, ClassLabel())
    truth = fill_shapes(label.inside, height, width) & ~fill_shapes(label.holes, height, width)
    band = max(1, round(IGNORE_BAND * max(height, width)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    as_u8 = truth.astype(np.uint8)
    edge = cv2.dilate(as_u8, kernel).astype(bool) & ~cv2.erode(as_u8, kernel).astype(bool)
    scored = ~(edge | fill_shapes(label.ignore, height, width))
    return truth, scored


@dataclass
class Tally:
    """Pixel counts of one class, summed over photos (each at the analysis resolution)."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    def add(self, found: np.ndarray, truth: np.ndarray, scored: np.ndarray) -> None:
        self.true_positive += int((found & truth & scored).sum())
        self.false_positive += int((found & ~truth & scored).sum())
        self.false_negative += int((~found & truth & scored).sum())

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.true_positive + other.true_positive,
                     self.false_positive + other.false_positive,
                     self.false_negative + other.false_negative)

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        present = self.true_positive + self.false_negative
        return self.true_positive / present if present else 1.0


def score_masks(masks: dict[str, np.ndarray], photo: LabelledPhoto) -> dict[str, Tally]:
    """Per-class pixel tallies of soft masks (read as found where >= 0.5) against the labels."""
    tallies = {}
    for cls in CLASSES:
        found = masks[cls] >= 0.5
        truth, scored = label_masks(photo, cls, *found.shape)
        tallies[cls] = Tally()
        tallies[cls].add(found, truth, scored)
    return tallies
