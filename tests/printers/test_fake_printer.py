"""The fake printer itself, checked with python-escpos's own status calls and plain sockets."""

from __future__ import annotations

import socket
from typing import Any

from escpos.printer import Network  # type: ignore[import-untyped]

from tests.fakes.escpos_stream import Tokenizer, realtime_status_requests
from tests.fakes.fake_printer import CUTTER_ROWS, FakePrinter


def escpos_status(fake: FakePrinter) -> tuple[bool, int]:
    """(is_online, paper_status) as python-escpos reads them: an independent client."""
    printer: Any = Network("127.0.0.1", fake.port, timeout=2)
    printer.open()
    try:
        return bool(printer.is_online()), int(printer.paper_status())
    finally:
        printer.close()


def test_python_escpos_reads_the_same_states_from_the_fake(fake: FakePrinter) -> None:
    assert escpos_status(fake) == (True, 2)
    fake.set(paper_rows=5, near_end_rows=10)
    assert escpos_status(fake) == (True, 1)
    fake.set(paper_rows=0)
    assert escpos_status(fake) == (False, 0)
    fake.set(paper_rows=1_000, cover_open=True)
    assert escpos_status(fake)[0] is False


def test_buffered_job_prints_once_the_paper_is_back(fake: FakePrinter, job: bytes) -> None:
    fake.set(paper_rows=0)
    with socket.create_connection(("127.0.0.1", fake.port), timeout=2) as conn:
        conn.sendall(job)
        assert fake.wait_until(lambda: fake.bytes_received == len(job))
    assert fake.jobs == []
    fake.load_paper()
    assert fake.wait_for_jobs(1)
    assert fake.jobs == [job]


def test_jobs_are_split_at_the_cut(fake: FakePrinter, job: bytes) -> None:
    with socket.create_connection(("127.0.0.1", fake.port), timeout=2) as conn:
        conn.sendall(job + job)
        # Closed at once, a loopback socket with a small window may lose what it still held.
        assert fake.wait_until(lambda: fake.bytes_received == 2 * len(job))
    assert fake.wait_for_jobs(2)
    assert fake.jobs == [job, job]
    assert fake.unknown_commands == []


def test_confirmation_comes_after_the_print_and_clear_is_answered(fake: FakePrinter) -> None:
    with socket.create_connection(("127.0.0.1", fake.port), timeout=2) as conn:
        conn.sendall(b"\x1b@\x1bd\x02\x1dV\x00\x1dr\x01")
        assert conn.recv(1) == b"\x00"
        conn.sendall(b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08")
        assert conn.recv(3) == b"\x37\x25\x00"
    assert len(fake.jobs) == 1


def test_status_requests_split_across_reads_are_found_once() -> None:
    found, carry = realtime_status_requests(b"", b"\x00\x10")
    assert found == []
    found, carry = realtime_status_requests(carry, b"\x04\x02\x10\x04\x04")
    assert found == [2, 4]
    found, _ = realtime_status_requests(carry, b"\x00")
    assert found == []


def test_a_cut_fed_to_the_blade_uses_the_paper_between_head_and_blade(
    fake: FakePrinter, job: bytes
) -> None:
    raster = sum(c.rows for c in Tokenizer().feed(job) if c.kind == "raster_data")
    with socket.create_connection(("127.0.0.1", fake.port), timeout=2) as conn:
        conn.sendall(job + b"\x1b@\x1dVB\x10")  # and a partial cut 16 rows past the blade
        assert fake.wait_until(lambda: fake.bytes_received == len(job) + 6)
    assert fake.wait_for_jobs(2)
    assert fake.rows_printed == raster + CUTTER_ROWS + CUTTER_ROWS + 16
    assert CUTTER_ROWS == 120  # 15 mm at 8 dots/mm, as on an Epson TM-T88
