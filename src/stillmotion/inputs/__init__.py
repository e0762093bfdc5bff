"""Image input (SPEC "Input image"): SSRF-safe fetching, data URLs, uploads, decoding and checks.

Typical use: `precheck_image_url` at task creation (cheap checks, no download), then in the
worker `load_image` (= `fetch_image` + `decode_image`). Every refusal is an `ImageRejected`
(code 1001) whose message says exactly what was wrong.
"""

from stillmotion.inputs.decode import ACCEPTED_FORMATS, check_image_header, decode_image
from stillmotion.inputs.fetch import fetch_image, load_image, precheck_image_url
from stillmotion.inputs.limits import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_REDIRECTS,
    MAX_URL_LENGTH,
    MIN_IMAGE_SIDE,
)
from stillmotion.inputs.uploads import UPLOAD_NAME, UPLOADS_URL_PATH, UploadReader, upload_key, upload_url

__all__ = [
    "ACCEPTED_FORMATS",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_REDIRECTS",
    "MAX_URL_LENGTH",
    "MIN_IMAGE_SIDE",
    "UPLOADS_URL_PATH",
    "UPLOAD_NAME",
    "UploadReader",
    "check_image_header",
    "decode_image",
    "fetch_image",
    "load_image",
    "precheck_image_url",
    "upload_key",
    "upload_url",
]
