"""The appointment tests' real server: one per worker for the package, on a simulated clock
set to a Monday morning, with a site closed that day (kc) and a site that keeps late
arrivals' bookings and takes no public bookings (kd)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import ADMIN, ServerProcess, site_file

MONDAY_0900 = "2026-12-07T09:00:00+09:00"
SITES = ["ka", "kb", "kc", "kd", "ke"]


@pytest.fixture(scope="package")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    workdir: Path = tmp_path_factory.mktemp("appointments")
    text = site_file(SITES, extra={
        "kc": 'closed_dates = ["2026-12-07"]',
        "kd": 'appointments = { public = false, late = "keep", grace_minutes = 5 }',
    })
    proc = ServerProcess(workdir, SITES, env={"MADOGUCHI_CLOCK": "simulated"}, sites_text=text)
    proc.init()
    proc.start()
    at(proc, MONDAY_0900)
    yield proc
    proc.stop()


def at(server: ServerProcess, moment: str) -> None:
    assert server.request("POST", "/api/clock", ADMIN, {"set": moment}).status == 200
