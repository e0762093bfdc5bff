"""Turn image bytes into the RGB array every engine starts from (SPEC "Input image").

The format is sniffed from the bytes by Pillow (a Content-Type header or a file extension says
nothing reliable), limited to the formats SPEC lists so that no other Pillow plugin (EPS, PSD,
ICO...) ever parses user input. Size rules are checked on the header, before any pixel is
decoded, so a 100,000 x 100,000 PNG of a few KB costs nothing to refuse.
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING

from PIL import Image, ImageOps, UnidentifiedImageError

from stillmotion.errors import ImageRejected
from stillmotion.inputs.colour import to_srgb
from stillmotion.inputs.limits import MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE
from stillmotion.inputs.sniff import describe_non_image

if TYPE_CHECKING:
    import numpy as np

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")
"""Pillow format names of SPEC's list. Multi-picture JPEGs open as "MPO" through the JPEG
plugin and are accepted as JPEG."""

_FORMATS_IN_WORDS = "JPEG, PNG, WebP, GIF, BMP or TIFF"
# How many leading bytes to look at when naming a refused non-image (HTML, SVG, PDF...).
_SNIFF_BYTES = 2048
# Modes whose samples are wider than 8 bits; Pillow's own convert() clips them to 255.
_HIGH_DEPTH_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N", "F"}
_ALPHA_MODES = {"RGBA", "RGBa", "LA", "La", "PA"}
_WHITE = (255, 255, 255, 255)
# What decoding a damaged file raises across Pillow's plugins (truncated data, bad chunks).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError)


def decode_image(data: bytes, *, reduce_to: int | None = None) -> np.ndarray:
    """Decode an accepted image to an sRGB uint8 array (H, W, 3): EXIF orientation applied,
    embedded colour profile honoured, alpha composited over white. Raises ImageRejected with a
    message naming the problem.

    `reduce_to`: the longest frame side the caller will cover (1920 for 1080p). A JPEG is then
    decoded at the smallest DCT scale (1/2, 1/4, 1/8) that keeps both sides at least that
    long: the result still covers any frame of that size, and a 24 MP photo decodes ~3x
    faster in a quarter of the memory. Other formats have no such shortcut and ignore it.
    The size rules always apply to the image's full declared size.
    """
    import numpy as np  # here, not at the top: the API holds no numpy (16 MB) until it decodes an image

    image = _open_checked(data)
    with image:
        if reduce_to is not None:
            image.draft(None, (reduce_to, reduce_to))
        try:
            image.load()  # GIF, WebP and TIFF stay on their first frame/page
        except _DECODE_ERRORS:
            raise ImageRejected(
                "Image file is truncated or corrupt; it could not be decoded."
            ) from None
        upright = _apply_exif_orientation(image)
        try:
            rgb = _to_rgb(to_srgb(upright))
        except ValueError:  # a mode Pillow cannot convert; SPEC's formats rarely carry one
            raise ImageRejected(f"Image colour mode {upright.mode} is not supported.") from None
        return np.array(rgb, dtype=np.uint8)


def check_image_header(data: bytes) -> tuple[int, int]:
    """Every rule the header decides (format, decompression bomb, minimum size), decoding no
    pixel: lets a caller refuse an image before starting work. Returns (width, height)."""
    with _open_checked(data) as image:
        return image.size


def _open_checked(data: bytes) -> Image.Image:
    """Open `data` lazily (header only) and apply every rule that the header can decide:
    format, decompression bomb, minimum size. The caller closes the returned image."""
    image = _open_header(data)
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        image.close()
        raise ImageRejected(_bomb_message(width, height))
    if min(width, height) < MIN_IMAGE_SIDE:
        image.close()
        raise ImageRejected(
            f"Image is {width}x{height} pixels; the minimum is {MIN_IMAGE_SIDE}x{MIN_IMAGE_SIDE}."
        )
    return image


def _open_header(data: bytes) -> Image.Image:
    # Pillow's own bomb check runs inside open(): its warning becomes an error here so that no
    # path decodes an image Pillow itself finds suspicious. (catch_warnings is process-wide;
    # our stricter MAX_IMAGE_PIXELS check after open() is what actually decides.)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected(
                f"Image declares more than {MAX_IMAGE_PIXELS:,} pixels "
                "(decompression bomb); refused."
            ) from None
        except UnidentifiedImageError:
            what = describe_non_image(data[:_SNIFF_BYTES])
            prefix = f"Image is {what}, " if what else "Image is "
            raise ImageRejected(
                f"{prefix}not a supported image format (use {_FORMATS_IN_WORDS})."
            ) from None
        except _DECODE_ERRORS:
            raise ImageRejected("Image file is corrupt; its header could not be read.") from None


def _bomb_message(width: int, height: int) -> str:
    return (
        f"Image declares {width}x{height} = {width * height:,} pixels, more than "
        f"{MAX_IMAGE_PIXELS:,} (decompression bomb); refused."
    )


def _apply_exif_orientation(image: Image.Image) -> Image.Image:
    """Rotate/flip as the EXIF Orientation tag says (phone photos are stored sideways).

    In place: an upright photo (the usual case) is then not copied at all. A damaged EXIF
    block is not a reason to refuse a picture that decodes: it is ignored.
    """
    try:
        ImageOps.exif_transpose(image, in_place=True)
    except (*_DECODE_ERRORS, KeyError, TypeError):
        pass
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode to RGB: high bit depths scaled (not clipped), alpha over white."""
    if image.mode in _HIGH_DEPTH_MODES:
        image = _high_depth_to_l(image)
    has_alpha = image.mode in _ALPHA_MODES or "transparency" in image.info
    if image.mode == "RGB" and not has_alpha:
        return image  # convert() would return a full copy
    if has_alpha:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, _WHITE), rgba).convert("RGB")
    return image.convert("RGB")


def _high_depth_to_l(image: Image.Image) -> Image.Image:
    """16/32-bit integer or float greyscale to 8-bit, scaled from its white level.

    The white level is the nominal full scale the values fit in: 255 for 8-bit data stored
    wide, 65535 for 16-bit, 1.0 for normalised floats; anything beyond that (HDR floats,
    32-bit counts) is scaled by its own maximum. Negative values clip to black.
    """
    import numpy as np

    values = np.asarray(image.convert("F" if image.mode == "F" else "I"), dtype=np.float64)
    values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    peak = float(values.max()) if values.size else 0.0
    if image.mode == "F":
        white = 1.0 if peak <= 1.0 else peak
    else:
        white = next((level for level in (255.0, 65535.0) if peak <= level), peak)
    scaled = np.clip(values * (255.0 / white), 0.0, 255.0)
    return Image.fromarray(np.rint(scaled).astype(np.uint8))
