"""A simulated day replayed through the real server on its simulated clock: the same seed
gives the same day, down to every number and every estimate shown at the kiosk."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tests.bench.replay import replay
from tests.bench.sim.scenarios import SMALL_WARD

# A short day at the small ward: about a dozen visitors, a transfer or two, a lunch break.
SMALL_DAY = dataclasses.replace(SMALL_WARD, visitors_per_day=14)


def test_two_replays_of_a_seed_give_the_same_day(tmp_path: Path) -> None:
    first = replay(SMALL_DAY, 5, tmp_path / "first")
    second = replay(SMALL_DAY, 5, tmp_path / "second")
    assert first == second
    assert first["visitors"] >= 8
    tickets = first["tickets"]
    assert len(tickets) == first["visitors"]
    assert all(t["estimate"] is not None for t in tickets)  # the kiosk showed one each
    assert all(t["waited_min"] is not None and t["waited_min"] >= 0 for t in tickets)
    assert [t["ticket"] for t in tickets] == sorted(t["ticket"] for t in tickets)


def test_another_seed_gives_another_day(tmp_path: Path) -> None:
    one = replay(SMALL_DAY, 5, tmp_path / "one")
    other = replay(SMALL_DAY, 6, tmp_path / "other")
    assert [t["issued"] for t in one["tickets"]] != [t["issued"] for t in other["tickets"]]
