"""Steam, fog and heat shimmer are read in the ten languages the planner reads, each as its own kind;
the cup steam rises from is found on real photos (scikit-image's samples, docs/licenses.md)."""

from __future__ import annotations

import numpy as np
import pytest

from stillmotion.engines.motion.anchors import plume_source
from stillmotion.engines.motion.scene import analyze_scene
from stillmotion.pipeline.produce import frame_input
from stillmotion.prompts.reading import read

WORDS = {
    "en": ("steam rises from the cup", "fog over the valley", "heat shimmer over the road"),
    "es": ("el vapor sube de la taza", "niebla sobre el valle", "ondas de calor sobre la carretera"),
    "pt": ("vapor sobe da xícara", "névoa sobre o vale", "ondas de calor sobre a estrada"),
    "fr": ("une vapeur qui monte de la tasse", "brouillard sur la vallée", "mirage sur la route"),
    "de": ("Dampf steigt aus der Tasse", "Nebel über dem Tal", "Hitzeflimmern über der Straße"),
    "it": ("il vapore sale dalla tazza", "nebbia sulla valle", "miraggio sulla strada"),
    "ru": ("пар поднимается из чашки", "туман над долиной", "марево над дорогой"),
    "zh": ("杯子冒出蒸汽", "山谷里的雾", "路面上的热浪"),
    "ja": ("カップから湯気", "谷に霧", "道路に陽炎"),
    "ko": ("컵에서 김이 올라", "계곡에 안개", "도로 위 아지랑이"),
}


@pytest.mark.parametrize("language", sorted(WORDS))
def test_each_added_effect_is_read_as_its_own_kind(language: str) -> None:
    steam, fog, heat = WORDS[language]
    assert "region:steam" in read(steam).asks, steam
    assert "region:fog" in read(fog).asks, fog
    assert "region:heat" in read(heat).asks, heat
    assert "region:water" not in read(heat).asks, "heat shimmer is not water"


def test_smoke_steam_and_fog_are_told_apart_in_english() -> None:
    assert read("smoke from the chimney").asks == frozenset({"region:smoke"})
    assert read("a plume of steam").asks == frozenset({"region:steam"})
    assert read("misty morning haze").asks == frozenset({"region:fog"})


@pytest.mark.parametrize(("name", "cup"), [("coffee", True), ("chelsea", False), ("rocket", False),
                                          ("camera", False), ("astronaut", False)])
def test_the_cup_steam_rises_from_is_found_on_real_photos_and_only_there(name: str, cup: bool) -> None:
    data = pytest.importorskip("skimage.data")
    image = getattr(data, name)()
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    scene = analyze_scene(frame_input(np.ascontiguousarray(image[..., :3]), "1080p"))
    source = plume_source(scene)
    assert (source is not None and source.what == "the cup") == cup, source
    if cup:
        assert source is not None and 0.35 < source.x < 0.6 and source.y < 0.4, "the coffee's drink is up, middle"
