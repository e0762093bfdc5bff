"""Sound for `generate_audio`: procedural ambience, synchronised with the picture.

`synthesize_audio` is the default (CPU, no weights); `load_audio_backend`
picks it or the diffusers audio model from the settings. `describe_audio`
says which layers a task gets and why.
"""

from stillmotion.audio.cues import AudioCues
from stillmotion.audio.dsp import SAMPLE_RATE
from stillmotion.audio.mastering import output_samples
from stillmotion.audio.selection import LayerChoice
from stillmotion.audio.synthesis import describe_audio, synthesize_audio

__all__ = ["SAMPLE_RATE", "AudioCues", "LayerChoice", "describe_audio", "output_samples", "synthesize_audio"]
