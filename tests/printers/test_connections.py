"""Every connection against a printer that behaves like the real ones: a good ticket, paper out,
cover open, offline, the cable pulled mid-job, a slow printer and one that never answers.

Whatever happens: never a second copy, and never "confirmed" without the printer's word.
A connection that cannot read back (a device file, a CUPS queue) never says more than "sent".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from printers.encode import encode
from printers.fonts import TicketFonts
from printers.layout import render_ticket
from printers.model import PrinterState, PrintOutcome, PrintResult
from tests.fakes.cupsd import CupsServer
from tests.printers.conftest import STATUS_URL, make_slip
from tests.printers.connections import KINDS, Connection, open_connection
from tests.printers.test_decode import zbar_decode


@pytest.fixture
def connect(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """connect(kind, **options): a fake printer of that kind and the printer driving it."""
    with ExitStack() as stack:

        def start(kind: str, **options: Any) -> Connection:
            cups = request.getfixturevalue("cupsd") if kind == "cups" else None
            folder = tmp_path / f"{kind}-{len(stack._exit_callbacks)}"
            folder.mkdir()
            return open_connection(kind, stack, folder, cups, **options)

        yield start


def ticket(fonts: TicketFonts, dialect: str, label: str = "A-023") -> tuple[Image.Image, bytes]:
    image = render_ticket(make_slip(label=label), 512, fonts)
    return image, encode(image, dialect)


def same(ours: Image.Image, theirs: Image.Image) -> bool:
    return ours.size == theirs.size and (
        ImageChops.difference(ours.convert("L"), theirs.convert("L")).getbbox() is None
    )


def assert_sent_as_it_can(connection: Connection, result: PrintResult) -> None:
    """A good ticket: confirmed where the printer can say so, "sent" where it cannot."""
    if connection.confirms:
        assert result.outcome is PrintOutcome.CONFIRMED, result
    else:
        assert result.outcome is PrintOutcome.SENT_UNCONFIRMED, result
        assert result.expected  # the way of this connection, not a fault


@pytest.mark.parametrize("kind", KINDS)
def test_a_good_ticket_prints_once_and_decodes_to_the_drawn_image(
    connect: Any, fonts: TicketFonts, tmp_path: Path, kind: str
) -> None:
    connection = connect(kind)
    image, job = ticket(fonts, connection.dialect)
    result = connection.printer.print_job(job)
    assert_sent_as_it_can(connection, result)
    assert connection.fake.wait_for_jobs(1)
    [piece] = connection.fake.jobs
    decoded = connection.decode(piece, tmp_path)
    assert same(image, decoded)
    assert zbar_decode(decoded, tmp_path) == [STATUS_URL]
    assert connection.fake.unknown_commands == []


@pytest.mark.parametrize("fault", ["paper_out", "cover_open", "offline"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_printer_that_cannot_print_gets_nothing_or_says_only_sent(
    connect: Any, fonts: TicketFonts, kind: str, fault: str
) -> None:
    connection = connect(kind)
    fake = connection.fake
    fake.set(**({"paper_rows": 0} if fault == "paper_out" else {fault: True}))
    _, job = ticket(fonts, connection.dialect)
    result = connection.printer.print_job(job)
    assert result.outcome is not PrintOutcome.CONFIRMED
    if connection.confirms:
        assert result.outcome is PrintOutcome.NOT_SENT
        assert result.before.state is {"paper_out": PrinterState.PAPER_OUT,
                                       "cover_open": PrinterState.COVER_OPEN,
                                       "offline": PrinterState.OFFLINE}[fault]  # fmt: skip
    else:  # a device file or CUPS cannot see the printer: sent, and it prints once back
        assert result.outcome is PrintOutcome.SENT_UNCONFIRMED
    fake.set(paper_rows=1_000_000, cover_open=False, offline=False)
    if not connection.confirms:  # what the printer was sent comes out once the fault is gone
        assert fake.wait_for_jobs(1)
    assert fake.wait_idle()
    assert fake.cut_count == (0 if connection.confirms else 1)


# CUPS owns its connection: test_cups.py has what it can and cannot tell of a dropped one.
@pytest.mark.parametrize("kind", [kind for kind in KINDS if kind != "cups"])
def test_a_cable_pulled_mid_image_never_prints_that_ticket_whole_and_the_next_comes_out_clean(
    connect: Any, fonts: TicketFonts, tmp_path: Path, kind: str
) -> None:
    connection = connect(kind)
    first_image, first = ticket(fonts, connection.dialect, "A-001")
    second_image, second = ticket(fonts, connection.dialect, "A-002")
    connection.drop_after(len(first) // 2)
    result = connection.printer.print_job(first)
    assert result.outcome is PrintOutcome.SENT_UNCONFIRMED
    assert not result.expected and result.outcome.printed_maybe  # it may be on paper in part
    connection.reconnect()
    result = connection.printer.print_job(second)
    assert_sent_as_it_can(connection, result)
    fake = connection.fake
    assert fake.wait_for_jobs(2)  # the torn one, cut off, and the next
    assert fake.wait_idle()
    pieces = fake.jobs
    assert same(second_image, connection.decode(pieces[-1], tmp_path))
    for piece in pieces[:-1]:  # the torn ticket, cut off on its own
        assert not same(first_image, connection.decode(piece, tmp_path))
    assert not fake.mid_command


@pytest.mark.parametrize("kind", KINDS)
def test_a_slow_printer_that_keeps_taking_the_job_is_not_given_up(
    connect: Any, fonts: TicketFonts, tmp_path: Path, kind: str
) -> None:
    # About 4 s to print the ticket and feed it to the cutter through a 2 kB buffer: longer
    # than stall_timeout (1 s) and confirm_timeout (3 s), but it never stops moving. (What
    # fills the printer's buffer, about 1.3 s of printing here, must fit in confirm_timeout:
    # after the last byte is taken, nothing shows progress until the confirmation. With a
    # 4 kB buffer, 2.5 s of it, a loaded machine's delays made the confirmation late.)
    connection = connect(kind, rows_per_second=120, buffer_bytes=2048, stall_timeout=1.0)
    image, job = ticket(fonts, connection.dialect)
    result = connection.printer.print_job(job)
    assert_sent_as_it_can(connection, result)
    assert connection.fake.wait_for_jobs(1, timeout=15)
    assert connection.fake.wait_idle()
    [piece] = connection.fake.jobs
    assert same(image, connection.decode(piece, tmp_path))


@pytest.mark.parametrize("kind", KINDS)
def test_a_printer_that_never_answers_gets_no_ticket_it_could_print_later(
    connect: Any, fonts: TicketFonts, kind: str
) -> None:
    connection = connect(kind, job_timeout=6.0)
    fake = connection.fake
    fake.set(mode="blackhole")
    _, job = ticket(fonts, connection.dialect)
    result = connection.printer.print_job(job)
    assert result.outcome is not PrintOutcome.CONFIRMED
    assert not result.expected
    fake.set(mode="normal")
    assert fake.wait_idle()
    assert fake.cut_count == 0  # whatever reached it was not a whole ticket
    if connection.confirms:
        assert result.outcome is PrintOutcome.NOT_SENT


def test_cups_unreachable_is_not_sent(fonts: TicketFonts, cupsd: CupsServer) -> None:
    from printers.device import make_printer
    from printers.model import PrinterConfig
    from tests.fakes.fake_printer import closed_port

    config = PrinterConfig(id="c", url=f"cups://127.0.0.1:{closed_port()}/none", connect_retries=0)
    printer = make_printer(config)
    assert printer.probe().state is PrinterState.UNREACHABLE
    assert printer.print_job(ticket(fonts, "escpos")[1]).outcome is PrintOutcome.NOT_SENT
