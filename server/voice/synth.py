"""Speech, offline: OpenJTalk's "Mei" voice for Japanese, espeak-ng for the optional English.

pyopenjtalk-plus carries its dictionary and voice inside the wheel and fetches nothing. Its
synthesis is C code that releases the GIL, so the server runs it on a one-thread pool: one
sentence at a time (its engine is shared) without stopping the event loop. espeak-ng is a
separate program, started per sentence.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType

import numpy as np

from .audio import RATE, Samples, chime, downsample_by_two, from_wav, normalise, silence, to_wav
from .phrases import Announcement, Spoken
from .protocol import VoiceUnavailable

SPEED = 0.9  # a little slower than OpenJTalk's default: older visitors, a noisy room
# Our sentences hold no kanji of doubtful reading, so pyopenjtalk-plus's second opinion from
# SudachiPy is not needed (it gives the very same labels for every phrase, and calls a
# deprecated SudachiPy function).
FRONT_END = {"use_sudachi_kanji_yomi": False}
GAP_AFTER_CHIME = 0.35
GAP_BETWEEN_LANGUAGES = 0.7
ESPEAK = "espeak-ng"


@cache
def openjtalk() -> ModuleType:
    # The package prints a note about an optional model at import; keep it out of the logs.
    with contextlib.redirect_stdout(io.StringIO()):
        import pyopenjtalk
    return pyopenjtalk


def voice_files() -> dict[str, Path]:
    """Where the dictionary and the voice come from: inside the installed package."""
    module = openjtalk()
    return {
        "dictionary": Path(module.OPEN_JTALK_DICT_DIR.decode()),
        "voice": Path(module.DEFAULT_HTS_VOICE.decode()),
    }


def kana(reading: str) -> str:
    """How OpenJTalk will pronounce `reading`, in katakana (its front end only, no audio)."""
    return str(openjtalk().g2p(reading, kana=True, **FRONT_END))


def japanese_samples(reading: str) -> Samples:
    """Blocking: about 0.2 s per sentence on two cores."""
    wave, rate = openjtalk().tts(reading, speed=SPEED, **FRONT_END)
    if rate != 2 * RATE:
        raise VoiceUnavailable(f"unexpected OpenJTalk sample rate {rate}")
    return downsample_by_two(np.asarray(wave, dtype=np.float64) / 32768)


def english_available() -> bool:
    return shutil.which(ESPEAK) is not None


def english_samples(reading: str) -> Samples:
    """espeak-ng's English voice; it writes a 22.05 kHz WAV, brought to RATE."""
    if not english_available():
        raise VoiceUnavailable(f"{ESPEAK} is not installed (apt package espeak-ng)")
    done = subprocess.run(
        [ESPEAK, "-v", "en-gb", "-s", "145", "--stdout", reading],
        capture_output=True,
        timeout=20,
        check=True,
    )
    samples, rate = from_wav(done.stdout)
    if rate == RATE:
        return samples
    positions = np.arange(int(len(samples) * RATE / rate)) * (rate / RATE)
    resampled = np.interp(positions, np.arange(len(samples)), samples)
    return np.asarray(resampled, dtype=np.float32)


Speaker = Callable[[Spoken], Samples]


def speak(sentence: Spoken) -> Samples:
    engines = {"ja": japanese_samples, "en": english_samples}
    return engines[sentence.language](sentence.reading)


@cache
def chime_samples() -> Samples:
    return chime()


def assemble(voices: list[Samples]) -> bytes:
    """The chime, then each language's sentence at the same loudness, as one WAV."""
    parts = [chime_samples(), silence(GAP_AFTER_CHIME)]
    for index, voice in enumerate(voices):
        if index:
            parts.append(silence(GAP_BETWEEN_LANGUAGES))
        parts.append(normalise(voice))
    return to_wav(np.concatenate(parts))


def render(announcement: Announcement, speaker: Speaker = speak) -> bytes:
    """The whole announcement as WAV bytes (synchronous: for tests and the command line)."""
    return assemble([speaker(sentence) for sentence in announcement.sentences])
