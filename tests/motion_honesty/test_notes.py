"""Every prompt either gets what it asked for or a note that says why not, on real photos.

The photos are scikit-image's `skimage.data` samples (licences in docs/licenses.md).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from stillmotion.config import Settings
from stillmotion.engines.base import RenderRequest
from stillmotion.engines.motion import MotionEngine
from stillmotion.engines.motion.notes import fails_strict
from stillmotion.engines.motion.prompt import plan_motion
from stillmotion.engines.motion.scene import analyze_scene
from stillmotion.pipeline.context import TaskContext
from stillmotion.pipeline.produce import frame_input
from stillmotion.prompts import enhance_prompt
from stillmotion.prompts.reading import read, renderable_prompt

data = pytest.importorskip("skimage.data")
load_sample_image = pytest.importorskip("sklearn.datasets").load_sample_image


def photo(name: str) -> np.ndarray:
    image = getattr(data, name)()
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return frame_input(np.ascontiguousarray(image[..., :3]), "720p")


def planned(name: str, prompt: str, frames: int = 24):
    image = photo(name)
    scene = analyze_scene(image)
    enhanced = enhance_prompt(prompt, "", image, 2, settings=Settings(), analysis=scene).text
    request = RenderRequest(image, enhanced, "", 5.0, 7, frames, 12, scene, user_prompt=prompt)
    return image, enhanced, MotionEngine().prepare(request)


def planned_on_china(prompt: str):
    """scikit-learn's china.jpg (a pagoda, a hazy lake, trees, sky), enhanced and planned as a task is."""
    image = frame_input(np.ascontiguousarray(load_sample_image("china.jpg")), "720p")
    scene = analyze_scene(image)
    enhanced = enhance_prompt(prompt, "", image, 2, settings=Settings(), analysis=scene).text
    return enhanced, MotionEngine().prepare(RenderRequest(image, enhanced, "", 5.0, 7, 24, 12, scene, user_prompt=prompt))


def test_a_cats_blink_is_a_note_not_a_camera_move_or_a_claim() -> None:
    _, enhanced, prepared = planned("chelsea", "the cat blinks and looks around")
    notes = prepared.plan["notes"]
    assert any("'blinks'" in n and "subject" in n for n in notes)
    assert any("'looks around'" in n for n in notes)
    assert "blinks" not in enhanced and "looks" not in enhanced, "the enhanced prompt claims what is not rendered"
    assert prepared.plan["camera"]["kind"] == "push_in", "'looks around' must not become a tilt"


def test_steam_rises_from_the_coffee_cup_visibly_and_is_said() -> None:
    image, enhanced, prepared = planned("coffee", "static camera, steam rises from the coffee")
    assert list(prepared.plan["notes"]) == []
    assert "steam" in [r["kind"] for r in prepared.plan["regions"]]
    assert "steam: rises from the cup" in prepared.plan["explanation"]
    assert "steam" in enhanced
    frames = list(prepared.frames(TaskContext()))
    assert np.array_equal(frames[0], image)
    # The cup sits in the upper middle of the 720p crop: the steam lifts the air above its drink.
    above = (slice(0, 240), slice(480, 800))
    assert np.abs(frames[-1][above].astype(int) - image[above]).mean() > 1.5
    below = (slice(600, None), slice(None))
    assert np.array_equal(frames[-1][below], image[below]), "steam drawn below its cup"


def test_steam_with_nothing_to_rise_from_is_noted_and_nothing_pretends_to_rise() -> None:
    image, enhanced, prepared = planned("chelsea", "steam rises from the cat")
    said = [n for n in prepared.plan["notes"] if "'steam rises'" in n]
    assert said and "nothing in the photo for steam to rise from" in said[0]
    assert fails_strict(said[0]), "under motion_strict, steam with nothing to rise from fails the task"
    assert "steam" not in enhanced
    assert all(region["kind"] not in ("steam", "smoke") for region in prepared.plan["regions"])


def test_a_pull_out_is_never_rendered_as_a_push_in() -> None:
    image, enhanced, prepared = planned("camera", "pull out, zoom out")
    assert prepared.plan["camera"]["kind"] == "static"
    assert any("'zoom out'" in n for n in prepared.plan["notes"])
    assert "push" not in enhanced.lower()
    frames = list(prepared.frames(TaskContext()))
    # Nothing grows: with no region motion the last frame is the first.
    assert np.abs(frames[-1].astype(int) - frames[0].astype(int)).mean() < 1.0


@pytest.mark.parametrize(("prompt", "words"), [("the flag on the pagoda waves", "flag on the pagoda waves"),
                                               ("the banner on the tower sways gently", "banner on the tower sways")])
def test_a_flag_is_cloth_wherever_its_verb_stands(prompt: str, words: str) -> None:
    """'the flag on the pagoda waves' answered 'Rendered: the flag on the pagoda waves', then a note
    on 'flag' while its 'waves' still moved the lake: the verb is the flag's, whatever stands
    between them, and asks nothing of water (or, for 'sways', of foliage)."""
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert any(n.startswith(f"'{words}': cloth or hair moving") for n in plan.notes), plan.notes
    assert not plan.regions


@pytest.mark.parametrize(("prompt", "words"), [("a boat glides over the waves", "'boat glides': a subject's action"),
                                               ("the flag ripples above the rippling lake", "'flag ripples': cloth")])
