"""Sound for `generate_audio`: procedural ambience, synchronised with the picture."""
