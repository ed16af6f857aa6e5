"""Every call the centre can make is spoken, offline: numbers 1–999, counters 1–20.

A sweep, marked slow and left out of the default run (about 0.25 s a phrase, four minutes for
all; run it with `.venv/bin/python -m pytest -m slow`): the default run checks the reading of
every number as text (test_readings.py) and synthesises a sample that covers every reading
pattern (test_synthesis.py). Each number is paired with a counter in turn, so all 20 counters
are spoken many times over.
"""

from __future__ import annotations

import pytest

from server.voice.audio import from_wav, wav_seconds
from server.voice.phrases import announcement
from server.voice.synth import render


@pytest.mark.slow
def test_every_number_from_1_to_999_is_spoken_at_a_sensible_length() -> None:
    lengths = {}
    for number in range(1, 1000):
        counter = (number - 1) % 20 + 1
        wav = render(announcement(str(number), counter))
        samples, _ = from_wav(wav)
        assert float(abs(samples).max()) > 0.05, number  # not silence
        lengths[(number, counter)] = wav_seconds(wav)
    # Chime (about 2 s) + pause + the sentence: 7–10 s measured for the Japanese call.
    assert all(6.0 <= seconds <= 11.0 for seconds in lengths.values()), {
        k: v for k, v in lengths.items() if not 6.0 <= v <= 11.0
    }
    assert len(lengths) == 999 and {c for _, c in lengths} == set(range(1, 21))
