"""The per-printer worker: it prints jobs in turn and tells staff screens of state changes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from printers.fonts import TicketFonts
from printers.model import PrinterState, PrinterStatus, PrintOutcome, TicketSlip
from printers.router import print_ticket
from printers.worker import PrinterWorker, run_on_workers
from tests.fakes.fake_printer import FakePrinter
from tests.printers.conftest import printer_for


class StateLog:
    """What the staff screens would have been told, in order."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, PrinterState]] = []
        self._changed = threading.Condition()

    def __call__(self, printer_id: str, status: PrinterStatus) -> None:
        with self._changed:
            self.seen.append((printer_id, status.state))
            self._changed.notify_all()

    def wait_for(self, state: PrinterState, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self.seen or self.seen[-1][1] is not state:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True


@contextmanager
def running(*workers: PrinterWorker) -> Iterator[None]:
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        for worker in workers:
            worker.stop()


def test_worker_prints_jobs_one_after_another(fake: FakePrinter, job: bytes) -> None:
    worker = PrinterWorker(printer_for(fake))
    with running(worker):
        futures = [worker.submit(job), worker.submit(job)]
        results = [future.result(timeout=10) for future in futures]
    assert [r.outcome for r in results] == [PrintOutcome.CONFIRMED, PrintOutcome.CONFIRMED]
    assert list(fake.jobs) == [job, job]


def test_worker_reports_each_change_of_printer_state(fake: FakePrinter) -> None:
    log = StateLog()
    worker = PrinterWorker(printer_for(fake), on_status=log, poll_interval=0.05)
    with running(worker):
        assert log.wait_for(PrinterState.READY)
        fake.set(paper_rows=0)
        assert log.wait_for(PrinterState.PAPER_OUT)
        fake.set(paper_rows=10, near_end_rows=100)
        assert log.wait_for(PrinterState.PAPER_LOW)
        fake.set(cover_open=True)
        assert log.wait_for(PrinterState.COVER_OPEN)
        fake.set(cover_open=False, offline=True)
        assert log.wait_for(PrinterState.OFFLINE)
    states = [state for _, state in log.seen]
    assert all(a is not b for a, b in zip(states, states[1:], strict=False))
    assert worker.status.state is PrinterState.OFFLINE


def test_failover_runs_each_attempt_on_that_printers_worker(
    fake_printers: Callable[..., FakePrinter], slip: TicketSlip, fonts: TicketFonts, job: bytes
) -> None:
    first, second = fake_printers(), fake_printers()
    first.set(mode="refuse")
    workers = [PrinterWorker(printer_for(first, "p1")), PrinterWorker(printer_for(second, "p2"))]
    with running(*workers):
        run = run_on_workers({worker.printer_id: worker for worker in workers}, timeout=10)
        routed = print_ticket(slip, [worker.printer for worker in workers], fonts, run)
    assert routed.outcome is PrintOutcome.CONFIRMED and routed.printer_id == "p2"
    assert list(second.jobs) == [job] and list(first.jobs) == []
