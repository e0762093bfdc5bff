"""The curated moderation lexicon (`lexicon.json`) compiled into regular expressions.

The lexicon is data so that it can be reviewed and extended without reading code. Its patterns
use a small word-level notation, always matched against the plain spellings from `normalize`:

- ``kill``      the word, with an optional plural ``s``/``es``; each letter may be stretched
                ("kiiill"), which is how elongation tricks are undone.
- ``masturbat*`` any word starting so.
- ``is|was``    one of these words.
- ``{human}``   any entry of the named group; ``{filler}*`` up to three of them; ``?`` optional.
- a group entry ``re:...`` is a raw regular expression (ages such as "12 year old").

A pattern matches whole words only: ``sex`` never matches inside "Essex" or "Sussex".

Each category has three kinds of rules:

- ``explicit``  descriptions of the content itself; they apply in every field.
- ``topic``     words that merely *name* the category ("nudity", "gore"). They are ignored in a
                negative prompt, where they mean "keep this out", and when negated: "no",
                "without", ... just before them, or before a list of bridge words ("no blood or
                gore").
- ``together``  co-occurrence rules: every listed pattern must match somewhere in the text
                (for example a minor and a sexual term); ``topic`` says which of the two
                behaviours above applies.

``safe`` phrases ("kill the lights", "breast cancer", "murder of crows") are masked out before
any rule runs, whatever the category; a category may add ``safe`` phrases of its own.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# `{group}*` repeats a group up to this many times: enough for "the two unarmed young men",
# few enough that a violent verb cannot reach a person mentioned much later in the sentence.
MAX_REPEAT = 3
# A topic word counts as negated when a negator stands at most this many words before it with
# only bridge words between ("no blood, violence or gore": "gore" is four words after "no").
NEGATION_WINDOW = 4
# What masked safe phrases become: no pattern can match across or into it.
_MASK = " | "

_START, _END = r"(?<![a-z0-9])", r"(?![a-z0-9])"
_GROUP_TOKEN = re.compile(r"\{(\w+)\}([?*]?)")
_WORD_TOKEN = re.compile(r"([a-z0-9|]+)(\*?)([?]?)")


class LexiconError(ValueError):
    """The lexicon file breaks the notation (caught by the tests, never at request time)."""


def _word(word: str, *, prefix: bool) -> str:
    letters = "".join(re.escape(ch) + "+" if ch.isalpha() else re.escape(ch) for ch in word)
    return letters + (r"[a-z]*" if prefix else r"(?:e?s)?")


def _phrase(phrase: str, groups: Mapping[str, str]) -> str:
    """Regex body of a pattern (no outer word boundaries)."""
    tokens = phrase.split()
    if not tokens:
        raise LexiconError("empty pattern")
    pieces: list[str] = []
    for index, token in enumerate(tokens):
        edge = index in (0, len(tokens) - 1)
        group = _GROUP_TOKEN.fullmatch(token)
        if group:
            name, modifier = group.groups()
            if name not in groups:
                raise LexiconError(f"unknown group {{{name}}} in {phrase!r}")
            body = groups[name]
        else:
            word = _WORD_TOKEN.fullmatch(token)
            if not word:
                raise LexiconError(f"bad token {token!r} in {phrase!r}")
            alternatives, star, modifier = word.groups()
            body = (
                "(?:" + "|".join(_word(w, prefix=bool(star)) for w in alternatives.split("|")) + ")"
            )
        if modifier and edge:
            raise LexiconError(f"first and last tokens must be required in {phrase!r}")
        sep = "" if index == len(tokens) - 1 else r"\s"
        if modifier == "?":
            pieces.append(f"(?:{body}{sep})?")
        elif modifier == "*":
            pieces.append(f"(?:{body}{sep}){{0,{MAX_REPEAT}}}")
        else:
            pieces.append(body + sep)
    return "".join(pieces)


def _alternation(bodies: Iterable[str]) -> str:
    # Longest first so that "old man" is preferred over "man" inside larger patterns.
    return "(?:" + "|".join(sorted(bodies, key=len, reverse=True)) + ")"


def _compile_groups(raw: Mapping[str, list[str]]) -> dict[str, str]:
    compiled: dict[str, str] = {}
    for name, entries in raw.items():
        bodies = [e[3:] if e.startswith("re:") else _phrase(e, {}) for e in entries]
        compiled[name] = _alternation(bodies)
    return compiled


def _pattern(phrases: Iterable[str], groups: Mapping[str, str]) -> re.Pattern[str] | None:
    bodies = [_phrase(p, groups) for p in phrases]
    return re.compile(_START + _alternation(bodies) + _END) if bodies else None


@dataclass(frozen=True)
class Rule:
    """Matches when every pattern matches (one pattern for plain rules)."""

    patterns: tuple[re.Pattern[str], ...]
    topic: bool


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    """Shown to users in refusal messages; names the category, never the words."""
    rules: tuple[Rule, ...]
    safe: re.Pattern[str] | None = None
    """Phrases harmless for this category only ("suicide bomber" is violence, not self-harm)."""


@dataclass(frozen=True)
class Lexicon:
    categories: tuple[Category, ...]
    """In order of severity: the first match is the one a refusal names."""
    safe: re.Pattern[str]
    negators: frozenset[str]
    negation_bridge: frozenset[str] = frozenset()
    """Words that may stand between a negator and the word it negates ("or", "blood", ...)."""

    def mask_safe(self, spelling: str) -> str:
        return self.safe.sub(_MASK, spelling)

    def _negated(self, text: str, start: int) -> bool:
        # Walk back from the match over "bridge" words ("no blood or gore"); any other word
        # ("no nudity, a naked woman": "a") ends the negated list.
        for word in reversed(text[:start].split()[-NEGATION_WINDOW:]):
            if word in self.negators:
                return True
            if word not in self.negation_bridge:
                return False
        return False

    def _hits(self, pattern: re.Pattern[str], text: str, *, topic: bool) -> bool:
        return any(not (topic and self._negated(text, m.start())) for m in pattern.finditer(text))

    def matches(self, category: Category, text: str, *, negative: bool) -> bool:
        """Whether `category` applies to a masked spelling.

        `negative` marks a negative prompt, where topic rules do not apply.
        """
        if category.safe is not None:
            text = category.safe.sub(_MASK, text)
        for rule in category.rules:
            if rule.topic and negative:
                continue
            if all(self._hits(p, text, topic=rule.topic) for p in rule.patterns):
                return True
        return False


def _list(raw: Mapping[str, object], key: str) -> list[object]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise LexiconError(f"{key!r} must be a list")
    return value


def _strings(raw: Mapping[str, object], key: str) -> list[str]:
    values = _list(raw, key)
    if not all(isinstance(v, str) for v in values):
        raise LexiconError(f"{key!r} must be a list of strings")
    return [str(v) for v in values]


def _compile_category(raw: Mapping[str, object], groups: Mapping[str, str]) -> Category:
    rules: list[Rule] = []
    for kind in ("explicit", "topic"):
        pattern = _pattern(_strings(raw, kind), groups)
        if pattern is not None:
            rules.append(Rule((pattern,), topic=kind == "topic"))
    for entry in _list(raw, "together"):
        if not isinstance(entry, dict):
            raise LexiconError("'together' entries must be objects")
        patterns = tuple(_pattern([phrase], groups) for phrase in _strings(entry, "all"))
        rules.append(Rule(tuple(p for p in patterns if p), topic=bool(entry.get("topic"))))
    return Category(
        id=str(raw["id"]),
        label=str(raw["label"]),
        rules=tuple(rules),
        safe=_pattern(_strings(raw, "safe"), groups),
    )


def compile_lexicon(raw: Mapping[str, object]) -> Lexicon:
    """Compile the JSON structure of `lexicon.json` (also used by tests with small lexicons)."""
    groups_raw = raw.get("groups", {})
    if not isinstance(groups_raw, dict):
        raise LexiconError("'groups' must be an object")
    groups = _compile_groups({name: _strings(groups_raw, name) for name in groups_raw})
    categories = []
    for category in _list(raw, "categories"):
        if not isinstance(category, dict):
            raise LexiconError("'categories' entries must be objects")
        categories.append(_compile_category(category, groups))
    never = re.compile(r"(?!)")
    return Lexicon(
        categories=tuple(categories),
        safe=_pattern(_strings(raw, "safe"), groups) or never,
        negators=frozenset(_strings(raw, "negators")),
        negation_bridge=frozenset(_strings(raw, "negation_bridge")),
    )


_COMPILING = threading.Lock()


def default_lexicon() -> Lexicon:
    """The shipped lexicon, compiled once per process: a request that needs it while the start-up
    warm-up compiles it (a second, in a thread) waits for that one instead of compiling it again."""
    with _COMPILING:
        return _compiled_default()


@lru_cache(maxsize=1)
def _compiled_default() -> Lexicon:
    text = resources.files(__package__).joinpath("lexicon.json").read_text(encoding="utf-8")
    return compile_lexicon(json.loads(text))
