"""The announcement audio: made offline, chime first, a sensible length, even loudness.

Every number and counter is checked for its reading in test_readings.py (fast, text only);
here a sample is synthesised: 24 phrases that cover all 20 counters, every digit in every place
of a number (so every word a reading is made of, with the sound changes of 300, 600 and 800)
and the numbers written specially (110), about 0.3 s each. Every number from 1 to 999 is
synthesised by the slow sweep, test_every_number.py (`-m slow`).
"""

from __future__ import annotations

import fcntl
import math
import pickle
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import numpy as np
import pytest

from server.voice.audio import RATE, Samples, from_wav, voiced_rms, wav_seconds
from server.voice.phrases import MISREAD_NUMBERS, announcement
from server.voice.synth import (
    GAP_AFTER_CHIME,
    chime_samples,
    english_available,
    render,
    voice_files,
)

NUMBERS = (1, 4, 7, 9, 10, 11, 14, 19, 20, 99, 100, 101, 110, 123, 300, 333, 600, 666, 800, 999)
NUMBERS += (245, 458, 572, 787)  # the hundreds 2, 4, 5, 7, the tens 4, 5, 7, 8, the ones 2, 5, 8
# (number, counter): the counters 1–20 in turn
SAMPLE = tuple((number, i % 20 + 1) for i, number in enumerate(NUMBERS))
CHIME_SECONDS = len(chime_samples()) / RATE


def db(value: float) -> float:
    return 20 * math.log10(value)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory,
             testrun_uid: str) -> dict[tuple[int, int], bytes]:
    """The sample, synthesised once for the whole run: the workers that run this module's
    tests share it through a file beside their temporary folders (the first makes it while
    the others wait on its lock), rather than each spending 10-15 s of CPU on it."""
    shared = tmp_path_factory.getbasetemp().parent / f"voice-sample-{testrun_uid}.pickle"
    with open(shared.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if shared.exists():
            found: dict[tuple[int, int], bytes] = pickle.loads(shared.read_bytes())
            return found
        made = {(n, c): render(announcement(str(n), c)) for n, c in SAMPLE}
        shared.write_bytes(pickle.dumps(made))
        return made


def voice_part(wav: bytes) -> Samples:
    samples, _ = from_wav(wav)
    return samples[int((CHIME_SECONDS + GAP_AFTER_CHIME) * RATE) :]


def test_the_sample_covers_every_reading_pattern() -> None:
    """A reading is made of one word per digit and place (ヒャク, サンビャク, ロッピャク, …,
    ジュー, …, イチ, …; test_readings.py checks all 999 as text): each is spoken at least
    once, and so is every number the phrase writes in kanji."""
    places = {(place, n // 10**place % 10) for n in NUMBERS for place in range(3)}
    assert {(place, digit) for place in range(3) for digit in range(1, 10)} <= places
    assert set(MISREAD_NUMBERS) <= set(NUMBERS)
    assert {len(str(n)) for n in NUMBERS} == {1, 2, 3}
    assert {counter for _, counter in SAMPLE} == set(range(1, 21))


def test_every_sampled_call_is_a_24_khz_mono_wav_of_sensible_length(
    rendered: dict[tuple[int, int], bytes],
) -> None:
    for wav in rendered.values():
        samples, rate = from_wav(wav)
        assert rate == RATE
        assert len(samples) / rate == pytest.approx(wav_seconds(wav))
    voice = {pair: len(voice_part(wav)) / RATE for pair, wav in rendered.items()}
    # Measured: 5.2 s for "1番 … 1番" to 6.3 s for "999番 … 20番" (6.8 s for 888), at speed 0.9.
    assert all(3.0 <= seconds <= 8.0 for seconds in voice.values()), voice
    assert voice[(999, 20)] > voice[(1, 1)]  # more to say takes longer
    total = [wav_seconds(wav) for wav in rendered.values()]
    assert all(5.0 <= seconds <= 10.5 for seconds in total), total


def test_the_chime_comes_first_then_a_short_silence(rendered: dict[tuple[int, int], bytes]) -> None:
    samples, _ = from_wav(rendered[(123, 14)])
    chime = samples[: int(CHIME_SECONDS * RATE)]
    gap = samples[
        int((CHIME_SECONDS + 0.02) * RATE) : int((CHIME_SECONDS + GAP_AFTER_CHIME) * RATE)
    ]
    assert 1.5 <= CHIME_SECONDS <= 2.5
    assert voiced_rms(chime) > 0.03
    assert np.max(np.abs(gap)) < 0.01


def test_every_call_is_spoken_at_the_same_loudness_and_never_clips(
    rendered: dict[tuple[int, int], bytes],
) -> None:
    for pair, wav in rendered.items():
        samples, _ = from_wav(wav)
        assert db(float(np.max(np.abs(samples)))) <= -0.9, pair
        assert db(voiced_rms(voice_part(wav))) == pytest.approx(-20.0, abs=0.5), pair


def test_the_dictionary_and_the_voice_are_inside_the_installed_package() -> None:
    packages = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}
    for name, path in voice_files().items():
        assert path.exists(), name
        assert any(root in path.resolve().parents for root in packages), (name, path)
    assert (voice_files()["voice"].parent / "LICENSE_mei_normal.htsvoice").is_file()


def test_a_call_is_synthesised_in_a_process_that_has_no_network() -> None:
    script = textwrap.dedent("""
        import socket
        from server.voice.audio import wav_seconds
        from server.voice.phrases import announcement
        from server.voice.synth import render
        try:
            socket.create_connection(("1.1.1.1", 443), timeout=2)
            print("network")
        except OSError:
            print(round(wav_seconds(render(announcement("123", 3))), 2))
    """)
    done = subprocess.run(
        ["unshare", "--net", sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert 5.0 <= float(done.stdout.strip().splitlines()[-1]) <= 10.5


def test_english_follows_the_japanese_when_the_site_asks_for_it() -> None:
    assert english_available(), "espeak-ng is missing: run .ci/setup (apt package espeak-ng)"
    both = announcement("123", 3, ("ja", "en"))
    assert both.text == (
        "受付番号123番の方、3番窓口へお越しください。 Number 123, please come to counter 3."
    )
    japanese_only = wav_seconds(render(announcement("123", 3)))
    assert wav_seconds(render(both)) >= japanese_only + 2.0
