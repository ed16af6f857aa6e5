"""Several printers for one kiosk: fail over only when the last printer cannot have printed."""

from __future__ import annotations

from collections.abc import Callable

from printers.device import LinkPrinter, MemoryPrinter, TicketPrinter, make_printer
from printers.encode import ticket_job
from printers.fonts import TicketFonts
from printers.model import PrinterConfig, PrinterState, PrintOutcome, PrintResult, TicketSlip
from printers.router import print_ticket, print_with_failover
from tests.fakes.fake_printer import FakePrinter, closed_port
from tests.printers.conftest import fast_config, printer_for

Fakes = Callable[..., FakePrinter]


def test_refused_printer_fails_over_and_one_ticket_comes_out(
    fake_printers: Fakes, slip: TicketSlip, fonts: TicketFonts, job: bytes
) -> None:
    first, second = fake_printers(), fake_printers()
    first.set(mode="refuse")
    routed = print_ticket(slip, [printer_for(first, "p1"), printer_for(second, "p2")], fonts)
    assert routed.outcome is PrintOutcome.CONFIRMED
    assert routed.printer_id == "p2"
    assert [a.outcome for a in routed.attempts] == [PrintOutcome.NOT_SENT, PrintOutcome.CONFIRMED]
    assert not routed.show_on_screen
    assert routed.alert_staff
    assert list(first.jobs) == [] and list(second.jobs) == [job]


def test_nothing_listening_fails_over_to_the_next_printer(
    fake_printers: Fakes, slip: TicketSlip, fonts: TicketFonts, job: bytes
) -> None:
    second = fake_printers()
    dead = LinkPrinter(fast_config("p1", f"network://127.0.0.1:{closed_port()}"))
    routed = print_ticket(slip, [dead, printer_for(second, "p2")], fonts)
    assert routed.outcome is PrintOutcome.CONFIRMED
    assert routed.attempts[0].before.state is PrinterState.UNREACHABLE
    assert list(second.jobs) == [job]


def test_job_stuck_then_cleared_fails_over_and_the_first_printer_never_prints_it(
    fake_printers: Fakes, slip: TicketSlip, fonts: TicketFonts, job: bytes
) -> None:
    first, second = fake_printers(paper_rows=300), fake_printers()
    printers = [printer_for(first, "p1", confirm_timeout=0.5), printer_for(second, "p2")]
    routed = print_ticket(slip, printers, fonts)
    assert [a.outcome for a in routed.attempts] == [
        PrintOutcome.STUCK_CLEARED,
        PrintOutcome.CONFIRMED,
    ]
    first.load_paper()
    assert first.wait_idle()
    assert list(first.jobs) == [] and list(second.jobs) == [job]


def test_held_job_stops_the_failover_so_no_second_copy_is_made(
    fake_printers: Fakes, slip: TicketSlip, fonts: TicketFonts, job: bytes
) -> None:
    first = fake_printers(paper_rows=300, supports_clear=False)
    second = fake_printers()
    printers = [printer_for(first, "p1", confirm_timeout=0.5), printer_for(second, "p2")]
    routed = print_ticket(slip, printers, fonts)
    assert routed.outcome is PrintOutcome.STUCK_HELD
    assert routed.printer_id == "p1"
    assert routed.show_on_screen and routed.alert_staff
    assert len(routed.attempts) == 1
    first.load_paper()
    assert first.wait_for_jobs(1)
    assert list(first.jobs) == [job] and list(second.jobs) == []


def test_dropped_connection_stops_the_failover(
    fake_printers: Fakes, slip: TicketSlip, fonts: TicketFonts
) -> None:
    first, second = fake_printers(), fake_printers()
    first.set(drop_after=20_000)
    routed = print_ticket(slip, [printer_for(first, "p1"), printer_for(second, "p2")], fonts)
    assert routed.outcome is PrintOutcome.SENT_UNCONFIRMED
    assert routed.show_on_screen
    assert second.connections == 0


def test_no_printer_working_means_an_on_screen_ticket(
    fake_printers: Fakes, slip: TicketSlip, fonts: TicketFonts
) -> None:
    first, second = fake_printers(), fake_printers()
    first.set(paper_rows=0)
    second.set(cover_open=True)
    routed = print_ticket(slip, [printer_for(first, "p1"), printer_for(second, "p2")], fonts)
    assert routed.outcome is PrintOutcome.NOT_SENT
    assert routed.printer_id is None
    assert routed.show_on_screen and routed.alert_staff
    assert [a.before.state for a in routed.attempts] == [
        PrinterState.PAPER_OUT,
        PrinterState.COVER_OPEN,
    ]
    assert list(first.jobs) == [] and list(second.jobs) == []


def test_no_printer_configured_means_an_on_screen_ticket(slip: TicketSlip) -> None:
    routed = print_ticket(slip, [])
    assert routed.outcome is PrintOutcome.NOT_SENT
    assert routed.show_on_screen and routed.alert_staff


def test_each_printer_gets_a_ticket_drawn_for_its_paper_width(
    slip: TicketSlip, fonts: TicketFonts
) -> None:
    narrow = MemoryPrinter(PrinterConfig(id="m1", url="memory://", width_dots=512))
    wide = MemoryPrinter(PrinterConfig(id="m2", url="memory://", width_dots=576))
    narrow.set_state(PrinterState.PAPER_OUT)
    routed = print_ticket(slip, [narrow, wide], fonts)
    assert routed.outcome is PrintOutcome.CONFIRMED and routed.printer_id == "m2"
    assert list(wide.jobs) == [ticket_job(slip, 576, fonts)]
    assert list(narrow.jobs) == []
    assert wide.output == wide.jobs[0]


def test_jobs_can_be_run_by_the_printers_own_worker(job: bytes) -> None:
    printers: list[TicketPrinter] = [make_printer(PrinterConfig(id="m1", url="memory://"))]
    handed: list[str] = []

    def through_worker(printer: TicketPrinter, data: bytes) -> PrintResult:
        handed.append(printer.config.id)
        return printer.print_job(data)

    routed = print_with_failover(lambda config: job, printers, through_worker)
    assert routed.outcome is PrintOutcome.CONFIRMED
    assert handed == ["m1"]
