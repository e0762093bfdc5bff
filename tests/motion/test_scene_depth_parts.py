"""scene_depth's own connected components and segment boxes agree with SciPy's (which the render
path no longer imports) on random graphs and label images."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import find_objects
from scipy.sparse import coo_matrix
from scipy.sparse import csgraph

from stillmotion.engines.motion.scene_depth import _segment_boxes, connected_components


@pytest.mark.parametrize("seed", range(12))
def test_components_are_numbered_as_scipy_numbers_them(seed: int) -> None:
    rng = np.random.default_rng(seed)
    count = int(rng.integers(1, 400))
    edges = int(rng.integers(0, count * 2))
    a, b = rng.integers(0, count, edges), rng.integers(0, count, edges)
    expected = csgraph.connected_components(coo_matrix((np.ones(edges), (a, b)), shape=(count, count)), directed=False)[1]
    assert np.array_equal(connected_components(count, a, b), expected)


def test_a_long_chain_is_one_component() -> None:
    count = 1000
    order = np.random.default_rng(3).permutation(count)
    assert set(connected_components(count, order[:-1], order[1:])) == {0}


@pytest.mark.parametrize("seed", range(8))
def test_segment_boxes_match_find_objects(seed: int) -> None:
    rng = np.random.default_rng(seed)
    height, width = int(rng.integers(5, 60)), int(rng.integers(5, 60))
    count = int(rng.integers(2, 30))
    segments = rng.integers(0, count - 1, (height, width))  # the last number is never used
    segments[rng.random((height, width)) < 0.5] = 0
    top, bottom, box_width = _segment_boxes(segments, count)
    for number, box in enumerate(find_objects(segments + 1, max_label=count)):
        if box is None:
            assert (top[number], bottom[number], box_width[number]) == (height, height - 1, width)
        else:
            assert (top[number], bottom[number], box_width[number]) == (box[0].start, box[0].stop - 1, box[1].stop - box[1].start)
