"""A small labelled set of paraphrases, written before the lexicon was tuned.

Each prompt says one motion in everyday words, often without the lexicon's
keywords; the label is what the planner should hear ("camera:push_in",
"region:foliage", "particle:snow"). CONTROLS describe a picture and ask for
no motion: the paraphrase matcher must not invent motion there. The set is
the yardstick for keeping or dropping the embedding tie-breaker
(see docs/motion-planning.md); do not add its words to the lexicon.
"""

from __future__ import annotations

PARAPHRASES: tuple[tuple[str, str], ...] = (
    ("the camera creeps closer", "camera:push_in"),
    ("we slowly approach the house", "camera:push_in"),
    ("the view closes in on her face", "camera:push_in"),
    ("magnify the centre of the frame", "camera:push_in"),
    ("the shot widens to reveal the valley", "camera:pull_out"),
    ("the camera retreats from the statue", "camera:pull_out"),
    ("back away from the scene", "camera:pull_out"),
    ("the camera swivels across the horizon", "camera:pan"),
    ("sweep the view across the skyline", "camera:pan"),
    ("look up towards the treetops", "camera:tilt"),
    ("the camera glances down at the street", "camera:tilt"),
    ("the camera travels sideways along the fence", "camera:truck"),
    ("the camera lifts up over the wall", "camera:pedestal"),
    ("the camera goes around the car", "camera:orbit"),
    ("a spinning view around the monument", "camera:orbit"),
    ("the camera is completely motionless", "camera:static"),
    ("a gentle breeze moves the branches", "region:foliage"),
    ("the wind bends the tall stalks", "region:foliage"),
    ("the palms bow in the wind", "region:foliage"),
    ("the canopy moves in the breeze", "region:foliage"),
    ("puffy white shapes float across the heavens", "region:sky"),
    ("the overhead vapour drifts by", "region:sky"),
    ("the sea glistens", "region:water"),
    ("gentle swells roll toward the beach", "region:water"),
    ("the brook babbles over the stones", "region:water"),
    ("the creek trickles past the rocks", "region:water"),
    ("the hearth crackles", "region:fire"),
    ("the wick burns brightly", "region:fire"),
    ("a bonfire roars on the beach", "region:fire"),
    ("a kettle puffs white clouds", "region:steam"),
    ("the valley is veiled in drifting murk", "region:fog"),
    ("the streetlamps pulse softly", "region:light"),
    ("the neon sign buzzes and blinks", "region:light"),
    ("droplets pour from the grey sky", "particle:rain"),
    ("it is pouring outside", "particle:rain"),
    ("white flakes drift down over the village", "particle:snow"),
    ("a wintry flurry covers the street", "particle:snow"),
    ("pink flower bits float through the air", "particle:petals"),
    ("autumn foliage tumbles to the ground", "particle:leaves"),
    ("tiny glowing insects hover over the meadow", "particle:fireflies"),
    ("specks float in the sunbeam", "particle:dust"),
    ("magical glints shimmer in the air", "particle:sparkles"),
)

CONTROLS: tuple[str, ...] = (
    "a portrait of an old man with a beard",
    "a red car parked on the street",
    "a bowl of fruit on a wooden table",
    "high quality, detailed, 4k, masterpiece",
    "a cat sitting on a sofa",
    "an old map of the city",
    "a woman smiling at the viewer",
    "a close-up photo of a watch",
    "a black and white photograph of a bridge",
    "cinematic, beautiful colours, award winning",
    # Added after a spot check of realistic prompts showed "while seagulls fly" read as
    # fireflies: descriptive clauses of the kind long prompts are full of.
    "while seagulls fly",
    "a man walks his dog",
    "children play in the park",
    "a train arrives at the station",
    "the old fisherman smiles",
)
