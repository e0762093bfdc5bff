"""Which sound layers a task gets: from the audio prompt, else from the prompt and the motion plan.

Words map to layers through a small keyword table (whole-word, plural-tolerant
matches); 'no rain' or 'without wind' removes a layer. The motion plan's
scene elements fill in what the words leave out (a rain plan gets rain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stillmotion.audio.control import animates
from stillmotion.audio.cues import AudioCues

_KEYWORDS: dict[str, tuple[str, ...]] = {
    "rain": (
        "rain",
        "rainy",
        "raining",
        "drizzle",
        "downpour",
        "shower",
        "raindrop",
        "storm",
        "stormy",
        "monsoon",
        "rainfall",
    ),
    "thunder": ("thunder", "thunderstorm", "lightning", "storm", "stormy"),
    "wind": ("wind", "windy", "breeze", "gust", "gale", "blizzard", "howling", "storm", "stormy"),
    "waves": ("wave", "ocean", "sea", "surf", "shore", "beach", "coast", "seascape", "tide", "breaker", "seaside"),
    "lake": ("lake", "pond", "lapping", "ripple", "dock", "pier", "boat", "canal"),
    "stream": ("stream", "creek", "brook", "river", "babbling", "trickle", "trickling", "fountain"),
    "waterfall": ("waterfall", "cascade", "rapids"),  # "falls" the noun: _FALLS
    "fire": ("fire", "campfire", "fireplace", "flame", "bonfire", "crackle", "crackling", "ember", "hearth", "burning"),
    "birds": ("bird", "birdsong", "gull", "seagull", "chirp", "chirping", "songbird", "tweet", "sparrow", "robin"),
    "forest": ("forest", "woods", "woodland", "jungle", "tree", "leaves", "foliage", "rustling", "grove"),
    "city": ("city", "traffic", "street", "car", "urban", "downtown", "highway", "road", "town"),
    "crowd": ("crowd", "people", "chatter", "murmur", "market", "cafe", "restaurant", "audience", "party", "bar"),
    "room": ("room", "indoor", "indoors", "interior", "office", "quiet", "studio", "hall"),
}

_ELEMENT_LAYERS: dict[str, str] = {"rain": "rain", "fire": "fire", "foliage": "forest", "snow": "wind", "sky": "wind"}
"""Motion-plan elements whose sound is unambiguous; 'water' is resolved by _water_layer()."""

LEVELS_DB: dict[str, float] = {
    "rain": 0.0,
    "waves": 0.0,
    "waterfall": 0.0,
    "fire": 0.0,
    "city": 0.0,
    "crowd": 0.0,
    "thunder": 0.0,
    "stream": -2.0,
    "lake": -3.0,
    "forest": -4.0,
    "wind": -5.0,
    "birds": -7.0,
    "room": -12.0,
}
"""Relative levels of layers that share a mix (each layer first brought to the same loudness):
the scene's main body at 0 dB, beds below it, birdsong as accents over them."""

DRIVES: dict[str, str] = {
    "rain": "rain",
    "waves": "water",
    "lake": "water",
    "stream": "water",
    "waterfall": "water",
    "fire": "fire",
    "wind": "wind",
    "forest": "wind",
}
"""Which AudioCues curve drives each layer (see cues.py); layers not listed run on their own clock."""

SPARSE_LAYERS = frozenset({"birds", "thunder"})
"""Layers that are silent between events: alone, they get a quiet bed so there is no dead air."""

_LIGHT_WORDS = ("light", "gentle", "soft", "drizzle", "calm", "quiet", "faint", "distant", "sprinkle", "mist")
_HEAVY_WORDS = ("heavy", "downpour", "torrential", "storm", "pouring", "strong", "raging", "roaring", "busy", "loud")


@dataclass(frozen=True)
class LayerChoice:
    name: str
    level_db: float
    source: str
    """Why it was chosen: 'audio_prompt', 'prompt', 'motion plan' or 'bed'."""
    intensity: float = 0.7
    variant: str | None = None
    synced: bool = False
    """True when the layer follows a curve of the picture, False when it runs on a seeded stand-in."""

    @property
    def drive(self) -> str | None:
        """The AudioCues curve this layer follows, if any."""
        return DRIVES.get(self.name)

    def __str__(self) -> str:
        kind = self.name + (f":{self.variant}" if self.variant else "")
        sync = f", follows the picture's {self.drive} curve" if self.synced else ""
        return f"{kind} (from {self.source}, {self.level_db:+.0f} dB{sync})"


