"""Normalisation undoes the usual tricks and keeps ordinary words whole."""

from __future__ import annotations

import pytest

from stillmotion.moderation.normalize import _confusables, fold, spellings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("K1LL", "kill"),  # leetspeak, 1 as i
        ("b100d", "blood"),  # leetspeak, 1 as l
        ("$3x", "sex"),
        ("k i l l", "kill"),  # spaced out
        ("k.i.l.l", "kill"),  # punctuation between letters
        ("a n-a-k-e-d lady", "a naked lady"),  # hyphenated letters, the article kept apart
        ("ki.ll", "kill"),  # punctuation inside a word
        ("ｋｉｌｌ", "kill"),  # fullwidth (NFKC)
        ("𝐤𝐢𝐥𝐥", "kill"),  # mathematical bold (NFKC)
        ("kіll", "kill"),  # Cyrillic і (confusables)
        ("nսde", "nude"),  # Armenian ս (confusables)
        ("ΝUDΕ", "nude"),  # Greek capitals (confusables)
        ("kíll", "kill"),  # accent
        ("ki\u200bll", "kill"),  # zero-width space
        ("ki||", "kill"),  # pipes as "l"
        ("s e x", "sex"),  # three spaced letters are enough
        ("a s-e-x scene", "a sex scene"),  # three hyphenated letters, the article kept apart
        ("blood.Gore", "blood gore"),  # the punctuation read as a word break too
    ],
)
def test_tricks_are_undone(text: str, expected: str) -> None:
    assert expected in spellings(text)


def test_spellings_are_plain_ascii_words() -> None:
    for spelling in spellings("Ça va? Déjà-vu… 50% off! (naïve) — ok"):
        assert set(spelling) <= set("abcdefghijklmnopqrstuvwxyz0123456789 ")
        assert "  " not in spelling and spelling == spelling.strip()


def test_numbers_keep_their_digits() -> None:
    # Ages must survive for the minor rules; leetspeak only applies to tokens with letters.
    assert "a 12 year old" in spellings("a 12-year-old")
    assert "4 cats" in spellings("4 cats")


def test_sentence_punctuation_is_not_leetspeak() -> None:
    assert spellings("Kill the lights!") == ("kill the lights",)


def test_two_single_letters_are_not_joined() -> None:
    assert spellings("a b") == ("a b",)


def test_fold_strips_accents_and_case() -> None:
    assert fold("CRÈME Brûlée") == "creme brulee"


def test_the_look_alike_table_is_built_from_the_confusables_data() -> None:
    table = _confusables.__wrapped__()  # built here, not the copy cached for the process
    assert table[ord("\u0430")] == "a"  # Cyrillic а
    assert table[ord("\u0456")] == "i"  # Cyrillic і
    assert table[ord("\u03bf")] == "o"  # Greek ο
    assert table[ord("\u057d")] == "u"  # Armenian ս
    assert table[ord("\u039d")] == "n"  # Greek Ν: lower-cased ASCII
    assert all(len(chr(code)) == 1 and not chr(code).isascii() for code in table)
    assert all(len(value) == 1 and value.isascii() and value == value.lower() for value in table.values())
    assert table == _confusables()


def test_numbers_alone_are_not_leetspeak() -> None:
    assert spellings("4 cats") == ("4 cats",)  # never "a cats"