def test_water_words_beside_a_subject_with_its_verb_still_move_the_water(prompt: str, words: str) -> None:
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert [region.kind for region in plan.regions] == ["water"]
    assert any(n.startswith(words) for n in plan.notes), plan.notes


@pytest.mark.parametrize(
    ("prompt", "words"),
    [
        ("waves crash against the shore", "waves crash"),
        ("crashing waves, slow pan left", "crashing waves"),
        ("the sea rolls", "sea rolls"),
        ("las olas rompen contra la orilla", "olas rompen"),
        ("as ondas quebram na praia", "ondas quebram"),
        ("les vagues se brisent sur le rivage", "vagues se brisent"),
        ("die Wellen brechen am Ufer", "wellen brechen"),
        ("le onde si infrangono sulla riva", "onde si infrangono"),
        ("волны разбиваются о берег", "волны разбиваются"),
        ("海浪拍打海岸", "海浪 拍打"),
        ("波が砕ける", "波 砕ける"),
        ("파도가 부서진다", "파도 부서진다"),
    ],
)
def test_breaking_waves_are_noted_not_passed_off_as_ripples(prompt: str, words: str) -> None:
    """'waves crash against the shore' on china's calm lake answered 'Rendered: waves crash against
    the shore' and rippled the lake: surf rises and breaks, which moving pixels cannot do."""
    plan = plan_motion(prompt, "", 5.0, 1, None)
    said = [n for n in plan.notes if n.lower().startswith(f"'{words.lower()}'")]
    assert said and "cannot raise or break a wave" in said[0], plan.notes
    assert fails_strict(said[0])
    image = frame_input(np.ascontiguousarray(load_sample_image("china.jpg")), "720p")
    assert "crash" not in enhance_prompt(prompt, "", image, 2, settings=Settings()).text.lower()


def test_the_flag_waves_is_cloth_not_water() -> None:
    _, enhanced, prepared = planned("astronaut", "the flag waves")
    assert any("'flag waves'" in n for n in prepared.plan["notes"])
    assert all(region["kind"] != "water" for region in prepared.plan["regions"])
    assert "flag" not in enhanced


@pytest.mark.parametrize("name", ["camera", "rocket"])
def test_sky_below_the_horizon_is_not_claimed_as_the_water_asked_for(name: str) -> None:
    """Both photos have a strip of sky below the median horizon that the water detector takes in
    (unsure, under 3 % of the frame); flowing it under "the water ripples" was a false success."""
    image, enhanced, prepared = planned(name, "static camera, the water ripples")
    assert all(region["kind"] != "water" for region in prepared.plan["regions"])
    said = [n for n in prepared.plan["notes"] if "'water'" in n]
    assert said and "may be water or sky" in said[0]
    assert "water" not in enhanced
    frames = list(prepared.frames(TaskContext()))
    assert np.array_equal(frames[-1], frames[0]), "nothing moves under a static camera with nothing else asked"


def test_the_lake_asked_for_is_rendered_where_the_detector_is_sure_of_it() -> None:
    image = frame_input(np.ascontiguousarray(load_sample_image("china.jpg")), "720p")
    scene = analyze_scene(image)
    request = RenderRequest(image, "static camera, the water ripples", "", 5.0, 7, 24, 12, scene,
                            user_prompt="static camera, the water ripples")  # fmt: skip
    prepared = MotionEngine().prepare(request)
    assert [region["kind"] for region in prepared.plan["regions"]] == ["water"]
    assert not any("'water'" in n for n in prepared.plan["notes"])


@pytest.mark.parametrize(
    ("prompt", "words"),
    [
        ("fireworks burst over the lake", "fireworks"),
        ("fuegos artificiales sobre el lago", "fuegos artificiales"),
        ("feux d'artifice au-dessus du lac", "feux d'artifice"),
        ("telecamera ferma, i fuochi d'artificio sopra l'acqua", "fuochi d'artificio"),
        ("Feuerwerk über dem See", "Feuerwerk"),
        ("湖面上烟花绽放", "烟花"),
        ("湖の上に花火", "花火"),
        ("lightning flashes over the lake", "lightning"),
        ("молния над озером", "молния"),
        ("a shooting star crosses the sky over the lake", "shooting star"),
    ],
)
def test_things_the_photo_lacks_are_noted_even_beside_a_region_that_renders(prompt: str, words: str) -> None:
    """'fireworks burst over the lake' rendered the lake's water and said 'Rendered: fireworks burst
    over the lake': the clause counted as understood because 'lake' was."""
    image = frame_input(np.ascontiguousarray(load_sample_image("china.jpg")), "720p")
    scene = analyze_scene(image)
    enhanced = enhance_prompt(prompt, "", image, 2, settings=Settings(), analysis=scene).text
    prepared = MotionEngine().prepare(RenderRequest(image, enhanced, "", 5.0, 7, 24, 12, scene, user_prompt=prompt))
    said = [n for n in prepared.plan["notes"] if n.lower().startswith(f"'{words.lower()}'")]
    assert said and "not in the photo, and the motion engine does not draw it" in said[0], prepared.plan["notes"]
    assert words.lower() not in enhanced.lower()
    assert "water" in [r["kind"] for r in prepared.plan["regions"]], "the lake it names still moves"


