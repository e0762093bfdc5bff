"""Prompt -> plan facts: camera, elements, negation, speed, cfg, negative prompt, loop, seeds."""

from __future__ import annotations

import json

import pytest

from stillmotion.engines.motion.plan import MotionPlan
from stillmotion.engines.motion.prompt import cfg_strength, plan_motion
from stillmotion.engines.motion.prompt_match import read_prompt


def plan(prompt: str, negative: str = "", cfg: float = 5.0, seed: int = 0) -> MotionPlan:
    # The lexicon alone: the paraphrase model is judged in test_paraphrase.py.
    return plan_motion(prompt, negative, cfg, seed, None, paraphrase=False)


def kinds(p: MotionPlan) -> set[str]:
    return {r.kind for r in p.regions} | {f"{x.kind}:particle" for x in p.particles}


@pytest.mark.parametrize(
    ("prompt", "kind", "direction"),
    [
        ("slow push in", "push_in", None),
        ("zoom in on the old house", "push_in", None),
        ("the camera zooms slowly in", "push_in", None),
        ("dolly in", "push_in", None),
        ("pull out to reveal the valley", "static", None),
        ("Zoom out.", "static", None),
        ("pan left", "pan", "left"),
        ("the camera pans from left to right", "pan", "right"),
        ("pan up to the sky", "tilt", "up"),
        ("tilt down", "tilt", "down"),
        ("truck right along the fence", "truck", "right"),
        ("crane up", "pedestal", "up"),
        ("the camera moves to the right", "truck", "right"),
        ("arc left around the statue", "orbit", "left"),
        ("dolly zoom", "dolly_zoom", None),
        ("vertigo effect on the corridor", "dolly_zoom", None),
        ("static camera, trees sway", "static", None),
        ("locked-off shot of the harbour", "static", None),
        ("the camera doesn't move", "static", None),
        ("don't zoom", "static", None),
        ("no camera movement, the river flows", "static", None),
        ("a quiet street at dusk", "push_in", None),
    ],
)
def test_camera_words(prompt: str, kind: str, direction: str | None) -> None:
    camera = plan(prompt).camera
    assert camera.kind == kind
    assert camera.direction == direction


def test_unnamed_directions_come_from_the_seed() -> None:
    seen = {plan("orbit around the statue", seed=s).camera.direction for s in range(12)}
    assert seen == {"left", "right"}
    assert {plan("tilt", seed=s).camera.direction for s in range(12)} == {"up", "down"}


def test_handheld_adds_drift_and_its_negation_removes_it() -> None:
    assert plan("handheld shot").camera.handheld > 0
    assert plan("handheld shot").camera.kind == "static"
    assert plan("pan left, shaky camera").camera.handheld > 0
    steady = plan("pan left without camera shake")
    assert (steady.camera.kind, steady.camera.handheld) == ("pan", 0.0)


@pytest.mark.parametrize(
    ("prompt", "present", "absent"),
    [
        ("clouds drift across the sky", {"sky"}, set()),
        ("the lake shimmers", {"water"}, set()),
        ("a waterfall", {"water"}, set()),
        ("trees sway in the wind", {"foliage"}, {"leaves:particle"}),
        ("leaves rustle", {"foliage"}, {"leaves:particle"}),
        ("falling leaves", {"leaves:particle"}, {"foliage"}),
        ("the candle flickers", {"fire"}, {"light"}),
        ("neon lights flicker", {"light"}, {"fire"}),
        ("fog rolls over the hills", {"fog"}, {"smoke", "steam"}),
        ("steam curls from the kettle", {"steam"}, {"smoke", "fog"}),
        ("smoke rises from the chimney", {"smoke"}, {"steam", "fog"}),
        ("heat shimmer over the road", {"heat"}, {"water"}),
        ("a mirage on the horizon", {"heat"}, set()),
        ("hazy morning mist", {"fog"}, {"heat"}),
        ("heavy rain", {"rain:particle"}, set()),
        ("snow falls gently", {"snow:particle"}, set()),
        ("cherry blossoms falling", {"petals:particle"}, set()),
        ("fireflies and dust", {"fireflies:particle", "dust:particle"}, set()),
        ("magic sparkles", {"sparkles:particle"}, set()),
        ("no rain", set(), {"rain:particle"}),
        ("without rain or snow, clouds drift", {"sky"}, {"rain:particle", "snow:particle"}),
        ("no rain, snow falls", {"snow:particle"}, {"rain:particle"}),
        ("rain but no snow", {"rain:particle"}, {"snow:particle"}),
        ("no fog and the river flows", {"water"}, {"fog"}),
    ],
)
def test_scene_elements_and_negation(prompt: str, present: set[str], absent: set[str]) -> None:
    found = kinds(plan(prompt))
    assert present <= found
    assert not absent & found


