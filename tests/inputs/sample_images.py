"""Images made in code for the image input tests: every format and mode, and hostile files."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageCms


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    """`image` saved as `fmt` in memory."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def gradient(width: int = 320, height: int = 320, mode: str = "RGB") -> Image.Image:
    """A colour ramp (red grows to the right, green downwards), converted to `mode`."""
    ys, xs = np.mgrid[0:height, 0:width]
    rgb = np.stack(
        [
            xs * 255 // max(width - 1, 1),
            ys * 255 // max(height - 1, 1),
            (xs + ys) * 255 // max(width + height - 2, 1),
        ],
        axis=-1,
    ).astype(np.uint8)
    return Image.fromarray(rgb).convert(mode)


def png_file(width: int, height: int, bit_depth: int, colour_type: int, rows: bytes) -> bytes:
    """A PNG written by hand, for what Pillow will not write (16-bit RGB) or will not let
    through (a header declaring absurd dimensions)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

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


# Display P3's primaries adapted to the ICC's D50 white (as in Apple's "Display P3" profile).
P3_PRIMARIES_D50 = ((0.5151, 0.2412, -0.0011), (0.2919, 0.6922, 0.0419), (0.1572, 0.0666, 0.7841))
D50_WHITE = (0.9642, 1.0, 0.8249)


def _s15fixed16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + _s15fixed16(x) + _s15fixed16(y) + _s15fixed16(z)


def _icc(name: str, kind: bytes, tags: list[tuple[bytes, bytes]]) -> bytes:
    """An ICC v2 profile: header, tag table and tags, with its description, copyright and white.
    `kind` is the header's class, data colour space and connection space (12 bytes)."""
    ascii_name = name.encode() + b"\0"
    # textDescriptionType: ASCII part, then empty Unicode and ScriptCode parts (67-byte field).
    description = (
        b"desc\0\0\0\0" + struct.pack(">I", len(ascii_name)) + ascii_name + bytes(8 + 3 + 67)
    )
    tags = [(b"desc", description), (b"cprt", b"text\0\0\0\0none\0"), (b"wtpt", _xyz(*D50_WHITE)), *tags]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        data += bytes(-(offset + len(data)) % 4)  # tags start on 4-byte boundaries
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = (
        struct.pack(">I", offset + len(data))
        + b"lcms"
        + bytes([2, 0x10, 0, 0])  # version 2.1
        + kind
        + bytes(12)  # date
        + b"acspAPPL"
        + bytes(20)  # flags, manufacturer, model, attributes
        + bytes(4)  # rendering intent: perceptual
        + _s15fixed16(D50_WHITE[0]) + _s15fixed16(D50_WHITE[1]) + _s15fixed16(D50_WHITE[2])
        + bytes(4 + 16 + 28)  # creator, profile id, reserved
    )  # fmt: skip
    return header + struct.pack(">I", len(tags)) + table + data


def icc_rgb_profile(
    name: str, primaries: tuple[tuple[float, float, float], ...], gamma: float
) -> bytes:
    """A minimal ICC v2 matrix/TRC RGB display profile (what Display P3 and Adobe RGB are),
    written by hand since Pillow can only create sRGB, LAB and XYZ profiles."""
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    return _icc(name, b"mntrRGB XYZ ", [
        *((tag, _xyz(*primary)) for tag, primary in zip((b"rXYZ", b"gXYZ", b"bXYZ"), primaries, strict=True)),
        *((tag, curve) for tag in (b"rTRC", b"gTRC", b"bTRC")),
    ])  # fmt: skip


def icc_cmyk_profile(name: str, black_floor: float) -> bytes:
    """A minimal ICC v2 CMYK printer profile (what a press profile is): one lut16 from CMYK to
    Lab over a 2x2x2x2 grid. Its inks are ideal but its black is a print's, not the screen's:
    full K leaves `black_floor` of the light (of each sRGB channel), so a conversion that honours
    the profile and the plain CMYK-to-RGB formula give visibly different blacks."""
    corners = np.array([[(1 - ink) * (1 - (1 - black_floor) * k) for ink in (c, m, y)]
                        for c in (0, 1) for m in (0, 1) for y in (0, 1) for k in (0, 1)])  # fmt: skip
    srgb = Image.fromarray(np.round(corners * 255).astype(np.uint8).reshape(1, 16, 3))
    lab = np.asarray(ImageCms.applyTransform(srgb, ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"))).reshape(16, 3).astype(float)
    # Pillow's LAB: L 0-255 for 0-100, a and b signed bytes. The lut16's (ICC v2): L 0-0xFF00,
    # a and b in 256ths from -128.
    signed = (lab[:, 1:] + 128) % 256
    encoded = np.stack([lab[:, 0] / 255 * 0xFF00, signed[:, 0] * 256, signed[:, 1] * 256], axis=1)
    lut = (
        b"mft2\0\0\0\0" + bytes([4, 3, 2, 0])  # inputs, outputs, grid points, padding
        + b"".join(_s15fixed16(float(i == j)) for i in range(3) for j in range(3))  # identity matrix
        + struct.pack(">HH", 2, 2)  # two-entry input and output curves: straight lines
        + struct.pack(">8H", *[0, 0xFFFF] * 4)
        + np.round(encoded).clip(0, 0xFFFF).astype(">u2").tobytes()
        + struct.pack(">6H", *[0, 0xFFFF] * 3)
    )  # fmt: skip
    return _icc(name, b"prtrCMYKLab ", [(b"A2B0", lut)])
