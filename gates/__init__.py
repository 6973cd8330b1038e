"""gates: learnability of Boolean functions by threshold gates under local rules."""

__version__ = "0.1.0"