@pytest.mark.parametrize(
    ("prompt", "words", "reason"),
    [
        ("the astronaut waves at the camera", "waves at", "a subject's action"),
        ("boats glide across the lake", "boats glide", "a subject's action"),
        ("sunset light slowly fades to night", "fades to night", "a change of light over time"),
        ("the sun sets behind the hills", "sun sets", "a change of light over time"),
        ("the sky gets darker", "gets darker", "a change of light over time"),
        ("a bird is flying over the lake", "bird is flying", "a subject's action"),
        ("petals fall, a bee lands on the flower", "bee lands", "a subject's action"),
        ("the astronaut floats in space", "astronaut floats", "a subject's action"),
        ("the rocket rises on a pillar of fire", "rocket rises", "a subject's action"),
    ],
)
def test_what_used_to_pass_as_rendered_is_noted(prompt: str, words: str, reason: str) -> None:
    """Each answered 'Rendered: <the prompt>' with no note (or, for 'waves at', said no water was
    found): a boat's glide, a wave of the hand, a change of the light are not rendered."""
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert any(n.startswith(f"'{words}': {reason}") for n in plan.notes), plan.notes
    assert all(region.kind != "water" for region in plan.regions) or "lake" in prompt
    assert not any("floats in" in line for line in plan.explanation), "a subject's verb steered the camera"


@pytest.mark.parametrize(
    ("prompt", "kind"),
    [
        ("la caméra glisse doucement. Water shimmers gently, clouds drift very slowly.", "truck"),
        ("la cámara avanza despacio. Water shimmers gently.", "push_in"),
        ("les arbres bougent dans le vent, la caméra avance", "push_in"),
        ("the camera creeps closer", "push_in"),
    ],
)
def test_camera_words_are_read_in_the_users_language_beside_the_enhancers_english(prompt: str, kind: str) -> None:
    """An enhanced prompt is the user's words and then the enhancer's English: read as one text,
    English won and 'la caméra glisse' fell back, unnoted, to the default push-in."""
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert plan.camera.kind == kind, plan.explanation
    assert plan.notes == ()


@pytest.mark.parametrize(
    ("prompt", "camera", "regions"),
    [
        ("telecamera ferma, l'acqua scorre", "static", ["water"]),
        ("caméra fixe, l'eau ondule", "static", ["water"]),
        ("câmera gira ao redor do pagode", "orbit", []),
        ("la cámara se queda quieta y el agua se mueve", "static", ["water"]),
        ("die Kamera bleibt ruhig, das Wasser kräuselt sich", "static", ["water"]),
    ],
)
def test_elided_articles_and_more_camera_words(prompt: str, camera: str, regions: list[str]) -> None:
    """'l'acqua' and 'l'eau' went unread (the article glued to the word), and with them the clause;
    Italian 'telecamera ferma' and Portuguese 'gira ao redor' were not in the lexicon."""
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert (plan.camera.kind, [r.kind for r in plan.regions], plan.notes) == (camera, regions, ())


def test_a_speed_word_does_not_make_a_request_understood() -> None:
    """'the cup rotates slowly' answered 'Rendered: the cup rotates slowly': its 'slowly' made the
    clause count as read. The rotation is noted now; the slowness still applies to the clip."""
    plan = plan_motion("the cup rotates slowly", "", 5.0, 1, None)
    assert any(n.startswith("'the cup rotates slowly': not understood") for n in plan.notes)
    assert plan.speed == plan_motion("slowly", "", 5.0, 1, None).speed < 1.0
    for read in ("make it slow", "very slowly please", "slow and smooth"):
        assert plan_motion(read, "", 5.0, 1, None).notes == (), read


def test_a_camera_asked_to_do_what_no_word_says_gets_a_note() -> None:
    plan = plan_motion("la caméra tremble doucement", "", 5.0, 1, None)
    assert any(n.startswith("'la caméra tremble doucement': not understood") for n in plan.notes), plan.notes
    assert plan_motion("slow camera", "", 5.0, 1, None).notes == (), "speed words alone are read"
    assert plan_motion("no camera movement", "", 5.0, 1, None).camera.kind == "static"


def test_a_drone_shot_is_a_forward_move_and_a_launch_pad_is_a_place() -> None:
    """'drone shot flying over the lake' rendered the enhancer's default pan while saying it was
    rendered; 'the launch pad lights blink' was two subject actions ('launch', 'blink')."""
    assert plan_motion("a hyperlapse through the trees", "", 5.0, 1, None).camera.kind == "push_in"
    assert plan_motion("slow rotation around the cup", "", 5.0, 1, None).camera.kind == "orbit"
    assert any("'turns around'" in n for n in plan_motion("she turns around", "", 5.0, 1, None).notes)
    drone = plan_motion("drone shot flying over the lake", "", 5.0, 1, None)
    assert drone.camera.kind == "push_in" and any('"drone shot"' in e or '"flying"' in e for e in drone.explanation)
    lights = plan_motion("the launch pad lights blink", "", 5.0, 1, None)
    assert [r.kind for r in lights.regions] == ["light"] and lights.notes == ()
    assert any("'rocket launches'" in n for n in plan_motion("the rocket launches", "", 5.0, 1, None).notes)