@pytest.mark.parametrize(
    ("prompt", "kind", "direction"),
    [
        ("clouds drift to the right", "sky", "right"),
        ("clouds drift from right to left", "sky", "left"),
        ("a waterfall", "water", "down"),
        ("steam rises from the cup", "steam", "up"),
        ("smoke drifts to the left", "smoke", "left"),
        ("fog drifts to the right", "fog", "right"),
        ("the river flows to the left", "water", "left"),
    ],
)
def test_region_directions(prompt: str, kind: str, direction: str) -> None:
    region = next(r for r in plan(prompt).regions if r.kind == kind)
    assert region.direction == direction


def test_each_clause_keeps_its_own_words() -> None:
    p = plan("clouds drift slowly to the left, the camera pans fast to the right")
    sky = next(r for r in p.regions if r.kind == "sky")
    assert (sky.direction, p.camera.direction) == ("left", "right")
    assert sky.speed < 1.0 and p.camera.amount > 0.5


def _camera_speed(prompt: str) -> float:
    p = plan(prompt)
    return p.camera.amount * p.speed


def _cloud_speed(prompt: str) -> float:
    p = plan(prompt)
    return next(r.speed for r in p.regions if r.kind == "sky") * p.speed


@pytest.mark.parametrize(
    ("measure", "slow", "plain", "fast"),
    [
        (_camera_speed, "push in slowly", "push in", "fast push in"),
        (_camera_speed, "pan left gently", "pan left", "pan left quickly"),
        (_cloud_speed, "clouds drift slowly", "clouds drift", "clouds race rapidly"),
        (_cloud_speed, "slowly. clouds", "clouds", "clouds. fast"),
    ],
)
def test_speed_words_order_and_differ_at_least_twice(measure, slow: str, plain: str, fast: str) -> None:
    s, p, f = measure(slow), measure(plain), measure(fast)
    assert s < p < f
    assert f >= 2.0 * s


def test_very_intensifies() -> None:
    assert _camera_speed("very slowly push in") < _camera_speed("slowly push in")


def test_global_speed_words_set_the_clip_tempo() -> None:
    assert plan("slow motion").speed < 1.0 < plan("time-lapse").speed
    assert plan("morning light over the hills").speed == 1.0  # an adjective alone changes nothing


def test_cfg_scale_orders_strength_and_matches_the_documented_curve() -> None:
    strengths = [plan("clouds drift", cfg=c).strength for c in (1, 3, 5, 10, 15)]
    assert strengths == sorted(strengths) and strengths[0] < strengths[-1]
    assert (cfg_strength(1), cfg_strength(5), cfg_strength(15)) == (0.25, 0.5, 0.9)


def test_negative_prompt_removes_what_it_names() -> None:
    assert "rain:particle" not in kinds(plan("rain and fog", negative="rain"))
    assert "fog" in kinds(plan("rain and fog", negative="rain"))
    assert plan("handheld pan left", negative="camera shake").camera.handheld == 0.0
    assert plan("zoom out", negative="zoom out").camera.kind == "push_in"
    assert plan("a harbour", negative="zoom, push in").camera.kind == "static"
    assert plan("a harbour", negative="camera movement").camera.kind == "static"
    assert plan("pan left", negative="camera movement").camera.kind == "pan"  # named wins


