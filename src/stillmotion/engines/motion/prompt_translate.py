"""Prompt text -> English word tokens the lexicon reads, each with the user's own words.

Latin-script languages share many short words with English and with each other
("see" is a German lake, "piano" an Italian "slowly", "onde" waves in Italian and
"where" in Portuguese), so a Latin-script prompt is translated only from the one
language that explains it better than English does: the count of its dictionary
phrases and function words against English's. Cyrillic, Han, kana and Hangul runs
name their language by their script.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from stillmotion.engines.motion.lexicon_i18n import CJK_PARTICLES, TRANSLATIONS

_RAW_TOKEN = re.compile(r"[^\W_]+(?:['\-’][^\W_]+)*|[,.;:!?()\[\]，。、；：！？（）]")
_PUNCTUATION_MAP = str.maketrans("，。、；：！？（）’", ",.,;:!?()'")

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the a an of and with in on is are to its his her their as while at from".split()),
    "es": frozenset("el la los las del se que un una y con en por hacia lentamente muy".split()),
    "pt": frozenset("o os as do da dos das que um uma com em se para muito".split()),
    "fr": frozenset("le les du des et un une avec dans se qui sur vers très".split()),
    "de": frozenset("der die das den dem und ein eine mit sich im zu ist sehr nach".split()),
    "it": frozenset("il lo gli della delle del di un una con si che sul verso molto".split()),
}
"""Words that tell a language apart without naming anything; used only to pick the language."""

_LATIN = ("es", "pt", "fr", "de", "it")
_MAX_CJK_PHRASE = 8


@dataclass(frozen=True)
class Tokens:
    """A prompt's tokens in English, and where each came from."""

    words: list[str]
    origins: list[str]
    """The user's word(s) each token stands for (the same string for a whole translated phrase)."""
    languages: frozenset[str]
    """Languages other than English that were translated."""
    unknown: frozenset[int] = frozenset()
    """Positions of CJK characters no dictionary entry covers."""


