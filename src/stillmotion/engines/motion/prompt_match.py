"""Reading a prompt into mentions: which lexicon things it names, negated or not, how.

The reader works on word tokens in three passes over the whole text: named
things (longest phrase first, so "zoom out" beats "zoom" and "falling leaves"
beats "leaves"), then directions, then speed/strength words on what is left.
Clauses (split at punctuation and linking words) bound the reach of a
negation cue, a direction and a modifier, so in "no rain, snow falls slowly"
only the rain is negated and only the snow is slow.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from typing import Generic, TypeVar

from stillmotion.engines.motion import lexicon
from stillmotion.engines.motion.lexicon import Concept, Modifier
from stillmotion.engines.motion.plan import Direction
from stillmotion.engines.motion.prompt_translate import translate

T = TypeVar("T")

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
DIRECTIONS: PatternIndex[Direction] = PatternIndex(lexicon.DIRECTION_PHRASES)
MODIFIERS: PatternIndex[Modifier] = PatternIndex(lexicon.MODIFIER_PHRASES)
_AUXILIARIES = frozenset("is are was were be being been".split())
_GAP_WORDS = frozenset(
    word for word in MODIFIERS.words | lexicon.INTENSIFIERS if word not in CONCEPTS.words
) | _AUXILIARIES
"""Words a phrase may have between its slots: "gently swaying", "is flying" ("a bird is flying";
"is" is also a slot of "camera is still", which matches it first)."""


def _concept_rank(concept: Concept) -> int:
    """A bare "camera" loses ties against a named move sharing its words."""
    return 1 if concept.group == "generic_camera" else 0


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens in English (foreign phrases translated, `prompt_translate`)."""
    return translate(text).words


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
    direction: Direction | None = None
    modifiers: list[str] = field(default_factory=list)
    paraphrase: float | None = None
    source: tuple[str, str] | None = None
    """What a plume is said to rise from: (the user's words, "from the chimney"; the thing, "chimney")."""
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
    not_understood: list[str] = field(default_factory=list)
    """Clauses, in the user's words, in which nothing at all was understood."""
    languages: frozenset[str] = frozenset()
    """Languages other than English the prompt was read in."""


Paraphraser = Callable[[str], tuple[Concept, float] | None]
"""Maps a clause that names nothing to the closest lexicon concept and its score, or None."""


def read_prompt(text: str, paraphrase: Paraphraser | None = None) -> Reading:
    """Named things, negated or not, with the directions and speed words of their clauses."""
    translated = translate(text)
    tokens, origins = translated.words, translated.origins
    free = [True] * len(tokens)
    concepts = select(CONCEPTS.candidates(tokens, free, _GAP_WORDS), _concept_rank)
    _take(free, concepts)
    directions = select(DIRECTIONS.candidates(tokens, free, frozenset()))
    _take(free, directions)
    modifiers = select(MODIFIERS.candidates(tokens, free, frozenset()))
    _take(free, modifiers)

    clause_of = _clauses(tokens, concepts)
    concepts = _with_cloth_verbs(tokens, clause_of, concepts)
    mentions = [
        Mention(m.payload, _quote(origins, m.start, m.end), clause_of[m.start], m.start, m.end,
                direction=m.payload.direction)
        for m in concepts
    ]
    cues = [i for i, tok in enumerate(tokens) if free[i] and tok in lexicon.NEGATION_CUES]
    if paraphrase is not None:
        qualified = {clause_of[i] for i in cues} | {clause_of[d.start] for d in directions}
        mentions = _with_paraphrases(tokens, clause_of, mentions, qualified, paraphrase)
    mentions = _without_places(tokens, clause_of, mentions)
    mentions = _with_exclusive_still_camera(tokens, origins, clause_of, free, mentions)
    refused = _answered_no(tokens, clause_of)
    for mention in mentions:
        mention.negated = any(clause_of[c] == mention.clause and c < mention.end for c in cues) or (
            mention.concept.group == "region" and _said_still_after(mention, tokens, clause_of)) or (
            mention.clause in refused)
    # After the negations: "freeze" both refuses what it names and, for a thing no region is, holds it.
    mentions = _with_held_still_camera(tokens, origins, clause_of, free, mentions)
    _attach_sources(tokens, origins, clause_of, free, mentions)
    unattached = _attach_directions(origins, clause_of, mentions, directions)
    global_modifiers = _attach_modifiers(tokens, origins, clause_of, mentions, modifiers, unattached)
    qualified = {clause_of[d.start] for d in directions} | {clause_of[i] for i in cues}
    understood = {m.clause for m in mentions} | qualified
    # A speed word makes its clause understood only when little else is in it: "make it slow" is
    # read, "the cup rotates slowly" asks for a rotation nothing read (the "slowly" still applies).
    understood |= {
        clause_of[m.start] for m in modifiers if _free_words(clause_of[m.start], tokens, free, clause_of) < 2
    }
    # A bare "camera" beside words nothing read ("the camera wobbles gently" is read, "la caméra
    # tremble doucement" is not) names no move: without a direction or a negation, not understood.
    named = {m.clause for m in mentions if m.concept.group != "generic_camera"}
    understood -= {m.clause for m in mentions if _bare_camera(m, tokens, free, clause_of)} - named - qualified
    return Reading(mentions, global_modifiers, unattached,
                   _not_understood(tokens, origins, clause_of, understood), translated.languages)


