"""Inner Kindness: a voice skill for self-compassion, its audio studio and its simulator."""

__version__ = "0.1.0"
