"""Naming non-images from their first bytes, the URL syntax rule, and the TLS context cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from stillmotion.inputs.pinned import pinned_tls
from stillmotion.inputs.sniff import describe_non_image, looks_like_html
from stillmotion.inputs.urls import BadWebURL, parse_web_url


@pytest.mark.parametrize(
    "head",
    [
        b"\xef\xbb\xbf<!DOCTYPE html><html>",  # a UTF-8 byte order mark first
        b" \t\r\n\x0c<html>",  # the whitespace the WHATWG sniffing rules skip
        b"<p>one paragraph",
    ],
)
def test_html_openers_after_a_bom_or_whitespace(head: bytes) -> None:
    assert looks_like_html(head)


@pytest.mark.parametrize(
    "head",
    [
        b"\x0b<html>",  # a vertical tab is not whitespace to the sniffing rules
        b"<html",  # an opener must be followed by a space or ">"
        b"<pre>code</pre>",
        b"x<html>",
    ],
)
def test_not_html(head: bytes) -> None:
    assert not looks_like_html(head)


def test_svg_is_named_only_for_an_svg_root() -> None:
    assert describe_non_image(b'<?xml version="1.0"?>\n<svg/>') == "an SVG image"
    assert describe_non_image(b'<?xml version="1.0"?>\n<note>hi</note>') is None  # other XML
    assert describe_non_image(b"plain text that mentions <svg> later") is None


def test_only_the_first_1024_characters_are_looked_at() -> None:
    # Within the window "<svg" names the XML document; one character later it does not.
    inside = b"<?xml" + b" " * (1024 - 5 - 4) + b"<svg"
    assert len(inside) == 1024 and describe_non_image(inside) == "an SVG image"
    assert describe_non_image(b"<?xml" + b" " * (1024 - 5 - 3) + b"<svg") is None


def test_bad_web_url_carries_its_reason() -> None:
    with pytest.raises(BadWebURL) as caught:
        parse_web_url("ftp://example.com/a.png")
    assert caught.value.reason == str(caught.value) == "is not an http or https URL."


def test_tls_context_is_built_once_per_ca_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "one"))
    first = pinned_tls()
    assert pinned_tls() is first  # cached: loading a bundle takes ~30 ms
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "two"))
    assert pinned_tls() is not first  # another CA directory is another context