def _with_cloth_verbs(tokens: list[str], clause_of: list[int], concepts: list[Match[Concept]]) -> list[Match[Concept]]:
    """A region read from a lone cloth verb after a verbless flag in its clause becomes the
    flag's verb: "waves" in "the flag on the pagoda waves" is not water, "sways" not foliage
    ("the flag ripples above the rippling lake" keeps its lake's ripples)."""
    cloth = [m for m in concepts if m.payload.kind == "cloth moves" and len(m.positions) == 1]  # verbless
    verbs = [m for m in concepts
             if m.payload.group == "region" and len(m.positions) == 1 and tokens[m.start] in lexicon.CLOTH_VERBS]
    owner: dict[int, Match[Concept]] = {}  # a flag's start -> the verb it takes
    for verb in verbs:
        before = [m for m in cloth if m.start < verb.start and clause_of[m.start] == clause_of[verb.start]]
        if before:
            owner[before[-1].start] = verb
    taken = {verb.start for verb in owner.values()}
    return [
        Match(m.payload, m.positions + owner[m.start].positions) if m.start in owner else m
        for m in concepts if m.start not in taken
    ]


_PLACE_LEAD_IN = 2
"""Words a place's noun may have after its preposition ("into the night sky")."""


def _without_places(tokens: list[str], clause_of: list[int], mentions: list[Mention]) -> list[Mention]:
    """Less the region nouns that only say where another motion of their clause happens: "looks
    to the sky", "stars twinkle in the night sky", "pan across the lake". A noun that names a
    motion ("over the waves", "through the clouds"), one that particles fall on ("rain on the
    lake") or whose clause asks nothing else stays."""
    inside = {i for m in mentions for i in range(m.start, m.end)}

    def placed(mention: Mention) -> bool:
        if mention.concept.group != "region" or mention.end - mention.start != 1:
            return False
        if tokens[mention.start] not in lexicon.PLACE_NOUNS:
            return False
        # Falling particles land on their place and stir it: "rain on the lake" asks for its rings.
        return any(other.clause == mention.clause and other.end <= mention.start
                   and other.concept.group != "particle" and other.concept.kind != mention.concept.kind
                   for other in mentions) and after_a_preposition(mention.start)  # fmt: skip

    def after_a_preposition(start: int) -> bool:
        for i in range(start - 1, max(start - 2 - _PLACE_LEAD_IN, -1), -1):
            if tokens[i] in lexicon.PLACE_PREPOSITIONS:
                return True
            if i in inside or tokens[i] in _SEPARATORS:
                return False
        return False

    return [mention for mention in mentions if not placed(mention)]


_STILL = frozenset("still static motionless frozen unmoving immobile stationary".split())  # not "calm": gentle
_STAYING = frozenset("stay stays staying stayed remain remains remaining remained is are be being keep keeps kept "
                     "hold holds held stand stands look looks".split())
