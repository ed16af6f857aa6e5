"""Sound as numbers: the chime, loudness, resampling, and WAV files (numpy and the stdlib only)."""

from __future__ import annotations

import io
import math
import wave

import numpy as np
import numpy.typing as npt

from .cache import wav_seconds  # noqa: F401  (numpy-free, for the server process)

Samples = npt.NDArray[np.float32]

RATE = 24000  # plenty for speech; half the size of OpenJTalk's 48 kHz
SPEECH_RMS_DB = -20.0  # loudness of speech, measured over its voiced parts
CHIME_RMS_DB = -22.0  # the chime a little softer than the words
PEAK_DB = -1.0  # never louder than this: no clipping on any player


def db(value: float) -> float:
    return 10 ** (value / 20)


def silence(seconds: float) -> Samples:
    return np.zeros(int(round(seconds * RATE)), dtype=np.float32)


def _bell(freq: float, seconds: float) -> Samples:
    """One struck note: a few partials, a quick attack, an exponential decay, a soft end."""
    t = np.arange(int(seconds * RATE), dtype=np.float64) / RATE
    envelope = (
        np.minimum(1.0, t / 0.005)
        * np.exp(-3.2 * t / seconds)
        * np.minimum(1.0, (seconds - t) / 0.05)
    )
    partials = ((1.0, 1.0), (2.0, 0.35), (3.0, 0.12), (4.2, 0.06))
    tone = sum(amp * np.sin(2 * math.pi * freq * mult * t) for mult, amp in partials)
    return (envelope * tone).astype(np.float32)


def chime() -> Samples:
    """ピンポーン: E5 then C5, our own synthesis (no recorded sample, no licence to credit)."""
    notes, step, tail = (659.25, 523.25), 0.55, 1.4
    out = np.zeros(int((step * (len(notes) - 1) + tail) * RATE), dtype=np.float32)
    for index, freq in enumerate(notes):
        start = int(index * step * RATE)
        note = _bell(freq, tail)
        out[start : start + len(note)] += note[: len(out) - start]
    return normalise(out, CHIME_RMS_DB)


def voiced_rms(samples: Samples) -> float:
    """RMS over the 20 ms frames that carry sound, so pauses do not make speech look quiet."""
    frame = int(0.02 * RATE)
    usable = len(samples) // frame * frame
    if usable == 0:
        return float(np.sqrt(np.mean(np.square(samples)))) if len(samples) else 0.0
    power = np.mean(np.square(samples[:usable].reshape(-1, frame).astype(np.float64)), axis=1)
    loud = power[power > power.max() * 1e-3]  # within 30 dB of the loudest frame
    return float(np.sqrt(loud.mean())) if len(loud) else 0.0


def normalise(samples: Samples, rms_db: float = SPEECH_RMS_DB) -> Samples:
    """Scale to the target loudness, then down again if a peak would pass PEAK_DB."""
    rms = voiced_rms(samples)
    if rms == 0.0:
        return samples.astype(np.float32)
    scaled = samples.astype(np.float64) * (db(rms_db) / rms)
    peak = float(np.max(np.abs(scaled)))
    if peak > db(PEAK_DB):
        scaled *= db(PEAK_DB) / peak
    return scaled.astype(np.float32)


def downsample_by_two(samples: npt.NDArray[np.float64]) -> Samples:
    """48 kHz → 24 kHz: a windowed-sinc low-pass at 10.5 kHz, then every other sample."""
    taps = np.arange(-31, 32, dtype=np.float64)
    cutoff = 10500 / 48000
    kernel = 2 * cutoff * np.sinc(2 * cutoff * taps) * np.hamming(len(taps))
    kernel /= kernel.sum()
    return np.convolve(samples, kernel, mode="same")[::2].astype(np.float32)


def to_wav(samples: Samples) -> bytes:
    """16-bit mono PCM at RATE."""
    pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def from_wav(data: bytes) -> tuple[Samples, int]:
    """Samples in -1…1 and the sample rate of a 16-bit mono WAV."""
    with wave.open(io.BytesIO(data), "rb") as source:
        if source.getnchannels() != 1 or source.getsampwidth() != 2:
            raise ValueError("expected 16-bit mono PCM")
        rate = source.getframerate()
        pcm = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    return pcm.astype(np.float32) / np.float32(32768), rate