@pytest.mark.parametrize(
    ("prompt", "regions"),
    [
        ("keep everything still except the trees", ["foliage"]),
        ("everything else stays still, the water flows", ["water"]),
        ("the rest remains frozen while clouds drift", ["sky"]),
    ],
)
def test_everything_else_still_holds_the_camera(prompt: str, regions: list[str]) -> None:
    """'keep everything still except the trees' got the enhancer's default pan, while the task
    said the prompt was rendered."""
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert (plan.camera.kind, [r.kind for r in plan.regions], plan.notes) == ("static", regions, ())


def test_a_parallax_effect_is_a_camera_move_and_sparkling_eyes_are_the_subjects() -> None:
    """'parallax effect' was noted as not understood (it is what the engine does); 'her eyes sparkle'
    drew the sparkles particle over the whole frame and said it was rendered."""
    for prompt in ("parallax effect", "3d parallax", "parallax"):
        plan = plan_motion(prompt, "", 5.0, 1, None)
        assert (plan.camera.kind, plan.notes) == ("push_in", ()), prompt
    assert plan_motion("3d parallax, camera moves right", "", 5.0, 1, None).camera.kind == "truck"
    eyes = plan_motion("her eyes sparkle", "", 5.0, 1, None)
    assert eyes.particles == () and any(n.startswith("'eyes sparkle': a subject's action") for n in eyes.notes)


def test_a_second_camera_move_is_noted_and_left_out_of_the_enhanced_prompt() -> None:
    """A clip makes one camera move. 'zoom in slowly, then zoom out' said the pull-out left the
    camera still (it pushed in) and the enhanced prompt read 'zoom in slowly, static camera';
    'zoom in, then pan left' dropped the pan without a word."""
    for prompt, later, first in (("zoom in slowly, then zoom out", "zoom out", "zoom in"),
                                 ("zoom in slowly, then pan left", "pan", "zoom in"),
                                 ("static camera, pan left", "pan", "static camera")):  # fmt: skip
        plan = plan_motion(prompt, "", 5.0, 1, None)
        assert plan.notes == (f"'{later}': a clip makes one camera move, the first one named ('{first}').",)
        assert renderable_prompt(prompt, None) == prompt.split(",")[0]
    assert plan_motion("zoom in, push closer", "", 5.0, 1, None).notes == (), "the same move said twice"


def test_lightning_bugs_are_fireflies_not_lightning() -> None:
    plan = plan_motion("lightning bugs drift in the dark", "", 5.0, 1, None)
    assert [p.kind for p in plan.particles] == ["fireflies"] and plan.notes == ()


def test_clouds_drift_on_a_real_sky_renders_visibly_and_gets_no_note() -> None:
    image, _, prepared = planned("rocket", "static camera, clouds drift to the right across the sky")
    assert [r["kind"] for r in prepared.plan["regions"]] == ["sky"]
    assert list(prepared.plan["notes"]) == []
    frames = list(prepared.frames(TaskContext()))
    assert np.abs(frames[-1].astype(int) - frames[0].astype(int)).mean() > 0.3


def test_faint_region_motion_measured_on_frames_is_reported_as_not_rendered() -> None:
    """A plain black sky (Hubble's deep field read as sky or not): its drift changes no pixel."""
    image = np.zeros((360, 640, 3), np.uint8)
    image[:, :] = (40, 80, 160)  # a perfectly clear blue sky over...
    image[260:] = (60, 90, 40)  # ...a field
    scene = analyze_scene(image)
    assert "sky" in scene.elements
    request = RenderRequest(image, "clouds drift", "", 5.0, 3, 24, 12, scene)
    prepared = MotionEngine().prepare(request)
    assert list(prepared.plan["regions"]) == []
    assert any("'clouds'" in n and "visible" in n for n in prepared.plan["notes"])
    # Two words for one faint sky make one note, not the same sentence twice.
    request = RenderRequest(image, "clouds racing across the sky", "", 5.0, 3, 24, 12, scene)
    notes = MotionEngine().prepare(request).plan["notes"]
    assert [n for n in notes if "visible" in n] == [
        n for n in notes if n.startswith("'clouds', 'sky': sky motion here would move less than a visible amount")]
    assert len(notes) == 1, notes


def test_no_prompt_and_nothing_detected_is_the_slow_push_in_not_a_pan() -> None:
    image, enhanced, prepared = planned("chelsea", "")
    assert prepared.plan["camera"]["kind"] == "push_in"
    assert list(prepared.plan["notes"]) == []


@pytest.mark.parametrize(
    "prompt",
    [
        "pan left, waves",
        "paneo a la izquierda, olas",
        "panorâmica para a esquerda, ondas",
        "panoramique vers la gauche, vagues",
        "Kamera schwenkt nach links, Wellen",
        "panoramica verso sinistra, onde",
        "镜头向左平移，海浪",
        "カメラが左へパンする、波",
        "카메라 왼쪽으로 패닝, 파도",
        "камера панорамирует влево, волны",
    ],
)
def test_camera_and_region_words_in_ten_languages(prompt: str) -> None:
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert (plan.camera.kind, plan.camera.direction) == ("pan", "left")
    assert [r.kind for r in plan.regions] == ["water"]
    assert plan.notes == ()