_MOVING = frozenset("move moves moving sway sways swaying drift drifts drifting ripple ripples rippling flow flows "
                    "flowing wave waves waving".split())
_STOPPING = frozenset("stop stops stopped halt halts halted freeze freezes froze".split())
_STILL_REACH = 3
"""Words between a region and what says it keeps still ("the lake remains perfectly still")."""


def _said_still_after(mention: Mention, tokens: list[str], clause_of: list[int]) -> bool:
    """Whether the region's own clause says after it that it keeps still: "the water stays still",
    "the sky is motionless", "the trees don't move", "the clouds stop". Such a region is refused like "no trees":
    before, each of them moved, under a Rendered line that quoted the user's "stays still"."""
    after = [i for i in range(mention.end, min(mention.end + _STILL_REACH + 1, len(tokens)))
             if clause_of[i] == mention.clause]
    words = [tokens[i] for i in after]
    before = range(max(0, mention.start - _STILL_REACH), mention.start)
    held = any(tokens[i] in _HOLDING for i in before if clause_of[i] == mention.clause)  # "keep the water still"
    for k, word in enumerate(words):
        if word in _STOPPING or (word in _STILL and (held or any(w in _STAYING for w in words[:k]))):
            return True
        if word in _MOVING and any(w in lexicon.NEGATION_CUES for w in words[:k]):
            return True
    return False


def _answered_no(tokens: list[str], clause_of: list[int]) -> set[int]:
    """Clauses a "none" or "no" after a colon refuses, as in a structured prompt ("camera
    movement: none", which was read as a truck)."""
    refused = set()
    for i in (i for i in range(1, len(tokens) - 1) if tokens[i] == ":"):
        answer = [t for j, t in enumerate(tokens) if clause_of[j] == clause_of[i + 1] and t not in _SEPARATORS]
        if answer and all(t in lexicon.NEGATION_CUES for t in answer):
            refused.add(clause_of[i - 1])
    return refused


_EXCLUSIVE = frozenset({"only", "just", "solely", "merely"})


def _with_exclusive_still_camera(
    tokens: list[str], origins: list[str], clause_of: list[int], free: list[bool], mentions: list[Mention]
) -> list[Mention]:
    """Plus a static camera when the prompt names no camera and says that only a region or
    particle moves ("only the water moves", "just the leaves"): a camera move would move
    everything else too (the default drift or the enhancer's pan over china's pagoda)."""
    if _names_a_camera(mentions):
        return mentions
    starts = {m.start for m in mentions if m.concept.group in ("region", "particle")}
    for i, token in enumerate(tokens):
        if token not in _EXCLUSIVE or not free[i]:
            continue
        # Past articles in any language ("only the water", "solo el agua", "nur das Wasser").
        after = next((j for j in range(i + 1, min(i + 4, len(tokens))) if not free[j] or j in starts), None)
        if after is not None and after in starts and clause_of[after] == clause_of[i]:
            return _plus_still_camera(mentions, origins, clause_of, i, i + 1)
    return mentions


_HOLDING = frozenset("keep keeps keeping hold holds holding freeze freezes".split())


def _with_held_still_camera(
    tokens: list[str], origins: list[str], clause_of: list[int], free: list[bool], mentions: list[Mention]
) -> list[Mention]:
    """Plus a static camera when the prompt names no camera and asks to keep a thing it names
    still: "keep the pagoda still", "freeze the pagoda" (a camera move would move it; a region
    said so is refused instead, `_said_still_after`). Before, such a clause was not understood
    and the default move carried the pagoda along."""
    if _names_a_camera(mentions):
        return mentions
    named = {m.clause for m in mentions}
    for i, token in enumerate(tokens):
        if token not in _HOLDING or not free[i] or clause_of[i] in named:
            continue
        rest = [j for j in range(i + 1, min(i + 2 + _STILL_REACH, len(tokens))) if clause_of[j] == clause_of[i]]
        if token.startswith("freeze") and rest or any(tokens[j] in _STILL for j in rest):
            return _plus_still_camera(mentions, origins, clause_of, i, max(rest, default=i) + 1)
    return mentions


