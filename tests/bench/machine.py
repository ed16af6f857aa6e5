"""How fast the machine is at the time: its disk (a durable write beside the server) and its CPU.

A thread of the bench process overwrites one 4 kB block of a file in the work folder (the
database's file system) and calls fdatasync, every PERIOD seconds, for the whole run. The
file never grows, so each sync is a data write plus a cache flush, the same as the WAL's on
every commit after its first lap. Reported per phase: the sync times and how many took over
STALL_MS. A phase whose p99 swings while the probe shows stalls was slowed by the disk (or the
virtual machine under it), not by the server: on this machine a plain sqlite3 loop of
synchronous=FULL commits, alone, took 0.2 ms at p50 but 15 commits over 100 ms (max 415 ms)
in 90 s. Two probes on two files stalled together, all 10 times in 40 s: the device stalls,
not a file, so no layout of the database's files avoids it.

`cpu_probe_ms` times a fixed Python loop: on this virtual machine the same loop took from
56 to 98 ms within an hour.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from tests.bench.server_load import spread

PERIOD = 0.05  # seconds between syncs: 20 a second, next to the server's 60-130 commits
STALL_MS = 50.0  # a sync this slow alone uses up a latency target
STALLS = f"over_{STALL_MS:.0f}_ms"  # the figure that counts them, in each phase
# The CPU probe on this machine when it is quiet (56-60 ms seen): CPU figures are scaled to it
# ("at the reference speed") as figure x REFERENCE_PROBE_MS / probe.
REFERENCE_PROBE_MS = 60.0


class DiskProbe:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "disk-probe.bin"
        self.samples: list[tuple[float, float]] = []  # (started, milliseconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="disk-probe", daemon=True)

    def start(self) -> DiskProbe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        block = os.urandom(4096)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.write(fd, block)
            os.fsync(fd)  # allocated once, so the syncs below change no metadata
            while not self._stop.wait(PERIOD):
                started = time.monotonic()
                os.pwrite(fd, block, 0)
                os.fdatasync(fd)
                self.samples.append((started, (time.monotonic() - started) * 1000))
        finally:
            os.close(fd)

    def figures(self, start: float, end: float) -> dict[str, Any]:
        """The syncs started in [start, end): their spread and the stalls among them."""
        times = [ms for at, ms in self.samples if start <= at < end]
        return {**spread(times), STALLS: sum(ms > STALL_MS for ms in times)}


def cpu_probe_ms() -> float:
    """How fast this machine runs Python now (a virtual machine's core can be slower at one
    time than at another): the best of 3 runs of a fixed loop, in milliseconds."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, (time.perf_counter() - started) * 1000)
    return round(best, 1)