def test_negative_quality_words_change_smoothing_speed_strength() -> None:
    base = plan("clouds drift")
    assert plan("clouds drift", negative="jerky motion").smoothing > base.smoothing
    assert plan("clouds drift", negative="shaky").smoothing > base.smoothing
    assert plan("clouds drift", negative="static, frozen").strength > base.strength
    soft = plan("clouds drift", negative="blurry")
    assert soft.speed < base.speed and soft.strength < base.strength


@pytest.mark.parametrize(
    ("prompt", "loop"),
    [("seamless loop of the waterfall", True), ("cinemagraph", True), ("looping clouds", True),
     ("clouds drift", False), ("no loop, clouds drift", False)],
)
def test_loop_flag(prompt: str, loop: bool) -> None:
    assert plan(prompt).loop is loop


def test_a_loop_keeps_the_camera_still_unless_a_move_is_named() -> None:
    assert plan("seamless loop, the lake shimmers").camera.kind == "static"
    assert plan("seamless loop, slow pan left").camera.kind == "pan"


def test_same_seed_same_plan_other_seed_a_variation() -> None:
    prompt = "clouds drift, the lake shimmers, rain, slow push in"
    first = plan(prompt, seed=42).to_dict()
    assert plan(prompt, seed=42).to_dict() == first
    other = plan(prompt, seed=43).to_dict()
    assert other != first
    assert [r["kind"] for r in other["regions"]] == [r["kind"] for r in first["regions"]]


def test_explanation_names_matched_words_and_defaults() -> None:
    p = plan("clouds drift slowly, no rain")
    text = " ".join(p.explanation)
    assert '"clouds"' in text and '"slowly"' in text and "rain" in text
    assert "default slow push-in" in text
    json.dumps(p.to_dict())  # stored with the task


def test_long_prompts_are_read() -> None:
    prompt = "a quiet harbour at dawn, " * 400 + "clouds drift to the left"
    assert "sky" in kinds(plan(prompt))


@pytest.mark.parametrize(
    ("prompt", "kind", "direction"),
    [
        ("rain falls down", "rain", None),  # falling is what rain does: no wind
        ("snow drifts to the left", "snow", "left"),
        ("embers rise", "sparkles", "up"),
    ],
)
def test_particle_directions_are_wind(prompt: str, kind: str, direction: str | None) -> None:
    particle = next(x for x in plan(prompt).particles if x.kind == kind)
    assert particle.direction == direction


def test_a_direction_skips_what_it_cannot_steer() -> None:
    p = plan("trees sway while the camera tilts, pan up")
    assert p.camera.kind == "tilt"
    fire = next(r for r in plan("the candle flickers to the left, clouds").regions if r.kind == "fire")
    assert fire.direction is None
    foliage = next(r for r in plan("trees sway to the right").regions if r.kind == "foliage")
    assert foliage.direction == "right"


def test_negative_prompt_can_refuse_the_loop() -> None:
    assert plan("seamless loop, clouds drift", negative="loop").loop is False


def test_words_with_nothing_to_qualify_are_reported() -> None:
    text = " ".join(plan("morning light, to the left").explanation)
    assert '"light"' in text and '"left"' in text


@pytest.mark.parametrize(("prompt", "source"), [
    ("smoke rises from the chimney", ("from the chimney", "chimney")),
    ("steam rising off the hot coffee, slow pan left", ("off the hot coffee", "hot coffee")),
    ("smoke billows out of the factory stacks", ("out of the factory stacks", "factory stacks")),
    ("steam rises from the cup into the air", ("from the cup", "cup")),
    ("smoke drifts from the left", None),  # a direction, not a place
    ("smoke rises. from the chimney", None),  # another clause
    ("clouds drift from the hills", None),  # only steam and smoke rise from something
])  # fmt: skip
def test_the_place_a_plume_rises_from_is_read(prompt: str, source: tuple[str, str] | None) -> None:
    plumes = [m for m in read_prompt(prompt).mentions if m.concept.kind in ("steam", "smoke")]
    if source is None:
        assert all(m.source is None for m in plumes)
    else:
        assert [m.source for m in plumes] == [source]
