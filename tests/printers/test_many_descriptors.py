"""A printer's device opened after a thousand connections: descriptors of 1,024 and above.

A server with many displays, consoles and phones connected holds more than 1,024 open
descriptors (it raises its own limit for them), so a serial port or device file it opens
then gets a number that select() refuses ("filedescriptor out of range"). The links wait
with poll instead: a ticket still prints, and is still confirmed where the link reads back.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from pathlib import Path

import pytest

from printers.device import LinkPrinter
from printers.model import PrinterConfig, PrintOutcome
from tests.fakes.fake_file import FakeFilePrinter
from tests.fakes.fake_serial import FakeSerialPrinter
from tests.printers.connections import TIMEOUTS

HELD = 1100  # descriptors held open first, as a busy server's connections would be


@pytest.fixture
def many_descriptors() -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = HELD + 512
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"the hard limit on open files ({hard}) is below {wanted}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(HELD)]
    try:
        probe = os.open(os.devnull, os.O_RDONLY)
        os.close(probe)
        assert probe >= 1024  # whatever opens next gets a number select() refuses
        yield
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_serial_printer_opened_above_descriptor_1024_prints_and_confirms(
    tmp_path: Path, job: bytes, many_descriptors: None
) -> None:
    with FakeSerialPrinter(tmp_path, baudrate=115200) as fake:
        printer = LinkPrinter(PrinterConfig(id="s", url=fake.url, **TIMEOUTS))
        try:
            result = printer.print_job(job)
        finally:
            printer.close()
        assert result.outcome is PrintOutcome.CONFIRMED, result
        assert fake.jobs == [job]


def test_a_device_file_opened_above_descriptor_1024_takes_the_whole_job(
    tmp_path: Path, job: bytes, many_descriptors: None
) -> None:
    with FakeFilePrinter(tmp_path) as fake:
        printer = LinkPrinter(PrinterConfig(id="f", url=fake.url, **TIMEOUTS))
        try:
            result = printer.print_job(job)
        finally:
            printer.close()
        assert result.outcome is PrintOutcome.SENT_UNCONFIRMED, result
        assert fake.wait_for_jobs(1, timeout=30)
        assert fake.jobs == [job]
