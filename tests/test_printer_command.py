"""`madoguchi printer test URL` against fake printers, as IT staff would run it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.fakes.fake_printer import FakePrinter, closed_port
from tests.forked import run_cli
from tests.printers.test_decode import npos_decode, zbar_decode

ROOT = Path(__file__).resolve().parents[1]


def printer_test(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(["printer", "test", *args], cwd=ROOT, timeout=120)


def test_a_ready_printer_is_reported_and_prints_a_confirmed_test_ticket(tmp_path: Path) -> None:
    with FakePrinter() as fake:
        done = printer_test(fake.url, "--width", "576")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "state: ready (印刷できます)" in done.stdout
        assert "paper_out: no" in done.stdout and "answer: 12 12 12" in done.stdout
        assert "test ticket: confirmed" in done.stdout
        [piece] = fake.jobs
    image, _ = npos_decode(piece, tmp_path)
    assert image.width == 576
    assert zbar_decode(image, tmp_path) == ["https://madoguchi.invalid/printer-test"]


def test_a_printer_out_of_paper_is_reported_and_gets_nothing() -> None:
    with FakePrinter(paper_rows=0) as fake:
        done = printer_test(fake.url)
        assert done.returncode == 1
        assert "state: paper_out (用紙切れ)" in done.stdout
        assert "test ticket: not_sent" in done.stdout
        assert fake.cut_count == 0


def test_status_only_prints_nothing_and_a_missing_printer_is_unreachable() -> None:
    with FakePrinter(protocol="star") as fake:
        done = printer_test(fake.url, "--commands", "star", "--status-only")
        assert done.returncode == 0 and "state: ready" in done.stdout
        assert fake.bytes_received == 3  # ESC ACK SOH, nothing else
    done = printer_test(f"tcp://127.0.0.1:{closed_port()}", "--status-only")
    assert done.returncode == 1 and "state: unreachable" in done.stdout


def test_a_bad_url_is_refused_with_a_reason() -> None:
    done = printer_test("lpt://1")
    assert done.returncode == 2 or done.returncode == 1
    assert "unknown printer url" in done.stderr
