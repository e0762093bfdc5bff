"""The words the motion planner understands, as data.

Each table maps a compact phrase pattern to what it means. A pattern is a
space-separated list of slots; a slot lists its accepted words with `|`
("zoom|zooms|zooming in" matches "zooms in"). Inflections are spelled out
rather than stemmed: a stemmer would also merge words we must keep apart
("leaves" the foliage and "leave" the verb, "falls" the verb and "falls" the
waterfall). Keeping every word here means the vocabulary documented in
docs/motion-planning.md is exactly this file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from stillmotion.engines.motion.plan import Direction

ConceptGroup = Literal[
    "camera", "generic_camera", "handheld", "region", "particle", "loop", "cinemagraph", "smooth",
    "subject",
]


@dataclass(frozen=True)
class Concept:
    """One thing a phrase can ask for."""

    group: ConceptGroup
    kind: str = ""
    """Camera kind, region kind or particle kind; empty for the flag groups."""
    direction: Direction | None = None
    """A direction the phrase itself implies ("waterfall": down, "steam rises": up)."""


# --- camera -------------------------------------------------------------------------------

CAMERA_PHRASES: dict[str, Concept] = {
    "push|pushes|pushing|pushed in|forward|closer": Concept("camera", "push_in"),
    "push-in|push-ins|pushin|zoom|zooms|zooming|zoom-in": Concept("camera", "push_in"),
    "zoom|zooms|zooming|zoomed in|into|closer": Concept("camera", "push_in"),
    "dolly|dollies|dollying in|forward|closer": Concept("camera", "push_in"),
    "camera move|moves|moving|moved|goes|heads in|forward|closer": Concept("camera", "push_in"),
    "move|moves|moving|moved|come|comes|coming|get|gets|getting closer|forward":
        Concept("camera", "push_in"),
    # "The astronaut floats in space" is not one: a named subject's verb is read first (it is the
    # leftmost of the two overlapping phrases, `SUBJECT_PHRASES`).
    "creep|creeps|creeping|inch|inches|inching|drift|drifts|drifting|float|floats|floating closer|forward|in":
        Concept("camera", "push_in"),
    "ken burns": Concept("camera", "push_in"),
    "hyperlapse|hyperlapses|hyper-lapse": Concept("camera", "push_in"),
    # The 2.5D effect people name is a camera move with depth, whichever: the move they name, or
    # the default push-in (a bare "camera", read as such).
    "parallax": Concept("generic_camera"),
    "3d parallax|effect|photo|motion": Concept("generic_camera"),
    "parallax effect|shot|motion": Concept("generic_camera"),
    "flythrough|fly-through|flyover|fly-over": Concept("camera", "push_in"),
    "drone|aerial|fpv shot|flight|flying|footage|flyover|fly-through": Concept("camera", "push_in"),
    "camera|drone|we fly|flies|flying|flew|glide|glides|gliding over|above|through|across|along":
        Concept("camera", "push_in"),
    "pull|pulls|pulling|pulled out|back|away": Concept("camera", "pull_out"),
    "pull-out|pullback|pull-back|zoom-out": Concept("camera", "pull_out"),
    "zoom|zooms|zooming|zoomed out|back|away": Concept("camera", "pull_out"),
    "dolly|dollies|dollying out|back|backward|backwards|away": Concept("camera", "pull_out"),
    "camera move|moves|moving|moved|goes back|backward|backwards|away":
        Concept("camera", "pull_out"),
    "pan|pans|panning|panned|panoramic": Concept("camera", "pan"),
    "tilt|tilts|tilting|tilted": Concept("camera", "tilt"),
    "truck|trucks|trucking|tracking|crab|crabs|crabbing": Concept("camera", "truck"),
    "camera slide|slides|sliding|glide|glides|gliding|strafe|strafes": Concept("camera", "truck"),
    "lateral|sideways|sidestep": Concept("camera", "truck"),
    "pedestal|pedestals|crane|cranes|craning|boom|booms|jib|jibs": Concept("camera", "pedestal"),
    "orbit|orbits|orbiting|orbital|arc|arcs|arcing|revolve|revolves|revolving":
        Concept("camera", "orbit"),
    "circle|circles|circling|rotate|rotates|rotating|rotation around|round": Concept("camera", "orbit"),
    # A roll turns the picture about its centre: not a move this engine makes (a note says so).
    # "rotates clockwise" was read as a bare camera going right, and rendered as a truck.
    "barrel roll|rolls": Concept("camera", "roll"),
    "dutch angle|tilt|roll": Concept("camera", "roll"),
    "camera|frame|view|image|picture|horizon roll|rolls|rolling|spin|spins|spinning|twist|twists|twisting":
        Concept("camera", "roll"),
    "rotate|rotates|rotating|spin|spins|spinning|turn|turns|turning|roll|rolls|rolling "
    "clockwise|counterclockwise|anticlockwise|counter-clockwise|anti-clockwise": Concept("camera", "roll"),
    "dolly-zoom|vertigo|zolly|contra-zoom": Concept("camera", "dolly_zoom"),
    "dolly zoom|zooms": Concept("camera", "dolly_zoom"),
    "hitchcock|trombone zoom|shot|effect": Concept("camera", "dolly_zoom"),
    "static|locked|locked-off|stationary|fixed|tripod|still|steady|motionless camera|shot|view":
        Concept("camera", "static"),
    "camera stays|remains|is|holds still|static|fixed|put|locked": Concept("camera", "static"),
    "camera does|do|will not move": Concept("camera", "static"),
    # "keep everything still except the trees": the frame holds, what is named still moves.
    "keep|keeps|keeping|hold|holds everything|all|the|rest still|static|frozen|motionless|fixed":
        Concept("camera", "static"),
    "everything|all|rest else stays|stay|remains|remain|is|stands still|static|frozen|motionless":
        Concept("camera", "static"),
    "everything|all|rest stays|stay|remains|remain|is|stands still|static|frozen|motionless":
        Concept("camera", "static"),
    "camera doesn't|don't|won't|never move|moves": Concept("camera", "static"),
    # Nothing at all is to move: before, "no movement at all" and "nothing moves" got the default push-in.
    "nothing moves|move|moving|moved": Concept("camera", "static"),
    "no|without|zero movement|motion": Concept("camera", "static"),
    "without any movement|motion": Concept("camera", "static"),
    "freeze frame|freeze-frame|freezeframe": Concept("camera", "static"),
    "locked-off|static|tripod": Concept("camera", "static"),
    "locked off|down": Concept("camera", "static"),
    "dolly|dollies|dollying|camera": Concept("generic_camera"),
    "camera move|moves|moving|movement|movements|motion|drifts|glides|slides": Concept(
        "generic_camera"
    ),
    "move|moving the camera": Concept("generic_camera"),
    "handheld|hand-held|shaky|shaking|wobbly|jittery camera|cam|shot|footage|look":
        Concept("handheld"),
    "handheld|hand-held|shaky|shakycam|wobbly": Concept("handheld"),
    # A tripod alone is a locked-off camera; one that shakes is the opposite.
    "camera|tripod|tripods shake|shakes|shaking|wobble|wobbles|wobbling|jitter|jitters|jittering":
        Concept("handheld"),
}

CLOTH_VERBS = frozenset(
    "wave waves waving flutter flutters fluttering flap flaps flapping blow blows blowing billow billows "
    "billowing sway sways swaying ripple ripples rippling".split()
)
"""What cloth does in the wind: after a flag in its clause, such a word is the flag's verb, even
where other words stand between them ("the flag on the pagoda waves" asks nothing of water)."""

# --- regions ------------------------------------------------------------------------------

REGION_PHRASES: dict[str, Concept] = {
    "sky|skies|cloud|clouds|cloudy|cloudscape|overcast|cumulus": Concept("region", "sky"),
    "water|waters|wave|waves|ripple|ripples|rippling|river|rivers|stream|streams|creek|brook":
        Concept("region", "water"),
    "lake|lakes|pond|ponds|ocean|oceans|sea|seas|surf|tide|tides|shore|lagoon|bay|harbor|harbour":
        Concept("region", "water"),
    "shimmer|shimmers|shimmering|reflection|reflections|rapids|fountain|fountains":
        Concept("region", "water"),
    "waterfall|waterfalls|cascade|cascades|cascading": Concept("region", "water", "down"),
    "tree|trees|grass|grasses|leaves|foliage|branch|branches|bush|bushes|shrub|shrubs":
        Concept("region", "foliage"),
    "plant|plants|flower|flowers|wheat|reeds|reed|palm|palms|fern|ferns|vines|forest|meadow":
        Concept("region", "foliage"),
    "sway|sways|swaying|swayed|rustle|rustles|rustling": Concept("region", "foliage"),
    "fire|fires|flame|flames|flaming|candle|candles|candlelight|campfire|bonfire|fireplace":
        Concept("region", "fire"),
    "torch|torches|blaze|blazing|burning|inferno": Concept("region", "fire"),
    "fire|flame|flames|candle|candles|candlelight|campfire|bonfire flicker|flickers|flickering":
        Concept("region", "fire"),
    "flickering fire|flame|flames|candle|candles|candlelight": Concept("region", "fire"),
    "smoke|smokes|smoky|smoking|smog|smokestack": Concept("region", "smoke"),
    "smoke rises|rising|rise|curls|curling": Concept("region", "smoke", "up"),
    "clouds|cloud|puff|puffs|plume|plumes|wisp|wisps of smoke": Concept("region", "smoke"),
    "steam|steams|steaming|steamy|vapor|vapour|vapors|vapours": Concept("region", "steam"),
    "steam|vapor|vapour rises|rising|rise|curls|curling": Concept("region", "steam", "up"),
    "clouds|cloud|puff|puffs|plume|plumes|wisp|wisps of steam|vapor|vapour": Concept("region", "steam"),
    "fog|foggy|fogs|mist|mists|misty|haze|hazy|fogbank": Concept("region", "fog"),
    "clouds|cloud|bank|banks|wisp|wisps of fog|mist": Concept("region", "fog"),
    "heat shimmer|shimmers|shimmering|haze|hazes|waves|wave|ripple|ripples|rippling|distortion": Concept("region", "heat"),
    "heat-haze|heat-shimmer|mirage|mirages": Concept("region", "heat"),
    "shimmering|rippling|wavering hot air|heat": Concept("region", "heat"),
    "hot air shimmers|shimmering|ripples|rippling|rises|rising": Concept("region", "heat"),
    "glow|glows|glowing|flicker|flickers|flickering|neon|lamp|lamps":
        Concept("region", "light"),
    "light|lights|lighting|lantern|lanterns|lamp|lamps flicker|flickers|flickering|glow|glows|glowing|pulse|pulses|"
    "blink|blinks|blinking":
        Concept("region", "light"),
    "flickering|glowing|pulsing light|lights|lantern|lanterns": Concept("region", "light"),
    "lanterns|lantern": Concept("region", "light"),
    # Drawn on the frame (`added_effects.py`): twinkle on point lights, rays from a bright gap.
    "twinkle|twinkles|twinkling|twinkly|glint|glints|glinting|scintillate|scintillates|scintillating":
        Concept("region", "twinkle"),
    "star|stars|starry|starlight|starlit|starfield|starfields": Concept("region", "twinkle"),
    "twinkling|glinting|shimmering light|lights|lamps|stars|streetlights": Concept("region", "twinkle"),
    "sunbeams|sunbeam|sunrays|sunray|godrays|god-rays|sunshafts": Concept("region", "rays"),
    "god|sun|light|crepuscular|sunlight rays|beams|shafts": Concept("region", "rays"),
    "rays|shafts|beams of light|sunlight": Concept("region", "rays"),
    "light shaft|shafts|beam|beams": Concept("region", "rays"),
    # "the sun shines through the trees" asks for its rays (and the trees are their place).
    "sun|sunlight|light shines|shining|streams|streaming|pours|pouring|filters|filtering|breaks|breaking":
        Concept("region", "rays"),
}

# --- particles ----------------------------------------------------------------------------

PARTICLE_PHRASES: dict[str, Concept] = {
    "rain|rains|raining|rainy|rainfall|raindrops|raindrop|drizzle|drizzling|downpour|rainstorm":
        Concept("particle", "rain"),
    "thunderstorm|showers": Concept("particle", "rain"),
    "snow|snows|snowing|snowy|snowfall|snowflakes|snowflake|blizzard|flurries":
        Concept("particle", "snow"),
    "petal|petals|blossom|blossoms|sakura": Concept("particle", "petals"),
    "flower petals": Concept("particle", "petals"),
    "falling|drifting|tumbling|blowing|swirling|floating leaves|leaf":
        Concept("particle", "leaves"),
    "leaves|leaf fall|falls|falling|fell|drift|drifts|drifting|tumble|tumbling|float|floating|swirl|swirling":
        Concept("particle", "leaves"),
    "firefly|fireflies|lightning-bugs|glowworms": Concept("particle", "fireflies"),
    "lightning bugs": Concept("particle", "fireflies"),
    "dust|dusty|motes|pollen|particles|ash|ashes|specks": Concept("particle", "dust"),
    "sparkle|sparkles|sparkling|sparkly|glitter|glittering|sparks|embers|stardust":
        Concept("particle", "sparkles"),
}

# Nouns that name where something happens as well as what may move: after a place preposition,
# behind another motion in its clause, they are its place, not an ask of their own ("steam rises
# into the sky" does not ask the sky to drift, "birds fly over the lake" does not ask for ripples).
PLACE_NOUNS = frozenset(
    "sky skies water waters river rivers stream streams creek brook lake lakes pond ponds ocean oceans sea seas "
    "shore lagoon bay harbor harbour tree trees grass grasses foliage bush bushes shrub shrubs plant plants "
    "flower flowers wheat reeds reed palm palms fern ferns forest meadow".split()
)
PLACE_PREPOSITIONS = frozenset(
    "to toward towards into in across over above through at on under beneath around near beside along behind "
    "past among between".split()
)

# --- what this engine cannot do ---------------------------------------------------------
# A subject's own action (a cat blinking, a person turning her head, a rocket lifting off) or an
# object's motion the photo cannot show by moving its pixels (a flag waving needs cloth folds
# the still does not have). They are read so that they are reported, never rendered as
# something else: "looks around" is not a camera tilt, "the flag waves" is not water.

SUBJECT_PHRASES: dict[str, Concept] = {
    "blink|blinks|blinking|blinked|wink|winks|winking": Concept("subject", "blinks"),
    "eye|eyes sparkle|sparkles|sparkling|shine|shines|shining|glow|glows|glowing|twinkle|twinkles|twinkling|"
    "gleam|gleams|gleaming": Concept("subject", "blinks"),
    "smile|smiles|smiling|smiled|grin|grins|grinning|laugh|laughs|laughing": Concept("subject", "smiles"),
    "turn|turns|turning|turned|tilt|tilts|tilting|shake|shakes|shaking|nod|nods|nodding|raise|raises "
    "her|his|its|their head|heads": Concept("subject", "turns head"),
    "turn|turns|turning|turned|shake|shakes|shaking head|heads|around": Concept("subject", "turns head"),
    "nod|nods|nodding|nodded": Concept("subject", "nods"),
    "look|looks|looking|looked|glance|glances|glancing|gaze|gazes|gazing|peer|peers|stare|stares "
    "around|about|away|up|down|left|right|at|to|toward|towards|into|over|back|through":
        Concept("subject", "looks around"),
    "open|opens|opening|close|closes|closing her|his|its|their eyes|mouth": Concept("subject", "blinks"),
    "breathe|breathes|breathing|talk|talks|talking|speak|speaks|speaking|sing|sings|singing":
        Concept("subject", "talks"),
    "walk|walks|walking|run|runs|running|jump|jumps|jumping|dance|dances|dancing":
        Concept("subject", "walks"),
    "wag|wags|wagging|purr|purrs|purring|stretch|stretches|stretching|yawn|yawns|yawning":
        Concept("subject", "moves"),
    # Not "launch" alone: "the launch pad" is a place, not an action.
    "launches|launching|launched|liftoff|lift-off|takeoff|take-off": Concept("subject", "launches"),
    "rocket|shuttle|rockets launch|launches|rise|rises|rising|ascend|ascends|ascending|climb|climbs|climbing|"
    "soar|soars|soaring|blast|blasts|blasting": Concept("subject", "launches"),
    "lift|lifts|lifting off": Concept("subject", "launches"),
    "take|takes|taking off": Concept("subject", "launches"),
    "wave|waves|waving|waved her|his|their hand|hands|arm|arms": Concept("subject", "waves a hand"),
    "wave|waves|waving|waved at|to|hello|goodbye": Concept("subject", "waves a hand"),
    "flag|flags|banner|banners|curtain|curtains|hair|dress|cape|scarf " + "|".join(sorted(CLOTH_VERBS)):
        Concept("subject", "cloth moves"),
    "waving|fluttering|flapping|billowing flag|flags|banner|banners|curtain|curtains|hair":
        Concept("subject", "cloth moves"),
    # A flag is cloth wherever its verb stands ("the flag on the pagoda waves").
    "flag|flags|banner|banners|pennant|pennants": Concept("subject", "cloth moves"),
    "fly|flies|flying|flew|soar|soars|soaring away|off|past|by|across|up": Concept("subject", "flies"),
    # A plant changing its shape: "the flower blooms" is not the foliage swaying.
    "flower|flowers|bud|buds|blossom|blossoms|petals|plant|plants|rose|roses|tulip|tulips|dahlia|dahlias|tree|trees|"
    "grass|leaf|leaves|vine|vines "
    "bloom|blooms|blooming|bloomed|open|opens|opening|opened|unfold|unfolds|unfolding|grow|grows|growing|"
    "wilt|wilts|wilting|wither|withers|withering": Concept("subject", "grows"),
    # Breaking surf needs water to rise and fall, which moving the photo's pixels cannot do: its
    # surface ripples, and "waves crash against the shore" must not pass as rendered.
    "wave|waves|surf|breaker|breakers|swell|swells|sea|ocean crash|crashes|crashing|crashed|break|breaks|breaking|"
    "pound|pounds|pounding|smash|smashes|smashing|surge|surges|surging|tumble|tumbles|tumbling|curl|curls|"
    "curling|roll|rolls|rolling": Concept("subject", "surf"),
    "crashing|breaking|pounding|rolling|curling|surging wave|waves|surf|breakers|swell|swells":
        Concept("subject", "surf"),
    # Things the photo does not show, which the engine does not draw (its added effects are
    # rain, snow, petals, leaves, fireflies, dust, sparkles, steam, smoke, fog, shimmer, twinkle
    # and light rays): the clause "fireworks burst over the lake" must not pass as rendered
    # because "lake" is understood.
    "firework|fireworks|lightning|thunderbolt|thunderbolts|explosion|explosions|rainbow|rainbows|aurora|auroras|"
    "meteor|meteors|comet|comets|butterfly|butterflies|tornado|tornadoes": Concept("subject", "new thing"),
    "northern|southern lights": Concept("subject", "new thing"),
    "shooting|falling star|stars": Concept("subject", "new thing"),
    "bird|birds|plane|planes|airplane|rocket|car|cars|train|boat|boats|ship|people|crowd|person|man|woman|girl|"
    "boy|child|children|astronaut|astronauts|cat|cats|dog|dogs|horse|horses|deer|bee|bees|insect|insects|fish|"
    "swan|swans|duck|ducks|animal|animals "
    "fly|flies|flying|move|moves|moving|drive|drives|driving|sail|sails|sailing|pass|passes|passing|"
    "walk|walks|walking|glide|glides|gliding|float|floats|floating|drift|drifts|drifting|cross|crosses|"
    "crossing|cruise|cruises|cruising|race|races|racing|speed|speeds|speeding|row|rows|rowing|land|lands|"
    "landing|hover|hovers|hovering|buzz|buzzes|buzzing|swim|swims|swimming|run|runs|running|jump|jumps|"
    "jumping|climb|climbs|climbing":
        Concept("subject", "moves"),
    # A change of light over time: the engine keeps the photo's light (its glow and flicker are
    # local), so "fades to night" is reported, never passed as rendered.
    "fade|fades|fading|turn|turns|turning|transition|transitions|transitioning|change|changes|changing "
    "to|into night|dusk|darkness|dark|day|dawn|sunset|sunrise|black|evening|morning":
        Concept("subject", "light changes"),
    "sun|moon set|sets|setting|rise|rises|rising|sink|sinks|sinking": Concept("subject", "light changes"),
    "turn|turns|turning|turned|go|goes|going|went|glow|glows|glowing|blush|blushes "
    "orange|red|pink|golden|gold|purple|violet|crimson|dark|darker|black|grey|gray": Concept("subject", "light changes"),
    "sun|moon goes|go|going down|up": Concept("subject", "light changes"),
    "get|gets|getting|grow|grows|growing|become|becomes|becoming darker|brighter|dimmer":
        Concept("subject", "light changes"),
    "darken|darkens|darkening|brighten|brightens|brightening|dim|dims|dimming": Concept("subject", "light changes"),
}

# --- flags --------------------------------------------------------------------------------

FLAG_PHRASES: dict[str, Concept] = {
    "loop|loops|looping|looped|loopable|seamless|seamlessly|boomerang": Concept("loop"),
    "cinemagraph|cinemagraphs|living-photo": Concept("cinemagraph"),
    "living photo|picture": Concept("cinemagraph"),
    "smooth|smoothly|silky|fluid|fluidly|buttery": Concept("smooth"),
    # Crisp motion, not "no motion": the longer phrase keeps "no motion blur" from holding the camera.
    "no|without motion|movement blur|blurring": Concept("smooth"),
}

ALL_PHRASES: dict[str, Concept] = {
    **CAMERA_PHRASES,
    **REGION_PHRASES,
    **PARTICLE_PHRASES,
    **FLAG_PHRASES,
    **SUBJECT_PHRASES,
}


# --- modifiers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Modifier:
    """How a word changes the tempo and the strength of what its clause names."""

    speed: float = 1.0
    strength: float = 1.0
    anywhere: bool = False
    """True for words that also mean the whole clip when their clause names nothing
    ("slowly", "slow motion"); adjectives such as "light" or "calm" only qualify a
    named thing, otherwise "morning light" would slow the whole video down."""


def _anywhere(base: Modifier) -> Modifier:
    return replace(base, anywhere=True)


# Factors chosen so that "slowly" and "fast" differ 3.6x in tempo (the issue asks for >= 2x
# after clamping and seed jitter), while "gently"/"subtle" weaken more than they slow.
SLOW = Modifier(speed=0.5, strength=0.85)
GENTLE = Modifier(speed=0.6, strength=0.7)
SUBTLE = Modifier(speed=0.75, strength=0.55)
FAST = Modifier(speed=1.8, strength=1.15)
STRONG = Modifier(speed=1.3, strength=1.5)

MODIFIER_PHRASES: dict[str, Modifier] = {
    "slow|slowly|slower|unhurriedly|leisurely|lazily": _anywhere(SLOW),
    "sluggish|unhurried|lazy|creeping": SLOW,
    "gently|gentle|softly|calmly|peacefully": _anywhere(GENTLE),
    "soft|calm|peaceful|tranquil|serene|mellow": GENTLE,
    "subtle|subtly|slightly|barely|faintly|lightly|minimal|minimally": _anywhere(SUBTLE),
    "slight|faint|light": SUBTLE,
    "fast|faster|quickly|rapidly|swiftly|briskly|speedily": _anywhere(FAST),
    "quick|rapid|swift|speedy|brisk|hurried|racing|rushing|whooshing|energetic": FAST,
    "strongly|heavily|intensely|violently|wildly|dramatically|powerfully|fiercely":
        _anywhere(STRONG),
    "strong|heavy|intense|violent|raging|wild|dramatic|powerful|stormy|torrential|roaring|fierce":
        STRONG,
    "slow-motion|slow-mo|slowmo": Modifier(speed=0.4, anywhere=True),
    "slow motion": Modifier(speed=0.4, anywhere=True),
    "time-lapse|timelapse|hyperlapse": Modifier(speed=2.5, anywhere=True),
    "time lapse": Modifier(speed=2.5, anywhere=True),
}

INTENSIFIERS: frozenset[str] = frozenset(
    {"very", "extremely", "super", "really", "incredibly", "ultra", "exceptionally"}
)
"""A word right before a modifier raises its factors to the power INTENSIFIER_POWER."""
INTENSIFIER_POWER = 1.6

# --- directions ---------------------------------------------------------------------------

DIRECTION_PHRASES: dict[str, Direction] = {
    "from left to right": "right",
    "from right to left": "left",
    "from top to bottom": "down",
    "from bottom to top": "up",
    "left-to-right": "right",
    "right-to-left": "left",
    "from the|its left": "right",
    "from the|its right": "left",
    "left|leftward|leftwards|westward": "left",
    "right|rightward|rightwards|eastward|clockwise": "right",
    "counterclockwise|anticlockwise|counter-clockwise|anti-clockwise": "left",
    "up|upward|upwards|upward-moving|skyward|skywards|rise|rises|rising|ascend|ascends|ascending":
        "up",
    "down|downward|downwards|downhill|descend|descends|descending": "down",
}

# --- structure words ----------------------------------------------------------------------

NEGATION_CUES: frozenset[str] = frozenset(
    {
        "no", "not", "without", "never", "avoid", "nor", "none", "zero", "minus", "remove",
        "exclude", "excluding", "don't", "dont", "doesn't", "doesnt", "won't", "isn't", "aren't",
        "shouldn't", "cannot", "can't", "stop", "halt", "freeze",
    }
)
"""A cue negates every named thing after it in its clause ("no rain or snow")."""

CLAUSE_BREAK_WORDS: frozenset[str] = frozenset(
    {"while", "whilst", "as", "but", "then", "whereas", "meanwhile", "with", "yet", "though",
     "although", "when", "also"}
)
"""Words that start a new clause: modifiers, directions and negation stay within a clause."""

COORDINATORS: frozenset[str] = frozenset({"and", "or", "&", "plus"})
"""Join two named things into one clause ("no rain or snow"), else start a new clause."""

# --- negative prompt ----------------------------------------------------------------------

NEGATIVE_SMOOTHING_WORDS: frozenset[str] = frozenset(
    {"jerky", "jerk", "jerking", "shaky", "shaking", "shake", "jitter", "jittery", "jittering",
     "stutter", "stuttering", "choppy", "wobbly", "wobble", "judder", "juddering", "unstable",
     "flickery"}
)
NEGATIVE_STILLNESS_WORDS: frozenset[str] = frozenset(
    {"static", "frozen", "still", "motionless", "lifeless", "boring", "stiff", "slideshow"}
)
NEGATIVE_SOFTNESS_WORDS: frozenset[str] = frozenset(
    {"blurry", "blur", "blurred", "smeared", "smearing", "ghosting", "distorted", "distortion",
     "warped", "warping", "stretched", "stretching", "artifacts", "artefacts", "morphing"}
)
