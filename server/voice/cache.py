"""Announcement audio kept by phrase key: the newest in memory, all of it on disk.

A file is written under a temporary name and renamed, so a crash never leaves half a WAV
under a real key. The folder is pruned to the most recently used files now and then; a pruned
phrase is simply synthesised again when it is next called.
"""

from __future__ import annotations

import io
import os
import re
import wave
from collections import OrderedDict
from pathlib import Path

KEY = re.compile(r"[0-9a-f]{32}")
MEMORY_ITEMS = 16  # about 6 MB of 8-second clips: the rest is read back from disk (0.1 ms)
DISK_ITEMS = 3000  # about 1 GB
PRUNE_EVERY = 100


def wav_seconds(data: bytes) -> float:
    with wave.open(io.BytesIO(data), "rb") as source:
        return source.getnframes() / source.getframerate()


class VoiceCache:
    def __init__(
        self, folder: Path, memory_items: int = MEMORY_ITEMS, disk_items: int = DISK_ITEMS
    ) -> None:
        self.folder = folder
        self.memory: OrderedDict[str, bytes] = OrderedDict()
        self.memory_items = memory_items
        self.disk_items = disk_items
        self.writes = 0

    def path(self, key: str) -> Path:
        if not KEY.fullmatch(key):
            raise ValueError(f"not a phrase key: {key!r}")
        return self.folder / f"{key}.wav"

    def get(self, key: str) -> bytes | None:
        if key in self.memory:
            self.memory.move_to_end(key)
            return self.memory[key]
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        os.utime(path)  # recently used: the last to be pruned
        self._remember(key, data)
        return data

    def put(self, key: str, data: bytes) -> None:
        self._remember(key, data)
        path = self.path(key)
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(data)
        os.replace(partial, path)
        self.writes += 1
        if self.writes % PRUNE_EVERY == 0:
            self.prune()

    def prune(self) -> int:
        """Remove the least recently used files beyond `disk_items`; returns how many."""
        files = sorted(self.folder.glob("*.wav"), key=lambda p: p.stat().st_mtime, reverse=True)
        removed = 0
        for stale in files[self.disk_items :]:
            stale.unlink(missing_ok=True)
            self.memory.pop(stale.stem, None)
            removed += 1
        return removed

    def _remember(self, key: str, data: bytes) -> None:
        self.memory[key] = data
        self.memory.move_to_end(key)
        while len(self.memory) > self.memory_items:
            self.memory.popitem(last=False)
