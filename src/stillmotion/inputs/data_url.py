"""`data:image/...;base64,` image URLs (SPEC extension): the image travels inside the request."""

from __future__ import annotations

import binascii
import re
from urllib.parse import unquote_to_bytes

from stillmotion.errors import ImageRejected
from stillmotion.inputs.limits import MAX_IMAGE_BYTES, MAX_IMAGE_MB

_DATA_URL = re.compile(
    r"data:(?P<media>[^;,]*)(?P<params>(?:;[^;,]*)*?)(?P<base64>;base64)?,", re.IGNORECASE
)
# Base64 carries 3 bytes in 4 characters; a payload longer than this cannot decode under the cap.
_MAX_BASE64_CHARS = -(-MAX_IMAGE_BYTES // 3) * 4
# Line-wrapped base64 (RFC 2045 style) is common in pasted data URLs; these are dropped.
_BASE64_WHITESPACE = b" \t\r\n"


def is_data_url(url: str) -> bool:
    return url[:5].lower() == "data:"


def decode_data_url(url: str) -> bytes:
    """The image bytes carried by a `data:image/<type>;base64,<payload>` URL.

    The declared media type only has to say "image/..."; the real format is sniffed from the
    decoded bytes later, like for any other source. Percent-escapes are undone first, since
    RFC 2397 allows them and some clients escape "+", "/" and "=".
    """
    header = _DATA_URL.match(url)
    if header is None:
        raise ImageRejected("image_url is a malformed data URL; expected data:image/...;base64,...")
    if not header["media"].lower().startswith("image/"):
        raise ImageRejected("image_url data URL must carry an image (data:image/...;base64,...).")
    if header["base64"] is None:
        raise ImageRejected(
            "image_url data URL must be base64-encoded (data:image/...;base64,...)."
        )
    payload = url[header.end() :]
    if "%" in payload:
        raw = unquote_to_bytes(payload)
    else:
        try:
            raw = payload.encode("ascii")
        except UnicodeEncodeError:
            raise ImageRejected(
                "image_url data URL contains characters that are not base64."
            ) from None
    raw = raw.translate(None, _BASE64_WHITESPACE)
    if len(raw) > _MAX_BASE64_CHARS:
        raise ImageRejected(f"Image is larger than {MAX_IMAGE_MB} MB.")
    if not raw:
        raise ImageRejected("image_url data URL is empty.")
    try:
        data = binascii.a2b_base64(raw, strict_mode=True)
    except binascii.Error:
        raise ImageRejected("image_url data URL is not valid base64.") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(f"Image is larger than {MAX_IMAGE_MB} MB.")
    return data
