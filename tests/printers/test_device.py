"""One printer, one job, against a fake network printer: the right outcome, never a second copy."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from printers.device import LinkPrinter
from printers.encode import raster_job
from printers.model import PrinterState, PrintOutcome
from tests.fakes.fake_printer import FakePrinter, closed_port
from tests.printers.conftest import fast_config, printer_for

PROBE_BYTES = 9  # DLE EOT 1, 2 and 4


def test_ready_printer_prints_the_job_once_and_confirms(fake: FakePrinter, job: bytes) -> None:
    result = printer_for(fake).print_job(job)
    assert result.outcome is PrintOutcome.CONFIRMED
    assert result.before.state is PrinterState.READY
    assert fake.jobs == [job]


def test_paper_out_before_sending_sends_nothing(fake: FakePrinter, job: bytes) -> None:
    fake.set(paper_rows=0)
    result = printer_for(fake).print_job(job)
    assert result.outcome is PrintOutcome.NOT_SENT
    assert result.before.state is PrinterState.PAPER_OUT
    assert not result.expected
    fake.load_paper()
    assert fake.wait_idle()
    assert fake.jobs == []
    assert fake.bytes_received == PROBE_BYTES


def test_open_cover_before_sending_sends_nothing(fake: FakePrinter, job: bytes) -> None:
    fake.set(cover_open=True)
    result = printer_for(fake).print_job(job)
    assert result.outcome is PrintOutcome.NOT_SENT
    assert result.before.state is PrinterState.COVER_OPEN
    assert fake.bytes_received == PROBE_BYTES


def test_offline_printer_gets_nothing(fake: FakePrinter, job: bytes) -> None:
    fake.set(offline=True)
    result = printer_for(fake).print_job(job)
    assert result.outcome is PrintOutcome.NOT_SENT
    assert result.before.state is PrinterState.OFFLINE
    fake.set(offline=False)
    assert fake.wait_idle()
    assert fake.jobs == []


def test_paper_near_end_still_prints_and_says_so(
    fake_printers: Callable[..., FakePrinter], job: bytes
) -> None:
    fake = fake_printers(paper_rows=50_000, near_end_rows=60_000)
    result = printer_for(fake).print_job(job)
    assert result.outcome is PrintOutcome.CONFIRMED
    assert result.before.state is PrinterState.PAPER_LOW
    assert fake.jobs == [job]


def test_paper_running_out_mid_job_clears_it_so_it_never_prints_later(
    fake: FakePrinter, job: bytes
) -> None:
    fake.set(paper_rows=300)
    result = printer_for(fake, confirm_timeout=0.5).print_job(job)
    assert result.outcome is PrintOutcome.STUCK_CLEARED
    assert result.after is not None and result.after.state is PrinterState.PAPER_OUT
    assert result.outcome.may_fail_over
    fake.load_paper()
    assert fake.wait_idle()
    assert fake.jobs == []
    assert fake.discarded_jobs == 1


def test_cover_opening_mid_job_clears_it_so_it_never_prints_later(
    fake: FakePrinter, job: bytes
) -> None:
    fake.set(fault_at_row=(200, "cover_open"))
    result = printer_for(fake, confirm_timeout=0.5).print_job(job)
    assert result.outcome is PrintOutcome.STUCK_CLEARED
    assert result.after is not None and result.after.state is PrinterState.COVER_OPEN
    fake.set(cover_open=False)
    assert fake.wait_idle()
    assert fake.jobs == []


def test_stuck_job_that_cannot_be_cleared_is_held_and_prints_once_later(
    fake_printers: Callable[..., FakePrinter], job: bytes
) -> None:
    fake = fake_printers(paper_rows=300, supports_clear=False)
    result = printer_for(fake, confirm_timeout=0.5).print_job(job)
    assert result.outcome is PrintOutcome.STUCK_HELD
    assert result.outcome.printed_maybe
    fake.load_paper()
    assert fake.wait_for_jobs(1)
    assert fake.wait_idle()
    assert fake.jobs == [job]
    assert fake.connections == 1


def test_slow_printer_is_confirmed_when_the_wait_is_long_enough(
    fake_printers: Callable[..., FakePrinter], job: bytes
) -> None:
    fake = fake_printers(rows_per_second=5_000)
    result = printer_for(fake, confirm_timeout=5.0).print_job(job)
    assert result.outcome is PrintOutcome.CONFIRMED
    assert fake.jobs == [job]


def test_slow_printer_with_a_short_wait_is_unconfirmed_and_not_resent(
    fake_printers: Callable[..., FakePrinter], job: bytes
) -> None:
    fake = fake_printers(rows_per_second=2_000)
    result = printer_for(fake, confirm_timeout=0.1).print_job(job)
    assert result.outcome is PrintOutcome.SENT_UNCONFIRMED
    assert result.outcome.printed_maybe
    assert result.after is not None and result.after.state is PrinterState.READY
    assert fake.wait_for_jobs(1)
    assert fake.wait_idle()
    assert fake.jobs == [job]
    assert fake.connections == 1


def test_connection_dropped_after_bytes_went_out_means_maybe_printed(
    fake: FakePrinter, job: bytes
) -> None:
    fake.set(drop_after=PROBE_BYTES + 5_000)
    result = printer_for(fake).print_job(job)
    assert result.outcome is PrintOutcome.SENT_UNCONFIRMED
    assert result.outcome.printed_maybe
    assert "maybe printed" in result.detail
    assert fake.connections == 1
    assert fake.bytes_received == PROBE_BYTES + 5_000


def test_printer_that_refuses_the_connection_gets_nothing(fake: FakePrinter, job: bytes) -> None:
    fake.set(mode="refuse")
    result = printer_for(fake).print_job(job)
    assert result.outcome is PrintOutcome.NOT_SENT
    assert result.before.state in (PrinterState.UNREACHABLE, PrinterState.UNKNOWN)
    assert fake.bytes_received == 0


def test_nothing_listening_is_retried_before_sending_then_not_sent(job: bytes) -> None:
    naps: list[float] = []
    config = fast_config("p1", f"network://127.0.0.1:{closed_port()}", retry_backoff=(0.01, 0.02))
    result = LinkPrinter(config, sleep=naps.append).print_job(job)
    assert result.outcome is PrintOutcome.NOT_SENT
    assert result.before.state is PrinterState.UNREACHABLE
    assert naps == [0.01, 0.02]


def test_printer_that_never_answers_status_gets_nothing(fake: FakePrinter, job: bytes) -> None:
    fake.set(mode="no_status")
    result = printer_for(fake, status_timeout=0.2).print_job(job)
    assert result.outcome is PrintOutcome.NOT_SENT
    assert result.before.state is PrinterState.UNKNOWN
    assert fake.bytes_received == PROBE_BYTES  # the three questions, asked at once; no job
    assert fake.jobs == []


def test_printer_configured_without_confirmation_prints_unconfirmed(
    fake: FakePrinter, job: bytes
) -> None:
    fake.set(mode="no_status")
    result = printer_for(fake, status_timeout=0.2, confirm="none").print_job(job)
    assert result.outcome is PrintOutcome.SENT_UNCONFIRMED
    assert result.expected
    assert fake.wait_for_jobs(1)
    assert fake.jobs == [job]


def test_blackholed_printer_gets_nothing(fake: FakePrinter, job: bytes) -> None:
    fake.set(mode="blackhole")
    result = printer_for(fake, status_timeout=0.2).print_job(job)
    assert result.outcome is PrintOutcome.NOT_SENT
    assert result.before.state is PrinterState.UNKNOWN
    fake.set(mode="normal")
    assert fake.wait_idle()
    assert fake.jobs == []


def test_status_bytes_answered_inside_image_data_do_not_pass_for_a_confirmation(
    fake: FakePrinter,
) -> None:
    row = bytes(61) + b"\x10\x04\x01"  # a raster row the printer reads as DLE EOT 1
    image = Image.frombytes("1", (512, 1), bytes(255 - byte for byte in row))
    job = raster_job(image)
    assert b"\x10\x04\x01" in job
    result = printer_for(fake, confirm_timeout=1.0).print_job(job)
    assert result.outcome is PrintOutcome.CONFIRMED
    assert fake.status_requests == 4
    assert fake.jobs == [job]


def test_probe_reports_each_printer_state(fake: FakePrinter) -> None:
    printer = printer_for(fake, status_timeout=0.2)
    assert printer.probe().state is PrinterState.READY
    fake.set(paper_rows=0)
    assert printer.probe().state is PrinterState.PAPER_OUT
    fake.set(paper_rows=10, near_end_rows=100)
    assert printer.probe().state is PrinterState.PAPER_LOW
    fake.set(cover_open=True)
    assert printer.probe().state is PrinterState.COVER_OPEN
    fake.set(cover_open=False, offline=True)
    assert printer.probe().state is PrinterState.OFFLINE
    fake.set(offline=False, mode="no_status")
    assert printer.probe().state is PrinterState.UNKNOWN
    unreachable = fast_config("p2", f"network://127.0.0.1:{closed_port()}", connect_retries=0)
    assert LinkPrinter(unreachable).probe().state is PrinterState.UNREACHABLE


def test_clear_buffers_drops_a_held_job(fake: FakePrinter, job: bytes) -> None:
    fake.set(paper_rows=300)
    printer = printer_for(fake, confirm="none")
    assert printer.print_job(job).outcome is PrintOutcome.SENT_UNCONFIRMED
    assert fake.wait_until(lambda: fake.paper_rows == 0)
    assert printer.clear_buffers()
    fake.load_paper()
    assert fake.wait_idle()
    assert fake.jobs == []