def _words(text: str) -> list[str]:
    """Lower-case words with a plural 's' dropped, so 'waves' matches 'wave'."""
    return [
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
        for w in re.findall(r"[a-z]+", text.lower())
    ]


_KEYWORD_SETS: dict[str, frozenset[str]] = {
    layer: frozenset(_words(" ".join(keys))) for layer, keys in _KEYWORDS.items()
}
"""The keywords normalised like prompt words ('falls' → 'fall'), so both sides compare alike."""


def _negated(text: str) -> set[str]:
    """Layers named after 'no' or 'without' (e.g. 'calm sea, no wind')."""
    return {
        layer
        for match in re.finditer(r"\b(?:no|without)\s+([a-z]+)", text.lower())
        for layer, keys in _KEYWORD_SETS.items()
        if set(_words(match.group(1))) & keys
    }


_FALLS = re.compile(r"\b(?:[Tt]he|[Aa])\s+[Ff]alls\b|\b[A-Z][a-z]+\s+Falls\b")
"""'falls' as a waterfall: "the falls", "Niagara Falls". Not the verb: "rain falls", "Snow falls"."""


def _layers_in(text: str) -> list[str]:
    words = set(_words(text))
    refused = _negated(text)
    return [
        layer for layer, keys in _KEYWORD_SETS.items()
        if (words & keys or (layer == "waterfall" and _FALLS.search(text))) and layer not in refused
    ]  # fmt: skip


def _intensity(text: str) -> float:
    """0.3 for light words, 1.0 for heavy ones, 0.7 in between (a steady moderate scene)."""
    words = set(_words(text))
    if words & set(_words(" ".join(_HEAVY_WORDS))):
        return 1.0
    if words & set(_words(" ".join(_LIGHT_WORDS))):
        return 0.3
    return 0.7


def _water_layer(prompt: str) -> str:
    """The plan animates water but not which: read the prompt for a sea, a river or a fall."""
    named = [layer for layer in _layers_in(prompt) if layer in ("waves", "stream", "waterfall", "lake")]
    return named[0] if named else "lake"


def choose_layers(prompt: str, audio_prompt: str | None, cues: AudioCues | None) -> list[LayerChoice]:
    """The layers to mix, in a stable order, each with its level and the reason it was chosen."""
    audio_prompt = (audio_prompt or "").strip()
    chosen: dict[str, str] = {}
    if audio_prompt:
        chosen = {layer: "audio_prompt" for layer in _layers_in(audio_prompt)}
    if not chosen:
        chosen = {layer: "prompt" for layer in _layers_in(prompt)}
        refused = _negated(prompt)
        elements = cues.elements if cues is not None else frozenset()
        for element in sorted(elements):
            layer = _water_layer(prompt) if element == "water" else _ELEMENT_LAYERS.get(element)
            if layer is not None and layer not in refused:
                chosen.setdefault(layer, "motion plan")
    if not chosen or set(chosen) <= SPARSE_LAYERS:
        indoors = bool({"room", "crowd"} & set(_layers_in(prompt)))
        chosen.setdefault("room" if indoors or not chosen else "wind", "bed")
    words = audio_prompt or prompt
    intensity = _intensity(words)
    gulls = bool({"gull", "seagull"} & set(_words(words))) or ("birds" in chosen and "waves" in chosen)
    variants = {"birds": "gull" if gulls else None, "thunder": "distant" if intensity < 0.5 else None}
    ordered = [layer for layer in _KEYWORDS if layer in chosen]
    return [
        LayerChoice(
            name=layer,
            level_db=LEVELS_DB[layer] - (6.0 if chosen[layer] == "bed" and len(chosen) > 1 else 0.0),
            source=chosen[layer],
            intensity=intensity,
            variant=variants.get(layer),
            synced=layer in DRIVES and animates(cues, DRIVES[layer]),
        )
        for layer in ordered
    ]
