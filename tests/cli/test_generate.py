"""`stillmotion generate`: the same engine and encoder as the server, with no server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av

from tests.support.images import encode, landscape
from tests.support.videos import video_shape


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stillmotion", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_generate_writes_the_requested_video(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(encode(landscape(1000, 1000, seed=2)))
    out = tmp_path / "out.mp4"
    result = run_cli("generate", str(photo), "-p", "pan right", "--duration", "2", "--fps", "24",
                     "--seed", "11", "--explain", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Wrote" in result.stdout and "seed 11" in result.stdout
    assert video_shape(out) == (720, 720, 24, 48)


def test_generate_reports_a_bad_image_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "small.png"
    bad.write_bytes(encode(landscape(100, 100), "PNG"))
    result = run_cli("generate", str(bad), "-o", str(tmp_path / "x.mp4"), cwd=tmp_path)
    assert result.returncode == 1
    assert "1001" in result.stdout and "300" in result.stdout
    assert not (tmp_path / "x.mp4").exists()


def test_generate_with_audio_has_a_sound_track_of_the_videos_length(tmp_path: Path) -> None:
    photo = tmp_path / "sea.jpg"
    photo.write_bytes(encode(landscape(1280, 720, seed=3)))
    out = tmp_path / "sea.mp4"
    result = run_cli("generate", str(photo), "-p", "waves roll in", "--audio", "--audio-prompt",
                     "waves crash on the shore, gulls", "--duration", "2", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with av.open(str(out)) as container:
        audio = container.streams.audio[0]
        assert audio.codec_context.name == "aac" and audio.sample_rate == 48_000
        samples = sum(frame.samples for frame in container.decode(audio))
    assert abs(samples / 48_000 - 2.0) <= 1024 / 48_000 * 2


def test_generate_says_what_it_did_not_render_and_never_claims_it(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(encode(landscape(1000, 1000, seed=2)))
    out = tmp_path / "out.mp4"
    result = run_cli("generate", str(photo), "-p", "the dog blinks, pan right", "--duration", "1", "--fps", "24",
                     "--seed", "3", "--explain", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Not rendered: 'blinks': a subject's action" in result.stdout
    rendered = next(line for line in result.stdout.splitlines() if line.startswith("Rendered:"))
    assert "pan right" in rendered and "blinks" not in rendered
    assert '"notes"' in result.stdout  # --explain prints the plan with its notes


def test_strict_generate_fails_with_5006(tmp_path: Path) -> None:
    import os

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(encode(landscape(1000, 1000, seed=2)))
    result = subprocess.run([sys.executable, "-m", "stillmotion", "generate", str(photo), "-p", "she smiles",
                             "--duration", "1", "-o", str(tmp_path / "x.mp4")], capture_output=True, text=True,
                            cwd=tmp_path, timeout=300, env={**os.environ, "STILLMOTION_MOTION_STRICT": "true"})
    assert result.returncode == 1
    assert "error 5006" in result.stdout and "'smiles'" in result.stdout