def _names_a_camera(mentions: list[Mention]) -> bool:
    return any(m.concept.group in ("camera", "generic_camera") for m in mentions)


def _plus_still_camera(
    mentions: list[Mention], origins: list[str], clause_of: list[int], start: int, end: int
) -> list[Mention]:
    """`mentions` and a static camera read from the user's words at tokens start..end."""
    still = Mention(Concept("camera", "static"), " ".join(origins[start:end]), clause_of[start], start, end)
    return sorted([*mentions, still], key=lambda m: m.start)


def _bare_camera(mention: Mention, tokens: list[str], free: list[bool], clause_of: list[int]) -> bool:
    """A generic "camera" mention in a clause with words nothing read: what they ask of the camera
    is unknown ("camera" alone, or with speed words only, is not worth a note)."""
    return mention.concept.group == "generic_camera" and _free_words(mention.clause, tokens, free, clause_of) > 0


def _free_words(clause: int, tokens: list[str], free: list[bool], clause_of: list[int]) -> int:
    """Words of a clause that nothing read, less separators and filler."""
    return sum(1 for i, c in enumerate(clause_of)
               if c == clause and free[i] and tokens[i] not in _SEPARATORS and tokens[i] not in _FILLER
               and tokens[i] not in lexicon.INTENSIFIERS)  # fmt: skip


def _quote(origins: list[str], start: int, end: int) -> str:
    """The user's words for tokens start..end (a translated phrase, the origin of each of its
    English words in turn, is quoted once; a word the user repeated stays: "a photo of a cat")."""
    return " ".join(origin for origin, _ in groupby(origins[start:end]))


def _not_understood(tokens: list[str], origins: list[str], clause_of: list[int], understood: set[int]) -> list[str]:
    """Each clause that holds words but in which nothing was understood, in the user's words."""
    out = []
    for clause in sorted(set(clause_of) - understood):
        span = [i for i, c in enumerate(clause_of) if c == clause and tokens[i] not in _SEPARATORS]
        if span and any(tokens[i] not in _FILLER for i in span):
            out.append(_quote(origins, span[0], span[-1] + 1))
    return out


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


def _with_paraphrases(
    tokens: list[str], clause_of: list[int], mentions: list[Mention], qualified: set[int],
    paraphrase: Paraphraser,
) -> list[Mention]:
    """Mentions plus what the tie-breaker finds in clauses the lexicon understood nothing in.

    A clause whose only mention is a bare "camera" counts as understood
    nothing ("the camera creeps closer"), unless a negation or a direction
    gives it a meaning ("no camera movement", "the camera moves left"); a
    camera concept found for it replaces that bare mention.
    """
    named = {m.clause for m in mentions if m.concept.group != "generic_camera" or m.clause in qualified}
    out = list(mentions)
    for clause in sorted(set(clause_of) - named):
        span = [i for i, c in enumerate(clause_of) if c == clause and tokens[i] not in _SEPARATORS]
        if not span:
            continue
        words = " ".join(tokens[i] for i in span)
        hit = paraphrase(words)
        if hit is None:
            continue
        concept, score = hit
        if concept.group == "camera" and not _CAMERA_CONTEXT.intersection(tokens[i] for i in span):
            continue  # camera words govern the camera: "a scene" or "she looks up" is no camera move
        if concept.group == "camera":
            out = [m for m in out if not (m.clause == clause and m.concept.group == "generic_camera")]
        out.append(Mention(concept, words, clause, span[0], span[-1] + 1,
                           direction=concept.direction, paraphrase=score))
    return sorted(out, key=lambda m: m.start)


_PLUMES = frozenset({"steam", "smoke"})
_FROM = frozenset({"from", "off", "out"})
_DETERMINERS = frozenset("the a an this that these those his her its their my our your of".split())
_PLACE_ENDS = frozenset("into to toward towards in on at above over across through up with and while as".split())
_SOURCE_WORDS = 3
"""A named source is a short noun phrase ("the old brick chimney" is cut to "old brick chimney")."""


