"""Engines turn a framed image and a prompt into frames. See `base.Engine`."""
