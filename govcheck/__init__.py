"""govcheck: inspect Chinese government websites against the State Council checklist."""

__version__ = "0.1.0"