@pytest.mark.parametrize(
    ("prompt", "fast"),
    [("slowly zoom in", False), ("zoom in fast", True), ("acercamiento lento", False), ("zoom avant rapide", True),
     ("langsam heranzoomen", False), ("缓慢推进", False), ("快速推进", True), ("ゆっくりズームイン", False),
     ("천천히 줌인", False), ("быстро наезд", True)],
)
def test_speed_words_in_other_languages(prompt: str, fast: bool) -> None:
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert plan.camera.kind == "push_in"
    base = plan_motion("zoom in", "", 5.0, 1, None).camera.amount
    assert (plan.camera.amount > base) == fast and plan.camera.amount != base


@pytest.mark.parametrize("prompt", ["el gato duerme tranquilo", "猫咪在睡觉", "der Hund bellt laut"])
def test_words_not_understood_get_a_note_never_a_silent_default(prompt: str) -> None:
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert plan.notes and "not understood" in plan.notes[0]


def test_english_words_shared_with_other_languages_stay_english() -> None:
    assert read("we see the mountains").asks == frozenset()  # "see" is a German lake
    assert read("a piano on the stage").tempo is None  # "piano" is Italian for slowly


def test_a_thin_pole_in_front_of_a_drifting_sky_stays_rigid() -> None:
    """The sky drifts; a 4-px pole standing in it (which the 384-px mask half-covers) must not melt."""
    from stillmotion.engines.motion.engine import prepare_plan
    from stillmotion.engines.motion.plan import CameraMove, MotionPlan, RegionEffect
    from stillmotion.engines.motion.scene import SceneAnalysis

    width, height = 1280, 720
    rng = np.random.default_rng(0)
    sky = cv2.GaussianBlur(rng.integers(90, 200, (height, width, 3)).astype(np.uint8), (0, 0), 6)  # textured sky
    image = sky.copy()
    image[500:] = (70, 90, 50)
    image[60:500, 640:644] = (20, 20, 20)  # the pole
    mask = np.zeros((216, 384), np.float32)
    mask[:150] = 1.0
    mask[18:150, 191:194] = 0.6  # half-covered by the coarse mask, as the guided filter leaves it
    scene = SceneAnalysis(depth=np.tile(np.linspace(1, 0, 216, dtype=np.float32)[:, None], (1, 384)),
                          masks={"sky": mask}, elements=frozenset({"sky"}))
    plan = MotionPlan(camera=CameraMove("static", None, 0.0), regions=(RegionEffect("sky", 1.0, 2.0, "right"),))
    request = RenderRequest(image, "", "", 5.0, 1, 24, 12, scene)
    frames = list(prepare_plan(request, plan, scene).frames(TaskContext()))
    pole = (slice(80, 480), slice(636, 648))
    assert np.abs(frames[-1][pole].astype(int) - image[pole].astype(int)).max() <= 2, "the pole moved"
    far = (slice(40, 300), slice(100, 500))
    assert np.abs(frames[-1][far].astype(int) - image[far].astype(int)).mean() > 1.0, "the sky must still drift"


def test_an_orbit_on_a_photo_with_weak_depth_is_smaller_and_says_so() -> None:
    image = frame_input(data.stereo_motorcycle()[0], "720p")
    scene = analyze_scene(image)
    request = RenderRequest(image, "orbit around the motorcycle", "", 5.0, 7, 24, 12, scene)
    prepared = MotionEngine().prepare(request)
    assert prepared.renderer.camera.kept < 0.5
    assert any("'orbit'" in n and "parallax" in n for n in prepared.plan["notes"])


@pytest.mark.parametrize("prompt", ["A scene", "A scene.", "a scene at night", "she looks up at the sky"])
def test_captions_and_subject_verbs_never_steer_the_camera(prompt: str) -> None:
    """The paraphrase model read "A scene" as a pan and "looks up" as a tilt: camera words govern the camera."""
    assert plan_motion(prompt, "", 5.0, 4, None).camera.kind == "push_in"


def test_a_plume_from_a_named_place_the_engine_cannot_find_says_where_it_rises_instead() -> None:
    _, enhanced, prepared = planned("coffee", "static camera, steam rises from the kettle")
    assert list(prepared.plan["notes"]) == [
        "'from the kettle': the motion engine finds flames, a cup or the main subject in a photo, not a thing by "
        "its name; the steam rises from the cup instead."
    ]
    assert "steam" in [r["kind"] for r in prepared.plan["regions"]], "the steam is still drawn, from the cup"
    assert "steam" in enhanced and "kettle" not in enhanced, "the enhanced prompt claims the kettle"
    assert not any(fails_strict(n) for n in prepared.plan["notes"]), "drawn elsewhere is not 'not rendered'"


@pytest.mark.parametrize("prompt", ["steam rises from the coffee", "steam rising off the hot coffee, slowly",
                                    "steam rises from the cup into the air", "steam drifts up from the left"])
def test_a_plume_from_what_the_engine_found_or_from_no_place_gets_no_note(prompt: str) -> None:
    assert list(planned("coffee", prompt)[2].plan["notes"]) == []


