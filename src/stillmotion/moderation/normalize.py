"""Fold user text into the few plain-ASCII spellings the lexicon is matched against.

People who want past a word list write "K1LL", "k i l l", "k.i.l.l", "ｋｉｌｌ" (fullwidth), "kіll"
(a Cyrillic і) or "kíll". Each trick is undone here, once, so the lexicon only ever has to spell a
word the plain way. Some tricks are ambiguous ("1" is "i" in "k1ll" but "l" in "b100d"; "ki.ll" is
one word but "blood.Gore" is two), so `spellings` returns every reading and the matcher tries them
all: a few short strings per prompt cost well under a millisecond.

Every spelling contains only ``[a-z0-9 ]`` with single spaces, which is what lets the lexicon
use simple ``[a-z0-9]`` word boundaries (no Scunthorpe problem: "Scunthorpe" stays one word).
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources

# Leetspeak digits and symbols, replaced only inside tokens that also hold a letter, so "4 cats"
# and "1080p"-style numbers keep their digits where it matters ("12 year old" stays a number).
_LEET_COMMON = str.maketrans(
    {
        "0": "o",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "9": "g",
        "@": "a",
        "$": "s",
        "!": "i",
        "+": "t",
        "€": "e",
    }
)
# "1" and "|" read as either "i" or "l"; both readings are produced.
_LEET_ONE_AS = ("i", "l")
_LEET_CHARS = set("0134579@$!+|€")
_SENTENCE_END = "!?.,;:)\"'"

# Characters people put *inside* a word to break it up ("ki.ll", "s_e_x"). Not the hyphen: it
# joins real compounds ("self-harm"), and "k-i-l-l" is already undone as spaced-out letters.
_INFIX = ".*_'`~^"
_INFIX_RUN = re.compile(rf"(?<=[a-z0-9])[{re.escape(_INFIX)}]+(?=[a-z0-9])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_LETTER = re.compile(r"[a-z]")
# A run of at least three one-character tokens is a spaced-out word ("k i l l", "s e x").
# Two ("a b") is too common in ordinary text to join.
_MIN_SPACED_RUN = 3
_LETTER_SEPARATORS = re.compile(r"[-.*_'`~^/,]+")


@lru_cache(maxsize=1)
def _confusables() -> dict[int, str]:
    """Map look-alike characters (Cyrillic "а", Greek "ο", Cherokee "Ꭺ", ...) to ASCII.

    Built from Unicode's TR39 confusables data as shipped by `confusable_homoglyphs` (MIT):
    every character listed as confusable with a single ASCII letter or digit maps to it.
    """
    data_file = resources.files("confusable_homoglyphs").joinpath("confusables.json")
    table: dict[str, list[dict[str, str]]] = json.loads(data_file.read_text(encoding="utf-8"))
    mapping: dict[int, str] = {}
    for char, homoglyphs in table.items():
        if len(char) != 1:
            continue
        glyphs = [h["c"] for h in homoglyphs]
        if char.isascii() and char.isalnum():
            for glyph in glyphs:
                if len(glyph) == 1 and not glyph.isascii():
                    mapping.setdefault(ord(glyph), char.lower())
        elif not char.isascii():
            ascii_twins = [g for g in glyphs if len(g) == 1 and g.isascii() and g.isalnum()]
            if ascii_twins:
                mapping.setdefault(ord(char), ascii_twins[0].lower())
    return mapping


def fold(text: str) -> str:
    """Compatibility-fold, drop invisible characters, map look-alikes, strip accents, lower-case."""
    text = unicodedata.normalize("NFKC", text)
    # Format characters (zero-width space/joiner, soft hyphen, bidi marks) hide inside words.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = text.translate(_confusables())
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return text.casefold()


def _join_spaced_letters(tokens: list[str]) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:  # the empty sentinel flushes the last run
        pieces = _LETTER_SEPARATORS.split(token)
        if len(pieces) >= _MIN_SPACED_RUN and all(len(piece) == 1 for piece in pieces):
            token = "".join(pieces)  # "n-a-k-e-d" is one word, apart from the "a" before it
        if len(token) == 1:
            run.append(token)
            continue
        if len(run) >= _MIN_SPACED_RUN:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if token:
            out.append(token)
    return out


def _deleet(token: str, one_as: str) -> str:
    # Sentence punctuation after a word ("lights!") is not leetspeak.
    core = token.rstrip(_SENTENCE_END)
    if not _LETTER.search(core) or not _LEET_CHARS.intersection(core):
        return token
    return core.translate(_LEET_COMMON).replace("1", one_as).replace("|", one_as)


def _words(text: str, *, keep_infix: bool) -> str:
    if not keep_infix:
        text = _INFIX_RUN.sub("", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def spellings(text: str) -> tuple[str, ...]:
    """Every plain reading of `text`: ``[a-z0-9 ]`` only, single-spaced, duplicates removed."""
    folded = fold(text)
    readings: dict[str, None] = {}  # an ordered set
    for one_as in (None, *_LEET_ONE_AS):
        tokens = _join_spaced_letters(folded.split())
        if one_as is not None:
            tokens = [_deleet(token, one_as) for token in tokens]
        leeted = " ".join(tokens)
        for keep_infix in (True, False):
            words = _words(leeted, keep_infix=keep_infix)
            readings[" ".join(_join_spaced_letters(words.split()))] = None
    return tuple(readings)