def _attach_sources(
    tokens: list[str], origins: list[str], clause_of: list[int], free: list[bool], mentions: list[Mention]
) -> None:
    """Give steam or smoke the place its clause says it rises from ("... from the chimney"): words no
    pass understood, after "from", "off" or "out (of)", up to the clause's end, a preposition or the
    next understood word. A direction ("from the left") is understood, so it is never taken for a place."""
    for mention in mentions:
        if mention.concept.kind not in _PLUMES:
            continue
        at = next((i for i in range(mention.end, len(tokens))
                   if clause_of[i] == mention.clause and free[i] and tokens[i] in _FROM), None)  # fmt: skip
        if at is None:
            continue
        end = at + 1
        while (end < len(tokens) and clause_of[end] == mention.clause and free[end]
               and tokens[end] not in _PUNCTUATION and tokens[end] not in _PLACE_ENDS):  # fmt: skip
            end += 1
        words = [i for i in range(at + 1, end) if tokens[i] not in _DETERMINERS][:_SOURCE_WORDS]
        if words:
            mention.source = (_quote(origins, at, words[-1] + 1), " ".join(tokens[i] for i in words))


def _attach_directions(
    origins: list[str], clause_of: list[int], mentions: list[Mention], directions: list[Match[Direction]]
) -> list[str]:
    """Give each direction to the nearest mention it can steer; return the words left over."""
    unattached = []
    for d in directions:
        steerable = functools.partial(_takes_direction, direction=d.payload)
        target = _nearest(mentions, clause_of[d.start], d.start, steerable)
        named = _nearest(mentions, clause_of[d.start], d.start, lambda m: m.concept.group == "camera" and steerable(m))
        if target is not None and target.concept.group == "generic_camera" and named is not None:
            target = named  # "镜头向左平移" (the camera, leftward, pans): the pan takes it
        if target is None:
            unattached.append(_quote(origins, d.start, d.end))
        else:
            target.direction = d.payload
    return unattached


def _attach_modifiers(
    tokens: list[str], origins: list[str], clause_of: list[int], mentions: list[Mention],
    modifiers: list[Match[Modifier]], unattached: list[str],
) -> list[GlobalModifier]:
    """Speed words go to the nearest named thing, else to the whole clip if they can."""
    global_modifiers = []
    for m in modifiers:
        modifier = _intensified(m.payload, tokens, m.start)
        words = _quote(origins, m.start, m.end)
        target = _nearest(mentions, clause_of[m.start], m.start, lambda x: not x.negated)
        if target is not None:
            target.speed *= modifier.speed
            target.strength *= modifier.strength
            target.modifiers.append(words)
        elif modifier.anywhere:
            global_modifiers.append(GlobalModifier(modifier, words))
        else:
            unattached.append(words)
    return global_modifiers


_SEPARATORS = _PUNCTUATION | lexicon.CLAUSE_BREAK_WORDS | lexicon.COORDINATORS
"""Tokens that start a clause rather than say anything in it."""
_CAMERA_CONTEXT = frozenset(
    "camera cam shot view lens frame framing we viewer perspective pov zoom zooms zooming dolly "
    "closer forward backward back away nearer".split()
)
"""A clause must say one of these before the paraphrase model may read it as a camera move."""
_FILLER = frozenset(
    "a an the this that it its of to in on at by for from into over please".split()
)
"""Words that alone make no request worth a note ("the", "of")."""


def _takes_direction(mention: Mention, direction: Direction) -> bool:
    """Whether a direction word can steer this mention.

    Foliage sways sideways, fire always rises and lights only pulse, so they
    let a direction pass to a better owner in the clause; "down" is where
    particles fall anyway, so it does not bind them either.
    """
    group, kind = mention.concept.group, mention.concept.kind
    horizontal = direction in ("left", "right")
    if group == "camera":
        return kind in ("pan", "tilt", "truck", "pedestal") or (kind == "orbit" and horizontal)
    if group == "particle":
        return direction != "down"
    if group == "region":
        return kind in ("sky", "water", "smoke", "steam", "fog") or (kind == "foliage" and horizontal)
    return group == "generic_camera"


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
