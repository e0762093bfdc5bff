"""Real images, served by a real host, rendered to real MP4s by the real server."""

from __future__ import annotations

from typing import Any

import av
import httpx
import numpy as np
import pytest

from stillmotion.media.framing import cover_crop
from tests.conftest import create_task, wait_for_task
from tests.support.images import encode, landscape, psnr

# (image size, resolution, expected frame size): every aspect bucket at both resolutions.
CASES = [
    ((1200, 700), "720p", (1280, 720)),
    ((600, 1000), "720p", (720, 1280)),
    ((800, 760), "720p", (720, 720)),
    ((1600, 900), "1080p", (1920, 1080)),
    ((900, 1700), "1080p", (1080, 1920)),
    ((1000, 1000), "1080p", (1080, 1080)),
]


def decode_video(data: bytes) -> tuple[dict[str, Any], list[np.ndarray], bool]:
    """The video stream's facts, its frames and whether an audio track is there.

    The facts are read while the container is open: PyAV 15 and later refuse to read a
    stream's attributes once its container is closed.
    """
    import io

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        facts = {"size": (stream.codec_context.width, stream.codec_context.height),
                 "codec": stream.codec_context.name, "pix_fmt": stream.codec_context.pix_fmt,
                 "rate": stream.average_rate}
        has_audio = bool(container.streams.audio)
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
        return facts, frames, has_audio


@pytest.mark.parametrize(("image_size", "resolution", "frame_size"), CASES, ids=[f"{c[1]}-{c[2][0]}x{c[2][1]}" for c in CASES])
def test_task_renders_a_playable_mp4(alice: httpx.Client, image_host: Any, image_size: tuple[int, int],
                                     resolution: str, frame_size: tuple[int, int]) -> None:
    width, height = image_size
    image = landscape(width, height, seed=width)
    url = image_host.add(f"/e2e-{width}x{height}.png", encode(image, "PNG"), "image/png")
    task_id = create_task(alice, image_url=url, resolution=resolution, duration=1, fps=24,
                          prompt="slow push in", seed=7)
    task = wait_for_task(alice, task_id)
    assert task["status"] == "TASK_SUCCEEDED", task
    assert task["progress"] == 100 and task["completed_at"] >= task["created_at"]
    video = httpx.get(task["video_url"], timeout=30)
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"

    facts, frames, has_audio = decode_video(video.content)
    assert facts["size"] == frame_size
    assert facts["codec"] == "h264" and facts["pix_fmt"] == "yuv420p"
    assert facts["rate"] == 24 and len(frames) == 24 and not has_audio
    framed = cover_crop(image, *frame_size)
    assert psnr(frames[0], framed) >= 35.0
    assert psnr(frames[-1], frames[0]) < 35.0, "the last frame should differ visibly from the first"


def test_video_supports_range_requests(alice: httpx.Client, image_host: Any) -> None:
    task = wait_for_task(alice, create_task(alice, image_url=image_host.url("/landscape.jpg")))
    whole = httpx.get(task["video_url"]).content
    part = httpx.get(task["video_url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole)}"
    assert whole.find(b"moov") < whole.find(b"mdat"), "faststart: the index comes before the media"


def test_same_seed_gives_the_same_bytes(alice: httpx.Client, image_host: Any) -> None:
    url = image_host.url("/landscape.jpg")
    first = wait_for_task(alice, create_task(alice, image_url=url, seed=123, prompt="pan left"))
    second = wait_for_task(alice, create_task(alice, image_url=url, seed=123, prompt="pan left"))
    assert httpx.get(first["video_url"]).content == httpx.get(second["video_url"]).content


def test_an_uploaded_image_is_usable_as_image_url(alice: httpx.Client) -> None:
    data = encode(landscape(800, 600, seed=3))
    uploaded = alice.post("/api/vdr/uploads", files={"file": ("photo.jpg", data, "image/jpeg")}).json()
    assert uploaded["code"] == 200, uploaded
    task = wait_for_task(alice, create_task(alice, image_url=uploaded["data"]["image_url"]))
    assert task["status"] == "TASK_SUCCEEDED", task


def test_a_data_url_is_accepted(alice: httpx.Client) -> None:
    import base64

    data_url = "data:image/jpeg;base64," + base64.b64encode(encode(landscape(640, 480, seed=4))).decode()
    task = wait_for_task(alice, create_task(alice, image_url=data_url))
    assert task["status"] == "TASK_SUCCEEDED", task


def test_upload_refuses_what_is_not_an_image(alice: httpx.Client) -> None:
    response = alice.post("/api/vdr/uploads", files={"file": ("x.jpg", b"<html>hello</html>", "image/jpeg")})
    assert response.status_code == 400 and response.json()["code"] == 1001, response.text


def test_generate_audio_adds_an_aac_track_of_the_videos_length(alice: httpx.Client, image_host: Any) -> None:
    import io

    task = wait_for_task(alice, create_task(alice, image_url=image_host.url("/landscape.jpg"), duration=2,
                                            generate_audio=True, audio_prompt="waves crash on the shore, gulls"))
    assert task["status"] == "TASK_SUCCEEDED", task
    with av.open(io.BytesIO(httpx.get(task["video_url"]).content)) as container:
        audio = container.streams.audio[0]
        assert audio.codec_context.name == "aac" and audio.codec_context.channels == 2
        samples = sum(frame.samples for frame in container.decode(audio))
    assert abs(samples / 48_000 - 2.0) <= 2 * 1024 / 48_000
