"""stillmotion: a self-hostable server that turns a still image into a short video."""

__version__ = "0.1.0"
