"""What the server and its voice worker process say to each other (see worker.py), and the
one refusal both ends know: a language whose speech engine is not installed."""

from __future__ import annotations

FAILED = 0xFFFFFFFF  # in place of a WAV's length: one line of error text follows


class VoiceUnavailable(RuntimeError):
    """The engine for a language is not installed."""
