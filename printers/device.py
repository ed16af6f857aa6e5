"""Print one job honestly: ask before sending, ask for a confirmation after, never send twice.

A job goes out in pieces, and a printer that keeps taking them is printing, however slowly:
the job is given up only when nothing moves for stall_timeout, or after job_timeout in all.
Giving up drops what has not left this machine (a TCP reset, the serial driver's buffer
flushed), then asks the printer on a fresh connection, so nothing of ours stands in front of
the question: stuck (paper, cover, offline) and able to drop what it holds (ESC/POS DLE DC4
8) means the job is gone for good; otherwise what it holds may still print, and the result
says so. A job torn inside a command (a cable pulled mid-image) leaves the printer waiting
for the rest: before its next job the printer gets the zero bytes that finish it, a reset, a
cut that takes the torn piece off, and a confirmation, or it gets no job at all.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .commands import dialect_for
from .dialect import Dialect, Replies, Torn
from .links import Blocking, Link, LinkError, direct, open_link
from .model import PrinterConfig, PrinterState, PrinterStatus, PrintOutcome, PrintResult
from .status import unknown, unreachable

HISTORY = 64  # jobs an in-memory printer keeps, so the demo's memory stays flat
SLICE = 0.5  # seconds between looks at the link's progress while waiting for a confirmation


class TicketPrinter(Protocol):
    """What a printer's worker calls. Not thread-safe: one worker owns each printer."""

    @property
    def config(self) -> PrinterConfig: ...

    def probe(self) -> PrinterStatus: ...

    def print_job(self, job: bytes) -> PrintResult: ...

    def clear_buffers(self) -> bool: ...

    def close(self) -> None: ...


@dataclass
class _Sending:
    sent: int = 0
    problem: str | None = None
    broken: bool = False


