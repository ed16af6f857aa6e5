"""A CUPS raw queue: what CUPS can tell (queue state, job state) and what it cannot (paper)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from printers.cups import CupsPrinter
from printers.encode import ticket_job
from printers.fonts import TicketFonts
from printers.model import PrinterConfig, PrinterState, PrintOutcome
from tests.fakes.cupsd import CupsServer
from tests.fakes.fake_printer import FakePrinter, closed_port
from tests.printers.conftest import make_slip
from tests.printers.connections import TIMEOUTS


def cups_printer(url: str, **changes: object) -> CupsPrinter:
    return CupsPrinter(PrinterConfig(id="c", url=url, **{**TIMEOUTS, **changes}))  # type: ignore[arg-type]


def test_a_job_cups_completes_is_sent_never_confirmed(
    cupsd: CupsServer, fake_printers: Callable[..., FakePrinter], job: bytes
) -> None:
    fake = fake_printers()
    printer = cups_printer(cupsd.add_queue("good", f"socket://127.0.0.1:{fake.port}"))
    result = printer.print_job(job)
    assert result.outcome is PrintOutcome.SENT_UNCONFIRMED and result.expected
    assert "completed" in result.detail and printer.last_job is not None
    assert fake.wait_for_jobs(1) and fake.jobs == [job]


def test_a_printer_cups_cannot_reach_gets_a_job_that_never_started_cancelled(
    cupsd: CupsServer, job: bytes
) -> None:
    printer = cups_printer(cupsd.add_queue("offline", f"socket://127.0.0.1:{closed_port()}"))
    result = printer.print_job(job)
    assert result.outcome is PrintOutcome.NOT_SENT  # cancelled while CUPS was still connecting
    assert not result.expected and "never reached" in result.detail


def test_a_stopped_queue_gets_nothing(
    cupsd: CupsServer, fake_printers: Callable[..., FakePrinter], job: bytes
) -> None:
    fake = fake_printers()
    url = cupsd.add_queue("stopped", f"socket://127.0.0.1:{fake.port}")
    subprocess.run(["cupsdisable", "-h", f"127.0.0.1:{cupsd.port}", "stopped"], check=True)
    printer = cups_printer(url)
    assert printer.probe().state is PrinterState.OFFLINE
    result = printer.print_job(job)
    assert result.outcome is PrintOutcome.NOT_SENT and "queue stopped" in result.detail
    assert fake.bytes_received == 0


def test_a_job_the_printer_cut_short_is_never_confirmed_though_cups_may_call_it_completed(
    cupsd: CupsServer, fake_printers: Callable[..., FakePrinter], fonts: TicketFonts
) -> None:
    # CUPS's socket backend reports a job completed once the data is in its socket, even
    # when the printer dropped the connection after 2,000 bytes: through CUPS a torn job can
    # go unseen (the printer guide says so, and prefers tcp://). It is still never confirmed.
    fake = fake_printers(buffer_bytes=1024, rows_per_second=50)
    printer = cups_printer(cupsd.add_queue("cut", f"socket://127.0.0.1:{fake.port}"))
    fake.set(drop_after=2000)
    result = printer.print_job(ticket_job(make_slip(), 576, fonts))
    assert result.outcome is PrintOutcome.SENT_UNCONFIRMED
    assert fake.bytes_received == 2000


def test_once_cups_gives_a_job_up_the_next_starts_with_a_clean_cut(
    cupsd: CupsServer, fake_printers: Callable[..., FakePrinter], fonts: TicketFonts
) -> None:
    # The paper runs out partway: the printer's small buffer fills and CUPS cannot finish
    # sending; the job is cancelled, and what reached the printer prints once paper is back.
    fake = fake_printers(buffer_bytes=1024, paper_rows=60)
    printer = cups_printer(cupsd.add_queue("jam", f"socket://127.0.0.1:{fake.port}"),
                           job_timeout=4.0)  # fmt: skip
    result = printer.print_job(ticket_job(make_slip(label="A-001"), 576, fonts))
    assert result.outcome is PrintOutcome.SENT_UNCONFIRMED and not result.expected
    assert "may still print" in result.detail and printer.torn is not None
    fake.load_paper()
    second = ticket_job(make_slip(label="A-002"), 576, fonts)
    result = printer.print_job(second)
    assert result.outcome is PrintOutcome.SENT_UNCONFIRMED and result.expected
    assert fake.wait_until(lambda: bool(fake.jobs) and fake.jobs[-1] == second, 10)
    assert printer.torn is None and not fake.mid_command
