"""The track as delivered: exact length, loudness, peak ceiling, determinism, clean edges, seamless loops."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from stillmotion.audio import AudioCues, describe_audio, output_samples, synthesize_audio
from stillmotion.audio.layers import LAYERS
from stillmotion.audio.loudness import integrated_loudness, normalize, true_peak
from stillmotion.media.encode import Mp4Writer
from tests.audio.motion_curves import swell
from tests.audio.signal_measures import envelope

AAC_FRAME = 1024


@pytest.mark.parametrize(("num_frames", "fps"), [(48, 24), (121, 24), (45, 30), (7, 30), (150, 60)])
def test_length_is_exactly_the_video_duration(num_frames: int, fps: int) -> None:
    samples = synthesize_audio("", "rain", None, num_frames=num_frames, fps=fps, seed=1)
    assert samples.shape == (round(num_frames * 48_000 / fps), 2) == (output_samples(num_frames, fps), 2)
    assert samples.dtype == np.float32


@pytest.mark.parametrize(
    "audio_prompt", ["heavy rain", "campfire crackling", "thunder", "waves crash on the shore, gulls"]
)
@pytest.mark.parametrize("target", [-16.0, -23.0])
def test_loudness_is_on_target_with_true_peak_under_minus_one(audio_prompt: str, target: float) -> None:
    samples = synthesize_audio("", audio_prompt, None, num_frames=45, fps=30, seed=2, target_lufs=target)
    assert integrated_loudness(samples) == pytest.approx(target, abs=1.0)
    assert 20 * np.log10(true_peak(samples)) < -1.0
    assert np.max(np.abs(samples)) < 1.0


def test_same_seed_same_samples_other_seed_other_samples() -> None:
    kwargs = {"num_frames": 30, "fps": 30}
    first = synthesize_audio("storm over the sea", None, None, seed=11, **kwargs)
    again = synthesize_audio("storm over the sea", None, None, seed=11, **kwargs)
    other = synthesize_audio("storm over the sea", None, None, seed=12, **kwargs)
    assert np.array_equal(first, again)
    assert not np.allclose(first, other)


def test_edges_fade_so_playback_never_clicks() -> None:
    samples = synthesize_audio("", "waterfall", None, num_frames=30, fps=30, seed=3)
    assert np.max(np.abs(samples[0])) < 1e-6 and np.max(np.abs(samples[-1])) < 1e-3
    level = envelope(samples, 0.05)
    assert level[1] > 0.5 * np.median(level)  # the fade is a few ms, not an audible one


def test_a_loop_flows_from_its_end_into_its_start() -> None:
    fps, frames = 30, 60
    cues = AudioCues(fps=fps, num_frames=frames, loop=True, curves={"water": swell(frames, fps, period=1.0)})
    samples = synthesize_audio("", "waterfall", cues, num_frames=frames, fps=fps, seed=5)
    seam = np.concatenate([samples[-4800:], samples[:4800]])  # 100 ms either side of the loop point
    level = envelope(seam, 0.01)
    body = envelope(samples, 0.01)
    # no fade-out/fade-in dip and no jump at the seam: the level there is like anywhere else
    assert level.min() > 0.5 * np.median(body) and level.max() < 2.0 * np.median(body)
    step = np.abs(samples[0] - samples[-1]).max()
    assert step <= np.quantile(np.abs(np.diff(samples, axis=0)).max(axis=1), 0.999)


def test_mp4_audio_stream_lasts_as_long_as_the_video(artifacts: Path) -> None:
    frames, fps = 45, 30
    samples = synthesize_audio(
        "a seascape", "waves crash on the shore, gulls", None, num_frames=frames, fps=fps, seed=1
    )
    path = artifacts / "waves-and-gulls.mp4"
    with Mp4Writer(path, 64, 64, fps, audio=True) as writer:
        for index in range(frames):
            writer.write(np.full((64, 64, 3), index * 5, np.uint8))
        writer.write_audio(samples)
    print(f"listen: {path}")
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        video_seconds = float(video.duration * video.time_base)
        audio_seconds = float(audio.duration * audio.time_base)
        decoded = sum(frame.samples for frame in container.decode(audio=0))
    assert video_seconds == pytest.approx(frames / fps)
    assert abs(audio_seconds - video_seconds) <= AAC_FRAME / 48_000
    assert samples.shape[0] <= decoded <= samples.shape[0] + AAC_FRAME  # the last AAC frame is padded


def test_the_peak_ceiling_wins_when_the_target_is_out_of_reach() -> None:
    """Sparse clicks cannot reach -16 LUFS under -1 dBTP without distortion: the ceiling holds, loudness falls short."""
    clicks = np.zeros((48_000, 2))
    clicks[::4800] = 1.0
    out = normalize(clicks, -16.0)
    assert 20 * np.log10(true_peak(out)) < -1.0
    assert integrated_loudness(out) < -17.0


@pytest.mark.parametrize("loop", [False, True])
def test_every_sound_type_survives_a_one_frame_clip(loop: bool) -> None:
    prompt = "rain thunder wind waves lake stream waterfall fire birds forest city crowd room"
    assert len(describe_audio("", prompt, None)) == len(LAYERS)
    cues = AudioCues(fps=60, num_frames=1, loop=loop)
    samples = synthesize_audio("", prompt, cues, num_frames=1, fps=60, seed=9)
    assert samples.shape == (800, 2) and np.isfinite(samples).all()
    assert 20 * np.log10(true_peak(samples)) < -1.0