def test_a_paraphrased_region_too_faint_to_show_is_noted_and_not_claimed() -> None:
    """'static camera, drift slowly' on china: the paraphrase model reads 'drift slowly' as the sky,
    whose motion is too faint to show there. The engine dropped it, but its note and the
    enhanced prompt read the prompt without the paraphrase model: no note, and 'Rendered: static
    camera, drift slowly'."""
    from stillmotion.prompts.reading import without_kinds

    prompt = "static camera, drift slowly"
    image = frame_input(np.ascontiguousarray(load_sample_image("china.jpg")), "720p")
    scene = analyze_scene(image)
    prepared = MotionEngine().prepare(RenderRequest(image, prompt, "", 5.0, 7, 24, 12, scene, user_prompt=prompt))
    assert "sky" not in [r["kind"] for r in prepared.plan["regions"]]
    said = [n for n in prepared.plan["notes"] if n.startswith("'drift slowly': sky motion here would move less")]
    assert said, prepared.plan["notes"]
    assert without_kinds(prompt, frozenset({"sky"})) == "static camera"


@pytest.mark.parametrize(
    ("prompt", "said", "flag"),
    [
        ("camera shakes as the engines roar", "handheld camera", "handheld"),
        ("seamless loop of the cat blinking", "seamless loop", "loop"),
        ("cinemagraph where the cat blinks", "cinemagraph", "cinemagraph"),
    ],
)
def test_a_left_out_clause_keeps_its_handheld_loop_or_cinemagraph(prompt: str, said: str, flag: str) -> None:
    """'camera shakes as the engines roar' on the rocket rendered no shake: its clause was left out
    of the enhanced prompt for the roar, and only camera and region words were said again."""
    kept = renderable_prompt(prompt, None)
    assert kept == said
    assert flag in read(kept).asks
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert plan.notes, "what was left out still has its note"


def test_lights_glow_only_where_the_photo_has_lights() -> None:
    """'headlights flicker' on skimage's motorcycle (a daylit garage, the headlamp off) answered
    'Rendered: headlights flicker' and flickered the photo's brightest pixels: the red tank, the
    shelves, the boxes. Lights are the point lights and flames the analysis finds (the Hubble
    field's stars and galaxies glow)."""
    prompt = "static camera, headlights flicker"
    garage = frame_input(np.ascontiguousarray(data.stereo_motorcycle()[0]), "720p")
    prepared = MotionEngine().prepare(RenderRequest(garage, prompt, "", 5.0, 7, 24, 12, analyze_scene(garage),
                                                    user_prompt=prompt))
    assert "light" not in [r["kind"] for r in prepared.plan["regions"]]
    said = [n for n in prepared.plan["notes"] if "no lamps or flames" in n]
    assert said and fails_strict(said[0]), prepared.plan["notes"]
    frames = list(prepared.frames(TaskContext()))
    assert np.array_equal(frames[-1], frames[0])

    prompt = "static camera, lights glow"
    _, _, space = planned("hubble_deep_field", prompt)
    assert "light" in [r["kind"] for r in space.plan["regions"]] and not space.plan["notes"]


@pytest.mark.parametrize(("prompt", "words"), [("the flower blooms", "flower blooms"), ("the trees grow", "trees grow"),
                                               ("the tulips open slowly", "tulips open")])
def test_a_plant_changing_shape_is_noted_not_passed_off_as_sway(prompt: str, words: str) -> None:
    """'the trees grow' on china answered 'Rendered: the trees grow' and swayed the trees."""
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert any(n.startswith(f"'{words}': a plant opening, growing or wilting") for n in plan.notes), plan.notes
    assert not plan.regions


def test_a_shaking_tripod_shakes_and_a_sky_turning_orange_is_noted() -> None:
    """'the tripod shakes' on camera.png was read as "shot on a tripod": a locked-off camera,
    the opposite, under 'Rendered: the tripod shakes'. 'the sky turns orange' said only that the
    sky's motion was too faint, as if a colour change could have been rendered."""
    assert plan_motion("the tripod shakes", "", 5.0, 1, None).camera.handheld > 0
    assert plan_motion("shot on a tripod", "", 5.0, 1, None).camera.kind == "static"
    plan = plan_motion("the sky turns orange", "", 5.0, 1, None)
    assert any(n.startswith("'turns orange': a change of light over time") for n in plan.notes), plan.notes


def test_a_push_in_on_a_portrait_closes_on_the_face() -> None:
    """'zoom in on her face' pushed in on the centroid of the salient-subject mask, which on the
    astronaut is scattered highlights (the helmet, the patches), not her: the face drifted up and
    out of the frame's middle. A portrait's push-in keeps the face where it is and grows it."""
    from stillmotion.engines.motion.scene_faces import find_faces

    image, _, prepared = planned("astronaut", "zoom in on her face")
    (face,) = find_faces(image, min_share=0.12)
    height, width = image.shape[:2]
    centre = np.array([[(face.x + face.width / 2) * width, (face.y + face.height / 2) * height]])
    last = prepared.renderer.camera.poses[-1]
    assert last.zoom > 1.02
    on_screen, _ = last.on_screen(centre, np.zeros(1), width, height)
    assert float(np.abs(on_screen - centre).max()) < 2.0, on_screen


