"""The motion engine (CPU, procedural): see `engine.MotionEngine`."""

from stillmotion.engines.motion.engine import MotionEngine

__all__ = ["MotionEngine"]
