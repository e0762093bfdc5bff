"""Turn image bytes into the RGB array every engine starts from (SPEC "Input image").

The format is sniffed from the bytes by Pillow (a Content-Type header or a file extension says
nothing reliable), limited to the formats SPEC lists so that no other Pillow plugin (EPS, PSD,
ICO...) ever parses user input. Size rules are checked on the header, before any pixel is
decoded, so a 100,000 x 100,000 PNG of a few KB costs nothing to refuse.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from stillmotion.errors import ImageRejected
from stillmotion.inputs.limits import MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE
from stillmotion.inputs.sniff import describe_non_image

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


def decode_image(data: bytes) -> np.ndarray:
    """Decode an accepted image to an RGB uint8 array (H, W, 3), EXIF orientation applied,
    alpha composited over white. Raises ImageRejected with a message naming the problem."""
    image = _open_checked(data)
    with image:
        try:
            image.load()  # GIF, WebP and TIFF stay on their first frame/page
        except _DECODE_ERRORS:
            raise ImageRejected("Image file is truncated or corrupt; it could not be decoded.") from None
        upright = _apply_exif_orientation(image)
        return np.array(_to_rgb(upright), dtype=np.uint8)


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
                f"Image declares more than {MAX_IMAGE_PIXELS:,} pixels (decompression bomb); refused."
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

    A damaged EXIF block is not a reason to refuse a picture that decodes: it is ignored.
    """
    try:
        return ImageOps.exif_transpose(image)
    except (*_DECODE_ERRORS, KeyError, TypeError):
        return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode to RGB: high bit depths scaled (not clipped), alpha over white."""
    if image.mode in _HIGH_DEPTH_MODES:
        image = _high_depth_to_l(image)
    has_alpha = image.mode in _ALPHA_MODES or "transparency" in image.info
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
    values = np.asarray(image.convert("F" if image.mode == "F" else "I"), dtype=np.float64)
    peak = float(values.max()) if values.size else 0.0
    if image.mode == "F":
        white = 1.0 if peak <= 1.0 else peak
    else:
        white = next((level for level in (255.0, 65535.0) if peak <= level), peak)
    scaled = np.clip(values * (255.0 / white), 0.0, 255.0)
    return Image.fromarray(np.rint(scaled).astype(np.uint8))
