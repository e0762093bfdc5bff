"""Reading a prompt into mentions: which lexicon things it names, negated or not, how.

The reader works on word tokens in three passes over the whole text: named
things (longest phrase first, so "zoom out" beats "zoom" and "falling leaves"
beats "leaves"), then directions, then speed/strength words on what is left.
Clauses (split at punctuation and linking words) bound the reach of a
negation cue, a direction and a modifier, so in "no rain, snow falls slowly"
only the rain is negated and only the snow is slow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from stillmotion.engines.motion import lexicon
from stillmotion.engines.motion.lexicon import Concept, Modifier

T = TypeVar("T")

_TOKEN = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*|[,.;:!?()\[\]]")
_PUNCTUATION = frozenset(",.;:!?()[]")

MAX_GAP = 2
"""Speed words may sit inside a phrase ("zooms slowly in"); at most this many."""


@dataclass(frozen=True)
class Pattern(Generic[T]):
    slots: tuple[frozenset[str], ...]
    payload: T
    source: str


@dataclass(frozen=True)
class Match(Generic[T]):
    payload: T
    positions: tuple[int, ...]
    """Token indices of the matched slots (gap words in between are not part of the match)."""

    @property
    def start(self) -> int:
        return self.positions[0]

    @property
    def end(self) -> int:
        return self.positions[-1] + 1


class PatternIndex(Generic[T]):
    """Patterns of one table, indexed by the words their first slot accepts."""

    def __init__(self, table: Mapping[str, T]) -> None:
        self._by_first: dict[str, list[Pattern[T]]] = {}
        for source, payload in table.items():
            slots = tuple(frozenset(slot.split("|")) for slot in source.split(" "))
            pattern = Pattern(slots, payload, source)
            for word in slots[0]:
                self._by_first.setdefault(word, []).append(pattern)
        self.words: frozenset[str] = frozenset(
            word for patterns in self._by_first.values() for p in patterns for s in p.slots for word in s
        )

    def candidates(self, tokens: list[str], free: list[bool], gap_words: frozenset[str]) -> list[Match[T]]:
        """Every place a pattern matches on free tokens (overlaps allowed; `select` picks)."""
        found: list[Match[T]] = []
        for start, token in enumerate(tokens):
            if not free[start]:
                continue
            for pattern in self._by_first.get(token, ()):
                positions = _match_at(tokens, free, start, pattern.slots, gap_words)
                if positions is not None:
                    found.append(Match(pattern.payload, positions))
        return found


def _match_at(
    tokens: list[str], free: list[bool], start: int, slots: tuple[frozenset[str], ...],
    gap_words: frozenset[str],
) -> tuple[int, ...] | None:
    positions = [start]
    cursor = start + 1
    for slot in slots[1:]:
        gap = 0
        while cursor < len(tokens) and free[cursor] and tokens[cursor] not in slot:
            if tokens[cursor] not in gap_words or gap == MAX_GAP:
                return None
            gap += 1
            cursor += 1
        if cursor >= len(tokens) or not free[cursor]:
            return None
        positions.append(cursor)
        cursor += 1
    return tuple(positions)


def select(matches: Iterable[Match[T]], rank: Callable[[T], int] = lambda _: 0) -> list[Match[T]]:
    """Non-overlapping matches, longest first, then by `rank`, then leftmost."""
    chosen: list[Match[T]] = []
    taken: set[int] = set()
    for match in sorted(matches, key=lambda m: (-len(m.positions), rank(m.payload), m.start)):
        if taken.isdisjoint(match.positions):
            chosen.append(match)
            taken.update(match.positions)
    return sorted(chosen, key=lambda m: m.start)


CONCEPTS: PatternIndex[Concept] = PatternIndex(lexicon.ALL_PHRASES)
DIRECTIONS: PatternIndex[str] = PatternIndex(lexicon.DIRECTION_PHRASES)
MODIFIERS: PatternIndex[Modifier] = PatternIndex(lexicon.MODIFIER_PHRASES)
_GAP_WORDS = frozenset(
    word for word in MODIFIERS.words | lexicon.INTENSIFIERS if word not in CONCEPTS.words
)


def _concept_rank(concept: Concept) -> int:
    """A bare "camera" loses ties against a named move sharing its words."""
    return 1 if concept.group == "generic_camera" else 0


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


@dataclass
class Mention:
    """One named thing, with what its clause says about it."""

    concept: Concept
    text: str
    clause: int
    start: int
    end: int
    """Token span; a paraphrased mention spans its whole clause."""
    negated: bool = False
    speed: float = 1.0
    strength: float = 1.0
    direction: str | None = None
    modifiers: list[str] = field(default_factory=list)
    paraphrase: float | None = None
    """Similarity score when the embedding tie-breaker, not the lexicon, found it."""


@dataclass(frozen=True)
class GlobalModifier:
    modifier: Modifier
    text: str


@dataclass
class Reading:
    """Everything the reader understood in one prompt."""

    mentions: list[Mention]
    global_modifiers: list[GlobalModifier]
    unattached: list[str]
    """Words the reader saw but could attach to nothing (reported in the explanation)."""


Paraphraser = Callable[[str], "tuple[Concept, float] | None"]
"""Maps a clause that names nothing to the closest lexicon concept and its score, or None."""


def read_prompt(text: str, paraphrase: Paraphraser | None = None) -> Reading:
    tokens = tokenize(text)
    free = [True] * len(tokens)
    concepts = select(CONCEPTS.candidates(tokens, free, _GAP_WORDS), _concept_rank)
    _take(free, concepts)
    directions = select(DIRECTIONS.candidates(tokens, free, frozenset()))
    _take(free, directions)
    modifiers = select(MODIFIERS.candidates(tokens, free, frozenset()))
    _take(free, modifiers)

    clause_of = _clauses(tokens, concepts)
    mentions = [
        Mention(m.payload, " ".join(tokens[m.start:m.end]), clause_of[m.start], m.start, m.end,
                direction=m.payload.direction)
        for m in concepts
    ]
    cues = [i for i, tok in enumerate(tokens) if free[i] and tok in lexicon.NEGATION_CUES]
    if paraphrase is not None:
        mentions += _paraphrase_mentions(tokens, clause_of, mentions, paraphrase)
        mentions.sort(key=lambda m: m.start)
    for mention in mentions:
        mention.negated = any(clause_of[c] == mention.clause and c < mention.end for c in cues)

    unattached: list[str] = []
    for d in directions:
        target = _nearest(mentions, clause_of[d.start], d.start, _takes_direction)
        if target is None:
            unattached.append(" ".join(tokens[d.start:d.end]))
        else:
            target.direction = d.payload
    global_modifiers: list[GlobalModifier] = []
    for m in modifiers:
        modifier = _intensified(m.payload, tokens, m.start)
        words = " ".join(tokens[m.start:m.end])
        target = _nearest(mentions, clause_of[m.start], m.start, lambda x: not x.negated)
        if target is not None:
            target.speed *= modifier.speed
            target.strength *= modifier.strength
            target.modifiers.append(words)
        elif modifier.anywhere:
            global_modifiers.append(GlobalModifier(modifier, words))
        else:
            unattached.append(words)
    return Reading(mentions, global_modifiers, unattached)


def _take(free: list[bool], matches: Iterable[Match[T]]) -> None:
    for match in matches:
        for position in match.positions:
            free[position] = False


def _clauses(tokens: list[str], concepts: list[Match[Concept]]) -> list[int]:
    """Clause number of every token.

    A coordinator ("and", "or") between two named things keeps them in one
    clause, so "no rain or snow" negates both; elsewhere it starts a clause,
    so "no rain and the camera pushes in" keeps the push-in.
    """
    ends = {m.end - 1 for m in concepts}
    starts = {m.start for m in concepts}
    clause, out = 0, []
    for i, token in enumerate(tokens):
        joins = i - 1 in ends and i + 1 in starts
        if token in _PUNCTUATION or token in lexicon.CLAUSE_BREAK_WORDS or (
            token in lexicon.COORDINATORS and not joins
        ):
            clause += 1
        out.append(clause)
    return out


def _paraphrase_mentions(
    tokens: list[str], clause_of: list[int], mentions: list[Mention], paraphrase: Paraphraser
) -> list[Mention]:
    """Ask the tie-breaker about clauses the lexicon understood nothing in.

    A clause whose only mention is a bare "camera" counts as understood
    nothing ("the camera creeps closer"); a camera concept found for it
    replaces that bare mention.
    """
    named = {m.clause for m in mentions if m.concept.group != "generic_camera"}
    found: list[Mention] = []
    for clause in sorted(set(clause_of) - named):
        words = [t for t, c in zip(tokens, clause_of) if c == clause and t not in _PUNCTUATION]
        if not words:
            continue
        hit = paraphrase(" ".join(words))
        if hit is None:
            continue
        concept, score = hit
        if concept.group == "camera":
            mentions[:] = [m for m in mentions if not (m.clause == clause and m.concept.group == "generic_camera")]
        span = [i for i, c in enumerate(clause_of) if c == clause]
        found.append(Mention(concept, " ".join(words), clause, span[0], span[-1] + 1,
                             direction=concept.direction, paraphrase=score))
    return found


def _takes_direction(mention: Mention) -> bool:
    group, kind = mention.concept.group, mention.concept.kind
    if group == "camera":
        return kind in ("pan", "tilt", "truck", "pedestal", "orbit")
    return group in ("generic_camera", "particle") or (group == "region" and kind != "light")


def _nearest(
    mentions: list[Mention], clause: int, position: int, accepts: Callable[[Mention], bool]
) -> Mention | None:
    """The closest accepting mention in the clause; on a tie, the one before the word."""
    best: Mention | None = None
    best_key: tuple[int, int] | None = None
    for mention in mentions:
        if mention.clause != clause or not accepts(mention):
            continue
        before = mention.start < position
        distance = position - mention.end + 1 if before else mention.start - position
        key = (max(distance, 0), 0 if before else 1)
        if best_key is None or key < best_key:
            best, best_key = mention, key
    return best


def _intensified(modifier: Modifier, tokens: list[str], start: int) -> Modifier:
    if start > 0 and tokens[start - 1] in lexicon.INTENSIFIERS:
        power = lexicon.INTENSIFIER_POWER
        return Modifier(modifier.speed**power, modifier.strength**power, modifier.anywhere)
    return modifier
