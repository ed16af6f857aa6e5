"""Fail over to the next printer only when the last one cannot have printed the ticket."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .device import TicketPrinter
from .fonts import TicketFonts
from .model import PrinterConfig, PrintOutcome, PrintResult, TicketSlip

Run = Callable[[TicketPrinter, bytes], PrintResult]


def run_here(printer: TicketPrinter, job: bytes) -> PrintResult:
    """Print in the calling thread; the server passes one that hands the job to the worker."""
    return printer.print_job(job)


@dataclass(frozen=True)
class RoutedPrint:
    """Every attempt in order; the last one says how the ticket ended."""

    attempts: tuple[PrintResult, ...]

    @property
    def outcome(self) -> PrintOutcome:
        return self.attempts[-1].outcome if self.attempts else PrintOutcome.NOT_SENT

    @property
    def printer_id(self) -> str | None:
        """The printer that has (or may have) the ticket."""
        last = self.attempts[-1] if self.attempts else None
        return last.printer_id if last is not None and last.outcome.printed_maybe else None

    @property
    def show_on_screen(self) -> bool:
        """The kiosk shows the number and QR: no printer is known to have printed it."""
        return not self.attempts or not self.attempts[-1].expected

    @property
    def alert_staff(self) -> bool:
        return not self.attempts or any(not attempt.expected for attempt in self.attempts)


def print_with_failover(
    job_for: Callable[[PrinterConfig], bytes],
    printers: Sequence[TicketPrinter],
    run: Run = run_here,
) -> RoutedPrint:
    """Try the printers in order. Once bytes may have reached paper, stop: never a second copy."""
    attempts: list[PrintResult] = []
    for printer in printers:
        result = run(printer, job_for(printer.config))
        attempts.append(result)
        if not result.outcome.may_fail_over:
            break
    return RoutedPrint(tuple(attempts))


def print_ticket(
    slip: TicketSlip,
    printers: Sequence[TicketPrinter],
    fonts: TicketFonts | None = None,
    run: Run = run_here,
) -> RoutedPrint:
    """Render once per paper width and command set, then print with failover."""
    from .encode import ticket_job  # Pillow and numpy: not for a server that draws elsewhere

    jobs: dict[tuple[int, str], bytes] = {}

    def job_for(config: PrinterConfig) -> bytes:
        key = (config.width_dots, config.dialect)
        if key not in jobs:
            jobs[key] = ticket_job(slip, config.width_dots, fonts, config.dialect)
        return jobs[key]

    return print_with_failover(job_for, printers, run)