@functools.cache
def _phrases(language: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for english, alternatives in TRANSLATIONS[language].items():
        for phrase in alternatives.split("|"):
            table[tuple(_raw_tokens(phrase))] = tuple(english.split())
    return table


@functools.cache
def _cjk_phrases(language: str) -> dict[str, tuple[str, ...]]:
    """Japanese falls back on the Chinese entries for kanji words it does not list."""
    languages = ("zh", "ja") if language == "ja" else (language,)
    return {
        "".join(phrase): english
        for name in languages
        for phrase, english in _phrases(name).items()
        if _is_cjk(phrase[0])
    }


_ELISION = re.compile(r"^(?:l|d|j|qu|n|s|c|m|t|un|dell|nell|sull|all|dall|quell)'(?=[^\W_])")
"""French and Italian elided articles and pronouns glued to their word ("l'acqua", "d'eau",
"s'avance"): the word is read without them."""


def _raw_tokens(text: str) -> list[str]:
    return _unelided(_written_tokens(text))


def _unelided(tokens: list[str]) -> list[str]:
    return [_ELISION.sub("", token) for token in tokens]


def _written_tokens(text: str) -> list[str]:
    """The tokens as written (lower-cased): what notes quote."""
    return _RAW_TOKEN.findall(unicodedata.normalize("NFC", text).lower().translate(_PUNCTUATION_MAP))


def _script(token: str) -> str | None:
    """"ru", "ja", "zh" or "ko" for a token in that script, None for Latin and digits."""
    kinds = set()
    for char in token:
        code = ord(char)
        if 0x0400 <= code <= 0x04FF:
            kinds.add("ru")
        elif 0x3040 <= code <= 0x30FF:
            kinds.add("ja")
        elif 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF:
            kinds.add("ko")
        elif 0x4E00 <= code <= 0x9FFF:
            kinds.add("han")
    if "ja" in kinds:
        return "ja"
    if "han" in kinds:
        return "zh"
    return next(iter(kinds), None)


def _is_cjk(token: str) -> bool:
    return _script(token) in ("ja", "zh", "ko")


def translate(text: str) -> Tokens:
    """The prompt's tokens, foreign phrases replaced by the English the lexicon reads."""
    written = _written_tokens(text)
    raw = _unelided(written)
    scripts = {s for s in map(_script, raw) if s is not None}
    if "ja" in scripts:
        scripts.discard("zh")  # kanji in a Japanese prompt are Japanese words
    latin_of = _latin_languages(raw)
    languages = frozenset(scripts | {language for language in latin_of if language})
    words: list[str] = []
    origins: list[str] = []
    unknown: set[int] = set()
    i = 0
    while i < len(raw):
        token = raw[i]
        script = _script(token)
        if script == "zh" and "ja" in languages:
            script = "ja"  # kanji in a Japanese prompt are Japanese words
        if script in ("ja", "zh", "ko"):
            for english, origin, known in _segment(token, script):
                if not known:
                    unknown.add(len(words))
                words.append(english)
                origins.append(origin)
            i += 1
            continue
        language = script or latin_of[i]
        hit = _longest(raw, i, language) if language else None
        if hit is None:
            words.append(token)
            origins.append(written[i])
            i += 1
            continue
        length, english = hit
        origin = " ".join(written[i : i + length])
        words.extend(english)
        origins.extend([origin] * len(english))
        i += length
    return Tokens(words, origins, languages, frozenset(unknown))


def _longest(raw: list[str], start: int, language: str) -> tuple[int, tuple[str, ...]] | None:
    table = _phrases(language)
    for length in range(min(6, len(raw) - start), 0, -1):
        english = table.get(tuple(raw[start : start + length]))
        if english is not None:
            return length, english
    return None


_SENTENCE_ENDS = frozenset(".;!?")


def _latin_languages(raw: list[str]) -> list[str | None]:
    """Per token, the Latin-script language of its sentence (`_latin_language`). Sentence by
    sentence, because an enhanced prompt is the user's words followed by the enhancer's English
    ("la caméra glisse doucement. Water shimmers gently."): read whole, English would win and the
    French go unread."""
    out: list[str | None] = []
    start = 0
    for end in range(len(raw) + 1):
        if end == len(raw) or raw[end] in _SENTENCE_ENDS:
            sentence = raw[start : end + 1]
            out.extend([_latin_language(sentence)] * len(sentence))
            start = end + 1
    return out


def _latin_language(raw: list[str]) -> str | None:
    """The Latin-script language that explains more of the prompt than English, if any."""
    from stillmotion.engines.motion.prompt_match import CONCEPTS, DIRECTIONS, MODIFIERS

    latin = [t for t in raw if _script(t) is None]
    english_words = CONCEPTS.words | DIRECTIONS.words | MODIFIERS.words | FUNCTION_WORDS["en"]
    english = sum(1 for t in latin if t in english_words)
    best, best_score = None, english
    for language in _LATIN:
        singles = {phrase[0] for phrase in _phrases(language)}
        score = sum(1 for t in latin if t in singles or t in FUNCTION_WORDS[language])
        if score > best_score:
            best, best_score = language, score
    return best


def _segment(run: str, language: str) -> list[tuple[str, str, bool]]:
    """A CJK run as (English word, source characters, known) triples, longest entry first.

    Particles and endings are dropped; Korean and Japanese kana left over inside a word
    the dictionary recognised are its inflection, also dropped.
    """
    table = _cjk_phrases(language)
    out: list[tuple[str, str, bool]] = []
    matched_any = False
    pending = ""
    i = 0
    while i < len(run):
        for length in range(min(_MAX_CJK_PHRASE, len(run) - i), 0, -1):
            english = table.get(run[i : i + length])
            if english is not None:
                break
        else:
            english, length = None, 1
        if english is not None:
            if pending:
                out.append((pending, pending, False))
                pending = ""
            out.extend((word, run[i : i + length], True) for word in english)
            matched_any = True
        elif run[i] not in CJK_PARTICLES and not _is_kana(run[i]):
            pending += run[i]
        i += length
    if pending and not (language == "ko" and matched_any):
        out.append((pending, pending, False))
    return out


def _is_kana(char: str) -> bool:
    return 0x3040 <= ord(char) <= 0x309F
