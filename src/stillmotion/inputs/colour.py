"""Embedded ICC profiles to sRGB, so colours survive into a video that players show as sRGB.

Phones save Display P3 JPEGs, cameras Adobe RGB, print workflows CMYK with a press profile.
Taking their numbers as sRGB (what a plain mode conversion does) washes P3 and Adobe RGB out
and turns CMYK muddy. LittleCMS, bundled in Pillow's wheels, converts with the file's own
profile; a profile it cannot read is ignored rather than a reason to refuse the picture.
"""

from __future__ import annotations

import io

from PIL import Image, ImageCms

_SRGB = ImageCms.createProfile("sRGB")
# Modes LittleCMS converts here; alpha is carried through untouched.
_OUTPUT_MODE = {"RGB": "RGB", "RGBA": "RGBA", "CMYK": "RGB"}


def to_srgb(image: Image.Image) -> Image.Image:
    """`image` converted from its embedded ICC profile to sRGB; unchanged when it has none,
    when the profile already is sRGB, or when the mode or profile cannot be converted."""
    icc = image.info.get("icc_profile")
    output_mode = _OUTPUT_MODE.get(image.mode)
    if not icc or output_mode is None:
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        # Skipping sRGB sources saves a full-image transform on most web images.
        if (source.profile.profile_description or "").strip().lower().startswith("srgb"):
            return image
        converted = ImageCms.profileToProfile(
            image,
            source,
            _SRGB,
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            outputMode=output_mode,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image
    return converted if converted is not None else image
