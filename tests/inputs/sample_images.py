"""Images made in code for the image input tests: every format and mode, and hostile files."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    """`image` saved as `fmt` in memory."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def gradient(width: int = 320, height: int = 320, mode: str = "RGB") -> Image.Image:
    """A colour ramp (red grows to the right, green downwards), converted to `mode`."""
    ys, xs = np.mgrid[0:height, 0:width]
    rgb = np.stack(
        [xs * 255 // max(width - 1, 1), ys * 255 // max(height - 1, 1), (xs + ys) * 255 // max(width + height - 2, 1)],
        axis=-1,
    ).astype(np.uint8)
    return Image.fromarray(rgb).convert(mode)


def png_file(width: int, height: int, bit_depth: int, colour_type: int, rows: bytes) -> bytes:
    """A PNG written by hand, for what Pillow will not write (16-bit RGB) or will not let
    through (a header declaring absurd dimensions)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def png_rgb16(values: np.ndarray) -> bytes:
    """A 16-bit-per-channel RGB PNG of `values` (H, W, 3 uint16)."""
    height, width, _ = values.shape
    rows = b"".join(b"\x00" + values[y].astype(">u2").tobytes() for y in range(height))
    return png_file(width, height, 16, 2, rows)


def png_bomb(width: int, height: int) -> bytes:
    """A few hundred bytes declaring width x height RGB pixels (a decompression bomb's header;
    the data is one row, which a header-only check never reaches)."""
    return png_file(width, height, 8, 2, b"\x00" * (1 + 3 * min(width, 1024)))
