"""What a test checks of a rendered MP4, read back with PyAV."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import av


def video_shape(source: str | Path | BinaryIO) -> tuple[int, int, Fraction | None, int]:
    """(width, height, average frame rate, frames decoded) of the first video stream.

    Frames are counted by decoding, not from the container's header, so a truncated or
    mis-muxed file shows up as a short count.
    """
    with av.open(str(source) if isinstance(source, Path) else source, mode="r") as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return stream.codec_context.width, stream.codec_context.height, stream.average_rate, frames