class LinkPrinter:
    """A printer on a byte link (TCP, USB, serial, device file), in ESC/POS or Star commands."""

    def __init__(
        self,
        config: PrinterConfig,
        link_factory: Callable[[PrinterConfig], Link] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        blocking: Blocking = direct,
        usb_backend: Any = None,
    ) -> None:
        self._config = config
        self._open = link_factory or (lambda c: open_link(c, blocking, usb_backend))
        self._sleep = sleep
        self.dialect: Dialect = dialect_for(config.dialect)
        self._link: Link | None = None
        self.torn: Torn | None = None
        self.recoveries = 0
        self._job_seconds = config.job_timeout

    @property
    def config(self) -> PrinterConfig:
        return self._config

    # ---- the link -----------------------------------------------------------------------------

    def _connect(self) -> Link:
        attempts = 1 + self._config.connect_retries
        backoff = self._config.retry_backoff or (0.0,)
        for attempt in range(attempts):
            try:
                return self._open(self._config)
            except LinkError:
                if attempt == attempts - 1:
                    raise
                self._sleep(backoff[min(attempt, len(backoff) - 1)])
        raise AssertionError("unreachable")

    def _acquire(self) -> Link:
        if self._link is not None:
            return self._link
        link = self._connect()
        if link.keep_open:
            self._link = link
        return link

    def _release(self, link: Link, ending: str = "keep") -> None:
        """keep: a kept link stays open; close; abort: drop what is unsent; broken: forget it."""
        if ending == "keep" and link is self._link:
            return
        if self._link is link:
            self._link = None
        if ending == "abort":
            link.abort()
        else:
            link.close()

    def _drain(self, link: Link) -> None:
        """A kept link may still hold answers nobody waited for (a status asked for after a
        timeout): read them away, so the next answer read is the next one asked for."""
        if link.keep_open:
            for _ in range(64):
                if not link.read(0.001):
                    return

    def close(self) -> None:
        if self._link is not None:
            self._release(self._link, "close")

    # ---- asking ---------------------------------------------------------------------------

    def probe(self) -> PrinterStatus:
        """The printer's state (a kept link is reused; a TCP link is opened and closed)."""
        try:
            link = self._acquire()
        except LinkError as exc:
            return unreachable(str(exc))
        ending = "keep"
        try:
            if not link.can_read:
                return unknown("this link cannot read status")
            self._drain(link)
            replies = self.dialect.replies(link)
            return self.dialect.probe(link, replies, self._config.status_timeout)
        except LinkError as exc:
            ending = "broken"
            return unreachable(str(exc))
        finally:
            self._release(link, ending)

    def clear_buffers(self) -> bool:
        """Drop whatever the printer holds. True once the printer said it did."""
        if not self.dialect.can_clear:
            return False
        try:
            link = self._acquire()
        except LinkError:
            return False
        ending = "keep"
        try:
            if not link.can_read:
                return False
            replies = self.dialect.replies(link)
            return self.dialect.clear(link, replies, self._config.clear_timeout)
        except LinkError:
            ending = "broken"
            return False
        finally:
            self._release(link, ending)

    # ---- printing -------------------------------------------------------------------------

    def print_job(self, job: bytes) -> PrintResult:
        try:
            link = self._acquire()
        except LinkError as exc:
            status = unreachable(str(exc))
            return self._result(PrintOutcome.NOT_SENT, status, detail=status.detail, expected=False)
        result, ending = self._print_on(link, job)
        self._release(link, ending)
        return result

    def _print_on(self, link: Link, job: bytes) -> tuple[PrintResult, str]:
        config, dialect = self._config, self.dialect
        replies = dialect.replies(link) if link.can_read else None
        before = unknown("this link cannot read status")
        if replies is not None:
            try:
                self._drain(link)
                before = dialect.probe(link, replies, config.status_timeout)
            except LinkError as exc:
                status = unreachable(str(exc))
                return self._result(
                    PrintOutcome.NOT_SENT, status, None, status.detail, False
                ), "broken"
        unknown_ok = before.state is PrinterState.UNKNOWN and not config.reads_back
        if not (before.state.printable or unknown_ok):
            detail = f"not sent: {before.state}"
            return self._result(PrintOutcome.NOT_SENT, before, None, detail, False), "keep"
        if self.torn is not None and not self._recover(link, replies):
            detail = (
                f"not sent: the printer did not come back after a torn job ({self.torn.detail})"
            )
            return self._result(PrintOutcome.NOT_SENT, before, None, detail, False), "abort"
        # From here on bytes go out: whatever happens, this job is never written again.
        confirm = config.reads_back and replies is not None
        payload = job + dialect.confirm_request if confirm else job
        if replies is not None:
            replies.expect_confirmation()
        started = time.monotonic()
        # However slow the line, the job may take what the line needs to carry it, and more.
        self._job_seconds = max(config.job_timeout, 1.5 * link.drain_seconds(len(payload)))
        sending = self._send(link, payload, started)
        if sending.problem is not None:
            if sending.sent == 0 and not sending.broken:
                detail = f"not sent: {sending.problem}"
                return self._result(PrintOutcome.NOT_SENT, before, None, detail, False), "abort"
            return self._give_up(link, replies, job, sending, before)
        if not confirm or replies is None:
            detail = "sent; this printer cannot confirm what it prints"
            return self._result(PrintOutcome.SENT_UNCONFIRMED, before, None, detail), "keep"
        return self._await_confirmation(link, replies, job, sending, before, started)

    def _send(self, link: Link, payload: bytes, started: float) -> _Sending:
        config = self._config
        sending = _Sending()
        last = time.monotonic()
        while sending.sent < len(payload):
            now = time.monotonic()
            if now - started > self._job_seconds:
                sending.problem = f"still sending after {self._job_seconds:g} s"
                break
            quiet = now - max(last, link.ready_at())  # a busy line is not a stalled printer
            if quiet >= config.stall_timeout:
                sending.problem = f"the printer took no data for {config.stall_timeout:g} s"
                break
            piece = payload[sending.sent : sending.sent + link.chunk]
            try:
                taken = link.send(piece, config.stall_timeout - max(quiet, 0.0))
            except LinkError as exc:
                sending.problem, sending.broken = str(exc), True
                break
            if taken:
                sending.sent += taken
                last = time.monotonic()
        return sending

    def _await_confirmation(
        self,
        link: Link,
        replies: Replies,
        job: bytes,
        sending: _Sending,
        before: PrinterStatus,
        started: float,
    ) -> tuple[PrintResult, str]:
        """Wait while the printer prints: confirm_timeout after the line could have carried
        the job, longer while the link is still passing our bytes on, at most job_timeout."""
        config = self._config
        line = max(0.0, link.drain_seconds(sending.sent) - (time.monotonic() - started))
        deadline = time.monotonic() + line + config.confirm_timeout
        hard = started + self._job_seconds
        unsent = link.unsent()
        try:
            while True:
                now = time.monotonic()
                if replies.confirmation(max(0.0, min(deadline, hard, now + SLICE) - now)):
                    return self._result(PrintOutcome.CONFIRMED, before), "keep"
                now = time.monotonic()
                if now >= min(deadline, hard):
                    break
                if (left := link.unsent()) < unsent:
                    unsent, deadline = left, max(deadline, now + config.confirm_timeout)
        except LinkError as exc:
            sending.problem, sending.broken = str(exc), True
            return self._give_up(link, replies, job, sending, before)
        sending.problem = "no confirmation"
        return self._give_up(link, replies, job, sending, before)

    def _give_up(
        self,
        link: Link,
        replies: Replies | None,
        job: bytes,
        sending: _Sending,
        before: PrinterStatus,
    ) -> tuple[PrintResult, str]:
        """The job will not be confirmed: find out whether the printer holds it, drop it if it
        can, and say what may still come out. Never sends the job again."""
        problem = sending.problem or "no confirmation"
        delivered = max(0, sending.sent - link.unsent()) if link.exact_unsent else 0
        incomplete = sending.broken or sending.sent < len(job) or link.unsent() > 0
        torn = Torn(self.dialect.open_command_left(job, delivered, sending.sent), problem)
        if sending.broken:
            self.torn = torn
            return self._result(
                PrintOutcome.SENT_UNCONFIRMED, before, None, f"maybe printed: {problem}", False
            ), "broken"
        if incomplete:
            # Our bytes still on their way would stand in front of every question: drop them
            # and ask on a fresh connection.
            self._release(link, "abort")
            try:
                link = self._acquire()
            except LinkError as exc:
                self.torn = torn
                return self._result(
                    PrintOutcome.SENT_UNCONFIRMED,
                    before,
                    unreachable(str(exc)),
                    f"maybe printed: {problem}",
                    False,
                ), "keep"
            replies = self.dialect.replies(link) if link.can_read else None
        result, ending = self._ask_after(link, replies, before, problem)
        if result.outcome is PrintOutcome.STUCK_CLEARED:
            self.torn = Torn(0, problem)  # nothing left to finish, but a piece may be on paper
        elif result.outcome is not PrintOutcome.CONFIRMED and incomplete:
            self.torn = torn
        return result, ending

    def _ask_after(
        self, link: Link, replies: Replies | None, before: PrinterStatus, problem: str
    ) -> tuple[PrintResult, str]:
        config, dialect = self._config, self.dialect
        if replies is None:
            return self._result(
                PrintOutcome.SENT_UNCONFIRMED, before, None, f"maybe printed: {problem}", False
            ), "keep"
        try:
            after = dialect.probe(link, replies, config.status_timeout)
            if replies.confirmed:
                return self._result(PrintOutcome.CONFIRMED, before, after, "confirmed late"), "keep"
            if after.state.printable:
                # Still printing, or a printer that ignores the confirmation request.
                return self._result(
                    PrintOutcome.SENT_UNCONFIRMED,
                    before,
                    after,
                    f"no confirmation ({problem}): it may still print",
                    False,
                ), "keep"
            cleared = dialect.can_clear and dialect.clear(link, replies, config.clear_timeout)
        except LinkError as exc:
            return self._result(
                PrintOutcome.SENT_UNCONFIRMED,
                before,
                unreachable(str(exc)),
                f"maybe printed: {problem}",
                False,
            ), "broken"
        if replies.confirmed:
            return self._result(PrintOutcome.CONFIRMED, before, after, "confirmed late"), "keep"
        if cleared:
            return self._result(
                PrintOutcome.STUCK_CLEARED, before, after, f"{after.state}: job discarded", False
            ), "keep"
        if after.state.stuck:
            return self._result(
                PrintOutcome.STUCK_HELD,
                before,
                after,
                f"{after.state}: the printer holds the job; it prints once the fault is put right",
                False,
            ), "keep"
        return self._result(
            PrintOutcome.SENT_UNCONFIRMED, before, after, f"no confirmation ({problem})", False
        ), "keep"

    def _recover(self, link: Link, replies: Replies | None) -> bool:
        """Bring a printer back from a torn job: finish, reset, cut, and hear it confirmed."""
        torn = self.torn
        if torn is None:
            return True
        data = self.dialect.recovery(torn.open_left)
        if replies is None:  # a device file: send it and hope, as with everything it prints
            data = data[: -len(self.dialect.confirm_request)]
        else:
            replies.expect_confirmation()
        sending = self._send(link, data, time.monotonic())
        if sending.problem is not None:
            return False
        if replies is not None:
            wait = self._config.confirm_timeout + link.drain_seconds(len(data))
            try:
                if not replies.confirmation(wait):
                    return False
            except LinkError:
                return False
        self.torn = None
        self.recoveries += 1
        return True

    def _result(
        self,
        outcome: PrintOutcome,
        before: PrinterStatus,
        after: PrinterStatus | None = None,
        detail: str = "",
        expected: bool = True,
    ) -> PrintResult:
        return PrintResult(self._config.id, outcome, before, after, detail, expected)


