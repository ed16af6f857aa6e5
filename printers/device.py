"""Print one job honestly: ask before sending, ask for a confirmation after, never send twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from escpos.printer import Dummy  # type: ignore[import-untyped]

from .encode import CLEAR, CLEAR_REPLY, CONFIRM
from .model import PrinterConfig, PrinterState, PrinterStatus, PrintOutcome, PrintResult
from .status import (
    DLE_EOT,
    PROBE_ORDER,
    is_asb_header,
    is_confirmation,
    is_status_reply,
    parse_status,
    unknown,
    unreachable,
)
from .transport import Link, LinkError, open_link


class TicketPrinter(Protocol):
    """What a printer's worker calls. Not thread-safe: one worker owns each printer."""

    @property
    def config(self) -> PrinterConfig: ...

    def probe(self) -> PrinterStatus: ...

    def print_job(self, job: bytes) -> PrintResult: ...

    def clear_buffers(self) -> bool: ...


class _Replies:
    """Bytes coming back from the printer, sorted into status answers and confirmations."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.pending = bytearray()
        self.confirmed = False  # a GS r answer arrived, whenever that was

    def next_byte(self, deadline: float) -> int | None:
        while not self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.pending += self.link.read(remaining)
        return self.pending.pop(0)

    def skip_asb(self, deadline: float) -> None:
        for _ in range(3):
            if self.next_byte(deadline) is None:
                return

    def status_byte(self, timeout: float) -> int | None:
        """The next DLE EOT answer; a confirmation seen on the way is remembered."""
        deadline = time.monotonic() + timeout
        while (byte := self.next_byte(deadline)) is not None:
            if is_status_reply(byte):
                return byte
            if is_asb_header(byte):
                self.skip_asb(deadline)
            elif is_confirmation(byte):
                self.confirmed = True
        return None

    def confirmation(self, timeout: float) -> bool:
        """Wait for the GS r answer, skipping status bytes the printer found inside image data."""
        deadline = time.monotonic() + timeout
        while not self.confirmed and (byte := self.next_byte(deadline)) is not None:
            if is_asb_header(byte):
                self.skip_asb(deadline)
            elif is_confirmation(byte):
                self.confirmed = True
        return self.confirmed

    def clear_reply(self, timeout: float) -> bool:
        """Wait for 37 25 00; any confirmation before it means the job printed after all."""
        deadline = time.monotonic() + timeout
        seen = bytearray()
        while (byte := self.next_byte(deadline)) is not None:
            seen.append(byte)
            if seen.endswith(CLEAR_REPLY):
                before = seen[: -len(CLEAR_REPLY)]
                if any(is_confirmation(b) for b in before if not is_status_reply(b)):
                    self.confirmed = True
                return True
        return False


class EscposPrinter:
    """A real printer behind python-escpos's network, USB, serial or file transport."""

    def __init__(
        self,
        config: PrinterConfig,
        link_factory: Callable[[PrinterConfig], Link] = open_link,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._open = link_factory
        self._sleep = sleep

    @property
    def config(self) -> PrinterConfig:
        return self._config

    def probe(self) -> PrinterStatus:
        """DLE EOT 1, 2, 4 on a short connection; never holds the printer."""
        try:
            link = self._connect()
        except LinkError as exc:
            return unreachable(str(exc))
        try:
            return self._probe_on(link, _Replies(link))
        except LinkError as exc:
            return unreachable(str(exc))
        finally:
            link.close()

    def clear_buffers(self) -> bool:
        """DLE DC4 8: drop whatever the printer holds. True once the printer said it did."""
        try:
            link = self._connect()
        except LinkError:
            return False
        try:
            return self._clear_on(link, _Replies(link))
        except LinkError:
            return False
        finally:
            link.close()

    def print_job(self, job: bytes) -> PrintResult:
        try:
            link = self._connect()
        except LinkError as exc:
            status = unreachable(str(exc))
            return self._result(PrintOutcome.NOT_SENT, status, detail=status.detail, expected=False)
        try:
            return self._print_on(link, job)
        finally:
            link.close()

    def _print_on(self, link: Link, job: bytes) -> PrintResult:
        replies = _Replies(link)
        try:
            before = self._probe_on(link, replies)
        except LinkError as exc:
            before = unreachable(str(exc))
        replies.confirmed = False  # nothing of ours has been asked to confirm yet
        unknown_ok = before.state is PrinterState.UNKNOWN and self._config.confirm == "none"
        if not (before.state.printable or unknown_ok):
            return self._result(
                PrintOutcome.NOT_SENT, before, detail=f"not sent: {before.state}", expected=False
            )
        # From here on bytes go out: whatever happens, this job is never written again.
        confirm = self._config.confirm == "gs_r"
        try:
            link.write(job + CONFIRM if confirm else job, self._config.write_timeout)
        except LinkError as exc:
            return self._result(
                PrintOutcome.SENT_UNCONFIRMED,
                before,
                detail=f"maybe printed: {exc}",
                expected=False,
            )
        if not confirm:
            return self._result(PrintOutcome.SENT_UNCONFIRMED, before, detail="sent")
        try:
            if replies.confirmation(self._config.confirm_timeout):
                return self._result(PrintOutcome.CONFIRMED, before)
            return self._after_timeout(link, replies, before)
        except LinkError as exc:
            return self._result(
                PrintOutcome.SENT_UNCONFIRMED,
                before,
                detail=f"maybe printed: {exc}",
                expected=False,
            )

    def _after_timeout(self, link: Link, replies: _Replies, before: PrinterStatus) -> PrintResult:
        """No confirmation in time: find out whether the job is stuck, and if so, drop it."""
        after = self._probe_on(link, replies)
        if replies.confirmed:
            return self._result(PrintOutcome.CONFIRMED, before, after, "confirmed late")
        if after.state.printable:
            # Still printing, or a printer that ignores GS r: it may well come out. Leave it.
            return self._result(
                PrintOutcome.SENT_UNCONFIRMED, before, after, "no confirmation", expected=False
            )
        try:
            cleared = self._clear_on(link, replies)
        except LinkError:
            cleared = False
        if replies.confirmed:
            return self._result(PrintOutcome.CONFIRMED, before, after, "confirmed late")
        if cleared:
            return self._result(
                PrintOutcome.STUCK_CLEARED, before, after, f"{after.state}: job discarded", False
            )
        if after.state.stuck:
            return self._result(
                PrintOutcome.STUCK_HELD, before, after, f"{after.state}: job held", False
            )
        return self._result(
            PrintOutcome.SENT_UNCONFIRMED, before, after, "no confirmation", expected=False
        )

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

    def _probe_on(self, link: Link, replies: _Replies) -> PrinterStatus:
        if not link.can_read:
            return unknown("this transport cannot read status")
        answers: dict[int, int] = {}
        # All three at once: a printer answers real-time requests on receipt, in order, so
        # the status costs one round trip instead of three.
        link.write(b"".join(DLE_EOT[n] for n in PROBE_ORDER), self._config.status_timeout)
        for n in PROBE_ORDER:
            byte = replies.status_byte(self._config.status_timeout)
            if byte is None:
                return unknown(f"no answer to DLE EOT {n}")
            answers[n] = byte
        if answers[2] & 0x40:
            link.write(DLE_EOT[3], self._config.status_timeout)
            byte = replies.status_byte(self._config.status_timeout)
            if byte is not None:
                answers[3] = byte
        return parse_status(answers)

    def _clear_on(self, link: Link, replies: _Replies) -> bool:
        if not link.can_read:
            return False
        link.write(CLEAR, self._config.clear_timeout)
        return replies.clear_reply(self._config.clear_timeout)

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
    """memory://: python-escpos's Dummy underneath; records jobs; can be told to fail (demo)."""

    def __init__(self, config: PrinterConfig) -> None:
        self._config = config
        self._dummy: Any = Dummy()
        self._lock = threading.Lock()
        self.state = PrinterState.READY
        self.jobs: list[bytes] = []

    @property
    def config(self) -> PrinterConfig:
        return self._config

    def set_state(self, state: PrinterState) -> None:
        with self._lock:
            self.state = state

    def probe(self) -> PrinterStatus:
        with self._lock:
            return PrinterStatus(self.state, detail="memory printer")

    def print_job(self, job: bytes) -> PrintResult:
        with self._lock:
            status = PrinterStatus(self.state, detail="memory printer")
            if not self.state.printable:
                detail = f"not sent: {self.state}"
                return PrintResult(
                    self._config.id, PrintOutcome.NOT_SENT, status, None, detail, False
                )
            self._dummy._raw(job)
            self.jobs.append(job)
            return PrintResult(self._config.id, PrintOutcome.CONFIRMED, status)

    def clear_buffers(self) -> bool:
        return True

    @property
    def output(self) -> bytes:
        """Everything printed so far, as the Dummy saw it."""
        with self._lock:
            output: bytes = self._dummy.output
            return output


def make_printer(config: PrinterConfig) -> EscposPrinter | MemoryPrinter:
    if config.scheme == "memory":
        return MemoryPrinter(config)
    return EscposPrinter(config)
