"""Name what a body is when it is not an image we accept, from its first bytes.

Users paste the URL of a web page instead of the picture, or send SVG, PDF, ICO or iPhone HEIC
files; "not a supported image format" is true but a message that names the thing helps more.
Pillow is not asked here: it only knows image formats, and an HTML page must be recognised
from its first chunk so the fetcher can stop reading it.
"""

from __future__ import annotations

# Tags that open an HTML document, after the WHATWG MIME Sniffing standard (section 7.1,
# "identifying a resource with an unknown MIME type"): each must be followed by a space or ">".
_HTML_OPENERS = (
    b"<!doctype html", b"<html", b"<head", b"<script", b"<iframe", b"<h1", b"<div", b"<font",
    b"<table", b"<a", b"<style", b"<title", b"<b", b"<body", b"<br", b"<p", b"<!--",
)  # fmt: skip
_TAG_END = b" \t\n\x0c\r>"
_LEADING = b" \t\n\x0c\r"
_UTF8_BOM = b"\xef\xbb\xbf"
# ISO base media files (HEIF, AVIF): bytes 4..8 are "ftyp", then the major brand.
_FTYP_BRANDS = {
    b"heic": "a HEIC image", b"heix": "a HEIC image", b"hevc": "a HEIC image",
    b"mif1": "a HEIF image", b"msf1": "a HEIF image", b"avif": "an AVIF image",
    b"avis": "an AVIF image",
}  # fmt: skip


def _text_start(head: bytes) -> bytes:
    return head.removeprefix(_UTF8_BOM).lstrip(_LEADING)[:1024].lower()


def looks_like_html(head: bytes) -> bool:
    """True when the first bytes of a body open an HTML document."""
    start = _text_start(head)
    for opener in _HTML_OPENERS:
        after = start[len(opener) : len(opener) + 1]
        if start.startswith(opener) and after and after in _TAG_END:
            return True
    return False


def describe_non_image(head: bytes) -> str | None:
    """ "an HTML page", "a PDF document"... for the well-known non-images; None otherwise."""
    if looks_like_html(head):
        return "an HTML page"
    start = _text_start(head)
    if start.startswith(b"<svg") or (start.startswith(b"<?xml") and b"<svg" in start):
        return "an SVG image"
    if head.startswith(b"%PDF-"):
        return "a PDF document"
    if head.startswith(b"\x00\x00\x01\x00"):
        return "an ICO icon"
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12])
    return None