def test_a_clause_naming_a_faint_region_beside_what_renders_claims_only_what_renders() -> None:
    """On china, "The camera slowly pushes in as gentle ripples spread across the water and leaves
    rustle in the breeze." kept its clause whole in 'Rendered:' beside a note that the water was
    too faint to show: a clause was left out only when everything it named was dropped."""
    from stillmotion.prompts.reading import without_kinds

    prompt = "The camera pushes in as gentle ripples spread across the water and leaves rustle. Soft light"
    kept = without_kinds(prompt, frozenset({"water"}))
    assert kept == "push in, trees and grass sway. Soft light"
    assert read(kept).asks == frozenset({"camera:push_in", "region:foliage"})
    assert without_kinds("pan left slowly as the lake ripples", frozenset({"water"})) == "slow pan left"


@pytest.mark.parametrize(
    ("name", "prompt", "rendered"),
    [
        ("chelsea", "the cat looks to the sky", []),
        ("rocket", "stars twinkle in the night sky", ["twinkle"]),
        ("coffee", "static camera, steam rises into the sky", ["steam"]),
        ("chelsea", "the camera pans across the lake", []),
    ],
)
def test_a_place_where_something_happens_is_not_asked_to_move(name: str, prompt: str, rendered: list[str]) -> None:
    """'the cat looks to the sky' answered 'Rendered: Very slow push in' with a note that the sky
    would move too little, and no word on the cat: the cat's look is the ask, the sky its place."""
    _, enhanced, prepared = planned(name, prompt)
    notes = prepared.plan["notes"]
    assert not any(n.startswith(("'sky'", "'lake'")) for n in notes), notes
    assert [region["kind"] for region in prepared.plan["regions"]] == rendered
    if name == "chelsea" and "looks" in prompt:
        assert any(n.startswith("'looks to'") and "subject" in n for n in notes), notes
        assert "sky" not in enhanced.lower()


@pytest.mark.parametrize("prompt", ["clouds drift across the sky", "the lake ripples under the sky",
                                    "a calm lake, the trees sway"])  # fmt: skip
def test_a_region_asked_for_in_its_own_words_is_still_an_ask(prompt: str) -> None:
    kinds = {region.kind for region in plan_motion(prompt, "", 5.0, 1, None).regions}
    assert kinds >= ({"sky"} if "clouds" in prompt else {"water"}), kinds


def test_clauses_not_understood_share_one_note_in_the_users_exact_words() -> None:
    """A prompt in the style people paste ('a beautiful photo of a cat, cinematic, 4k, high
    quality') gave four notes, each with the ten languages, and quoted 'a beautiful photo of cat'
    (a repeated word dropped as if it were a translated phrase's)."""
    plan = plan_motion("a beautiful photo of a cat, cinematic, 4k, high quality", "", 5.0, 1, None)
    said = [n for n in plan.notes if "not understood" in n]
    assert len(said) == 1, plan.notes
    assert said[0].startswith("'a beautiful photo of a cat', 'cinematic', '4k', 'high quality': not understood")


@pytest.mark.parametrize(("prompt", "words"), [("the camera rotates clockwise", "rotates clockwise"),
                                               ("camera rolls to the left", "camera rolls"),
                                               ("dutch angle, slow", "dutch angle"), ("barrel roll", "barrel roll")])
def test_a_roll_is_noted_and_the_camera_holds_never_a_truck(prompt: str, words: str) -> None:
    """'the camera rotates clockwise' answered 'Rendered: the camera rotates clockwise.' over a
    truck to the right: "clockwise" was read as a direction for a bare camera."""
    _, enhanced, prepared = planned("chelsea", prompt)
    said = [n for n in prepared.plan["notes"] if n.startswith(f"'{words}'")]
    assert said and "a roll" in said[0], prepared.plan["notes"]
    assert fails_strict(said[0])
    assert prepared.plan["camera"]["kind"] == "static"
    assert "rotat" not in enhanced and "roll" not in enhanced and "static camera" in enhanced.lower()


def test_an_orbit_may_still_go_clockwise() -> None:
    plan = plan_motion("orbit clockwise around the pagoda", "", 5.0, 1, None)
    assert (plan.camera.kind, plan.camera.direction, plan.notes) == ("orbit", "right", ())


@pytest.mark.parametrize("prompt", ["only the water moves", "just the lake ripples, gently"])
def test_only_a_region_moving_holds_the_camera(prompt: str) -> None:
    """'only the water moves' on china answered 'Rendered: only the water moves. Very slow pan
    right': the enhancer's pan moved the pagoda, the trees and the sky too."""
    enhanced, prepared = planned_on_china(prompt)
    assert prepared.plan["camera"]["kind"] == "static", enhanced
    assert "pan" not in enhanced.lower() and "push" not in enhanced.lower()
    assert [region["kind"] for region in prepared.plan["regions"]] == ["water"]


def test_a_camera_named_beside_only_still_moves() -> None:
    assert plan_motion("only the water moves, pan left", "", 5.0, 1, None).camera.kind == "pan"


@pytest.mark.parametrize("prompt", ["solo el agua se mueve", "só a água se move", "seul le lac bouge",
                                    "nur das Wasser bewegt sich", "solo l'acqua si muove", "только вода движется",
                                    "只有水在动"])  # fmt: skip
def test_only_a_region_moving_holds_the_camera_in_other_languages(prompt: str) -> None:
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert (plan.camera.kind, [region.kind for region in plan.regions], plan.notes) == ("static", ["water"], ())