class MemoryPrinter:
    """memory://: keeps the last jobs it was sent; can be told to fail (the demo and tests)."""

    def __init__(self, config: PrinterConfig) -> None:
        self._config = config
        self.state = PrinterState.READY
        self.jobs: deque[bytes] = deque(maxlen=HISTORY)
        self.printed = 0

    @property
    def config(self) -> PrinterConfig:
        return self._config

    def set_state(self, state: PrinterState) -> None:
        self.state = state

    def probe(self) -> PrinterStatus:
        return PrinterStatus(self.state, detail="memory printer")

    def print_job(self, job: bytes) -> PrintResult:
        status = PrinterStatus(self.state, detail="memory printer")
        if not self.state.printable:
            detail = f"not sent: {self.state}"
            return PrintResult(self._config.id, PrintOutcome.NOT_SENT, status, None, detail, False)
        self.jobs.append(job)
        self.printed += 1
        return PrintResult(self._config.id, PrintOutcome.CONFIRMED, status)

    def clear_buffers(self) -> bool:
        return True

    def close(self) -> None:
        pass

    @property
    def output(self) -> bytes:
        """The jobs kept, one after the other."""
        return b"".join(self.jobs)


def make_printer(config: PrinterConfig, blocking: Blocking = direct) -> TicketPrinter:
    if config.scheme == "memory":
        return MemoryPrinter(config)
    if config.scheme == "cups":
        from .cups import CupsPrinter

        return CupsPrinter(config)
    return LinkPrinter(config, blocking=blocking)
