"""The numbers of SPEC "Input image", named once so every input path enforces the same rules."""

from __future__ import annotations

MAX_IMAGE_BYTES = 10 * 1024 * 1024
"""SPEC's 10 MB cap on the image file (read as MiB, the larger reading, so no file a user
measured as "10 MB" is refused). Applies to fetched bodies, decoded data URLs and uploads."""

MAX_IMAGE_MB = MAX_IMAGE_BYTES // (1024 * 1024)
"""The cap as users read it in messages ("larger than 10 MB")."""

MAX_URL_LENGTH = 2048
"""SPEC's limit on an http(s) `image_url` (data URLs are bounded by MAX_IMAGE_BYTES instead)."""

MAX_REDIRECTS = 3
"""SPEC: at most 3 redirects, each hop re-checked."""

MIN_IMAGE_SIDE = 300
"""SPEC: images under 300x300 pixels are refused (too little detail for a 720p frame)."""

MAX_IMAGE_PIXELS = 8192 * 8192
"""Decompression-bomb limit on the declared pixel count (67.1 megapixels), checked from the
header before any pixel is decoded. It admits every current camera sensor up to 61 MP
(9504x6336) and panoramas up to 8192x8192-equivalent area; our largest output frame is
1920x1080, so more pixels add nothing but memory: decoding means RGB(A) copies of up to
4 bytes/pixel, so this keeps one image's peak under roughly 1 GB. It is stricter than Pillow's
own default (89.5 MP, a warning below 2x that), so Pillow's check never decides first."""
