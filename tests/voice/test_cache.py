"""The phrase cache: newest in memory, everything on disk, pruned to the most recently used."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from server.voice.cache import VoiceCache
from server.voice.phrases import announcement


def key(n: int) -> str:
    return announcement(str(n), 1).key


def test_a_stored_phrase_comes_back_from_memory_and_after_a_restart_from_disk(
    tmp_path: Path,
) -> None:
    cache = VoiceCache(tmp_path / "voice")
    assert cache.get(key(1)) is None
    cache.put(key(1), b"RIFF one")
    assert cache.get(key(1)) == b"RIFF one"
    again = VoiceCache(tmp_path / "voice")  # a restarted server
    assert again.memory == {}
    assert again.get(key(1)) == b"RIFF one"
    assert list((tmp_path / "voice").iterdir()) == [tmp_path / "voice" / f"{key(1)}.wav"]


def test_memory_keeps_only_the_newest_phrases(tmp_path: Path) -> None:
    cache = VoiceCache(tmp_path, memory_items=2)
    for n in (1, 2, 3):
        cache.put(key(n), str(n).encode())
    assert list(cache.memory) == [key(2), key(3)]
    assert cache.get(key(1)) == b"1"  # from disk, and remembered again
    assert list(cache.memory) == [key(3), key(1)]


def test_pruning_removes_the_least_recently_used_files(tmp_path: Path) -> None:
    cache = VoiceCache(tmp_path, disk_items=2)
    for n in (1, 2, 3):
        cache.put(key(n), b"x")
        os.utime(cache.path(key(n)), (1000 + n, 1000 + n))
    assert cache.prune() == 1
    assert sorted(p.stem for p in tmp_path.glob("*.wav")) == sorted([key(2), key(3)])
    assert key(1) not in cache.memory


def test_the_same_words_give_the_same_key_and_other_words_another() -> None:
    assert announcement("123", 3).key == announcement("123", 3).key
    assert announcement("123", 3).key != announcement("123", 4).key
    assert announcement("123", 3).key != announcement("123", 3, ("ja", "en")).key


def test_a_key_must_be_a_phrase_key_not_a_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        VoiceCache(tmp_path).path("../../etc/passwd")