@pytest.mark.parametrize(("prompt", "words"), [("el gato mira al cielo", "mira al"),
                                               ("le chat regarde vers le ciel", "regarde vers"),
                                               ("die Katze schaut zum Himmel", "schaut zum"),
                                               ("o gato olha para o céu", "olha para"),
                                               ("il gatto guarda verso il cielo", "guarda verso"),
                                               ("кот смотрит на небо", "смотрит на"), ("猫看向天空", "看向")])
def test_a_look_toward_the_sky_is_the_subjects_in_other_languages(prompt: str, words: str) -> None:
    """'el gato mira al cielo' rendered a sky drift with no word on the cat: the sky is where it looks."""
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert [n.split(":")[0] for n in plan.notes] == [f"'{words}'"], plan.notes
    assert not plan.regions


def test_words_with_one_reason_share_one_note() -> None:
    """'reflections shimmer on the chrome' gave 'no water was found' twice, once per word."""
    _, _, prepared = planned("coffee", "reflections shimmer on the saucer, the cat blinks and smiles")
    notes = prepared.plan["notes"]
    assert sum("no water was found" in n for n in notes) == 1 and "'reflections', 'shimmer': no water" in notes[0]
    assert sum("a subject's action" in n for n in notes) == 1
    assert any(n.startswith("'blinks', 'smiles': a subject's action") for n in notes), notes


def test_a_flower_a_bee_buzzes_around_is_its_place() -> None:
    plan = plan_motion("a bee buzzes around the flower", "", 5.0, 1, None)
    assert [n.split(":")[0] for n in plan.notes] == ["'bee buzzes'"] and not plan.regions


@pytest.mark.parametrize(("prompt", "still", "moving"), [
    ("the trees don't move, the water ripples", "foliage", "water"),
    ("the water stays still but the trees sway", "water", "foliage"),
    ("the lake remains perfectly still", "water", None),
    ("the sky is motionless", "sky", None),
])  # fmt: skip
def test_a_region_said_to_keep_still_does_not_move(prompt: str, still: str, moving: str | None) -> None:
    """'the trees don't move' on china swayed the trees (and 'the water stays still' rippled the
    lake) under 'Rendered:' lines that quoted the user: a stillness said after a region refuses it."""
    enhanced, prepared = planned_on_china(prompt)
    kinds = [region["kind"] for region in prepared.plan["regions"]]
    assert still not in kinds, (enhanced, prepared.plan["explanation"])
    assert moving is None or moving in kinds


@pytest.mark.parametrize(("prompt", "camera", "regions"), [
    ("stop the water", "push_in", []),
    ("the clouds stop", "push_in", []),
    ("no movement at all", "static", []),
    ("nothing moves", "static", []),
    ("freeze frame", "static", []),
    ("without any motion", "static", []),
    ("camera movement: none, water: ripples", "static", ["water"]),
    ("no motion blur, clouds drift", "push_in", ["sky"]),
])  # fmt: skip
def test_what_is_told_to_stop_stops(prompt: str, camera: str, regions: list[str]) -> None:
    """Each of these moved what it said should not: 'stop the water' rippled it, 'nothing moves'
    and 'no movement at all' pushed in, 'camera movement: none' (a structured prompt) trucked.
    'no motion blur' is about blur, not motion: the camera keeps its default."""
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert (plan.camera.kind, [region.kind for region in plan.regions]) == (camera, regions), plan.explanation


def test_a_waterfall_on_a_lake_is_noted_not_poured_down() -> None:
    """'the waterfall cascades' on china answered 'Rendered: the waterfall cascades' and flowed
    the lake downward: the water the engine finds lies flat."""
    enhanced, prepared = planned_on_china("the waterfall cascades, slow push in")
    notes = prepared.plan["notes"]
    assert len(notes) == 1 and notes[0].startswith("'waterfall', 'cascades': the motion engine finds water lying flat")
    assert fails_strict(notes[0])
    assert all(region.get("direction") != "down" for region in prepared.plan["regions"])
    assert "waterfall" not in enhanced.lower() and "cascad" not in enhanced.lower()


def test_the_sun_shining_through_the_trees_asks_for_its_rays() -> None:
    """It answered 'Rendered: the sun shines through the trees' over swaying trees and no rays."""
    plan = plan_motion("the sun shines through the trees", "", 5.0, 1, None)
    assert [region.kind for region in plan.regions] == ["rays"]


@pytest.mark.parametrize(("prompt", "camera", "regions"), [
    ("freeze the pagoda, animate the lake", "static", ["water"]),
    ("keep the pagoda still, the lake ripples", "static", ["water"]),
    ("hold the lighthouse still while the sea moves", "static", ["water"]),
    ("keep the water still, clouds drift", "push_in", ["sky"]),
])  # fmt: skip
def test_a_thing_to_keep_still_holds_the_camera(prompt: str, camera: str, regions: list[str]) -> None:
    """'freeze the pagoda, animate the lake' noted the pagoda as not understood and pushed in,
    moving it; a region kept still ('keep the water still') is refused instead."""
    plan = plan_motion(prompt, "", 5.0, 1, None)
    assert (plan.camera.kind, [region.kind for region in plan.regions], plan.notes) == (camera, regions, ())
