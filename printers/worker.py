"""One worker per printer: it alone talks to the printer, prints in turn, polls its health."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future

from .device import TicketPrinter
from .model import PrinterState, PrinterStatus, PrintResult
from .router import Run

StatusListener = Callable[[str, PrinterStatus], None]
log = logging.getLogger(__name__)


class PrinterWorker:
    """Owns one printer's connection. Under gevent's monkey patching its thread is a greenlet.

    Jobs queue up and print one at a time; between jobs it probes the printer every
    poll_interval seconds (down_interval while unreachable), and calls on_status whenever the
    state changes, for the staff screens.
    """

    def __init__(
        self,
        printer: TicketPrinter,
        on_status: StatusListener | None = None,
        poll_interval: float = 15.0,
        down_interval: float = 30.0,
    ) -> None:
        self.printer = printer
        self._on_status = on_status
        self._poll_interval = poll_interval
        self._down_interval = down_interval
        self._jobs: queue.Queue[tuple[bytes, Future[PrintResult]] | None] = queue.Queue()
        self._status = PrinterStatus(PrinterState.UNKNOWN, detail="not asked yet")
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._run, name=f"printer-{printer.config.id}", daemon=True
        )

    @property
    def printer_id(self) -> str:
        return self.printer.config.id

    @property
    def status(self) -> PrinterStatus:
        with self._lock:
            return self._status

    def start(self) -> PrinterWorker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the job in hand, fail the queued ones, and stop."""
        self._jobs.put(None)
        self._thread.join(timeout)

    def submit(self, job: bytes) -> Future[PrintResult]:
        future: Future[PrintResult] = Future()
        self._jobs.put((job, future))
        return future

    def _run(self) -> None:
        self._record(self.printer.probe())
        while True:
            try:
                item = self._jobs.get(timeout=self._interval())
            except queue.Empty:
                self._record(self.printer.probe())
                continue
            if item is None:
                self._drain()
                self.printer.close()  # a kept USB or serial connection goes with the worker
                return
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = self.printer.print_job(job)
            except Exception as exc:  # a bug must not kill the worker; the caller hears of it
                future.set_exception(exc)
                continue
            self._record(result.status)
            future.set_result(result)

    def _interval(self) -> float:
        down = self.status.state is PrinterState.UNREACHABLE
        return self._down_interval if down else self._poll_interval

    def _drain(self) -> None:
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                item[1].set_exception(RuntimeError(f"printer {self.printer_id} worker stopped"))

    def _record(self, status: PrinterStatus) -> None:
        with self._lock:
            changed = status.state is not self._status.state
            self._status = status
        if changed and self._on_status is not None:
            try:
                self._on_status(self.printer_id, status)
            except Exception:  # the staff screens missing one update must not stop printing
                log.exception("printer %s: status listener failed", self.printer_id)


def run_on_workers(workers: Mapping[str, PrinterWorker], timeout: float | None = None) -> Run:
    """For the router: each attempt runs on that printer's own worker; the caller only waits."""

    def run(printer: TicketPrinter, job: bytes) -> PrintResult:
        return workers[printer.config.id].submit(job).result(timeout)

    return run
