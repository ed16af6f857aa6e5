"""A CUPS raw queue as a printer (cups://QUEUE): the job goes to cupsd, which sends it on.

CUPS owns the connection to the printer, so the printer's answers never reach us: a job
CUPS reports completed was sent, never confirmed, and is shown as such everywhere. What CUPS
does know is used: a stopped queue or one not accepting jobs gets nothing, the queue's state
reasons (media-empty, cover-open, offline) are the printer's state, and a job that does not
complete in time is cancelled. Cancelled before CUPS started sending it (still pending, or
its backend still connecting), nothing went out; cancelled while sending, what reached the
printer may still print, and the printer may be left inside an image: the next job starts
with the bytes that finish it and cut it off (escpos.py, star.py), since only a job reaches
the printer through CUPS.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .commands import dialect_for
from .dialect import Dialect, Torn
from .ipp import (
    CANCEL_JOB,
    GET_JOB_ATTRIBUTES,
    GET_PRINTER_ATTRIBUTES,
    INTEGER,
    JOB,
    KEYWORD,
    MIME,
    NAME,
    PRINT_JOB,
    PRINTER,
    PRINTER_STATES,
    URI,
    IppClient,
    IppError,
    Response,
)
from .model import PrinterConfig, PrinterState, PrinterStatus, PrintOutcome, PrintResult
from .status import unreachable

USER = "madoguchi"
RAW = "application/vnd.cups-raw"
COMPLETED, CANCELED, ABORTED, STOPPED, PROCESSING = 9, 7, 8, 6, 5
# What the queue's backend says (cupsd in English): connected and sending, or not there yet.
# A message in another language reads as neither, and a job cancelled then counts as sent.
CONNECTED = ("waiting for printer to finish", "sending data", "printing")
NOT_CONNECTED = ("unavailable", "unable to connect", "connecting", "may not exist")
REASONS = (  # the first that matches, in this order
    (("cover-open", "door-open", "interlock-open"), PrinterState.COVER_OPEN),
    (("media-empty", "media-needed", "media-jam"), PrinterState.PAPER_OUT),
    (("offline",), PrinterState.OFFLINE),
    (("media-low",), PrinterState.PAPER_LOW),
)


class CupsPrinter:
    def __init__(
        self, config: PrinterConfig, poll: float = 0.1, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._config = config
        self.client = IppClient(config.host, int(config.path), config.connect_timeout)
        self.queue = config.queue
        self.uri = self.client.printer_uri(self.queue)
        self.dialect: Dialect = dialect_for(config.dialect)
        self.torn: Torn | None = None
        self.last_job: int | None = None
        self._poll = poll
        self._sleep = sleep

    @property
    def config(self) -> PrinterConfig:
        return self._config

    def close(self) -> None:
        pass

    def clear_buffers(self) -> bool:
        return False  # only CUPS talks to the printer

    def probe(self) -> PrinterStatus:
        requested = [
            "printer-state",
            "printer-state-reasons",
            "printer-is-accepting-jobs",
            "printer-state-message",
        ]
        try:
            answer = self.client.call(
                f"/printers/{self.queue}",
                GET_PRINTER_ATTRIBUTES,
                [
                    (URI, "printer-uri", [self.uri]),
                    (KEYWORD, "requested-attributes", requested),
                ],
            )
        except IppError as exc:
            return unreachable(str(exc))
        if answer.status >= 0x0400:
            return unreachable(f"CUPS has no queue {self.queue!r} (status {answer.status:#06x})")
        return queue_status(answer)

    def print_job(self, job: bytes) -> PrintResult:
        before = self.probe()
        if not before.state.printable:
            return self._result(
                PrintOutcome.NOT_SENT,
                before,
                None,
                f"not sent: {before.state} ({before.detail})",
                False,
            )
        prefix = b""
        if self.torn is not None:  # the last job was cut short inside the printer
            recovery = self.dialect.recovery(self.torn.open_left)
            prefix = recovery[: -len(self.dialect.confirm_request)]
        try:
            answer = self.client.call(
                f"/printers/{self.queue}",
                PRINT_JOB,
                [
                    (URI, "printer-uri", [self.uri]),
                    (NAME, "requesting-user-name", [USER]),
                    (NAME, "job-name", ["madoguchi ticket"]),
                    (MIME, "document-format", [RAW]),
                ],
                prefix + job,
            )
        except IppError as exc:
            return self._result(
                PrintOutcome.SENT_UNCONFIRMED, before, None, f"maybe queued: {exc}", False
            )
        job_id = answer.first(JOB, "job-id")
        if answer.status >= 0x0400 or not isinstance(job_id, int):
            return self._result(
                PrintOutcome.NOT_SENT,
                before,
                None,
                f"CUPS refused the job (status {answer.status:#06x})",
                False,
            )
        self.torn, self.last_job = None, job_id
        return self._follow(job_id, job, before)

    def _follow(self, job_id: int, job: bytes, before: PrinterStatus) -> PrintResult:
        """Until CUPS says the job is done. Nothing it reports shows a raw job's progress, so
        a job CUPS is sending may take up to job_timeout (a slow printer is not given up);
        one it has not started sending (pending, or its backend still connecting) is given up
        after confirm_timeout + stall_timeout, when nothing of it has gone out."""
        config = self._config
        started = time.monotonic()
        waiting = started + min(config.job_timeout, config.confirm_timeout + config.stall_timeout)
        hard = started + config.job_timeout
        state, sending, connecting = 0, False, False
        while True:
            try:
                state, reasons, message = self._job_state(job_id)
            except IppError as exc:
                return self._result(
                    PrintOutcome.SENT_UNCONFIRMED,
                    before,
                    unreachable(str(exc)),
                    f"CUPS job {job_id}: lost track of it: {exc}",
                    False,
                )
            connecting = "connecting-to-device" in reasons or any(
                words in message.lower() for words in NOT_CONNECTED
            )
            sending = (
                sending
                or "cups-waiting-for-job-completed" in reasons
                or any(words in message.lower() for words in CONNECTED)
            )
            if state == COMPLETED:
                return self._result(
                    PrintOutcome.SENT_UNCONFIRMED,
                    before,
                    None,
                    f"CUPS job {job_id} completed: sent to the printer, which "
                    "cannot confirm through CUPS",
                )
            now = time.monotonic()
            if state in (CANCELED, ABORTED, STOPPED) or now >= hard:
                break
            if not sending and now >= waiting:
                break
            self._sleep(self._poll)
        # Nothing went out only if CUPS never started, or its backend never reached the printer.
        sending = sending or (state >= PROCESSING and not connecting)
        return self._give_up(job_id, job, state, sending, before)

    def _give_up(
        self, job_id: int, job: bytes, state: int, sending: bool, before: PrinterStatus
    ) -> PrintResult:
        if state not in (CANCELED, ABORTED):
            try:
                self.client.call(
                    "/jobs",
                    CANCEL_JOB,
                    [
                        (URI, "printer-uri", [self.uri]),
                        (INTEGER, "job-id", [job_id]),
                        (NAME, "requesting-user-name", [USER]),
                    ],
                )
            except IppError:
                pass
        after = self.probe()
        if not sending:
            return self._result(
                PrintOutcome.NOT_SENT,
                before,
                after,
                f"CUPS job {job_id} never reached the printer; cancelled",
                False,
            )
        self.torn = Torn(self.dialect.open_command_left(job, 0, len(job)), f"CUPS job {job_id}")
        return self._result(
            PrintOutcome.SENT_UNCONFIRMED,
            before,
            after,
            f"CUPS job {job_id} stopped while sending: what reached the printer may still print",
            False,
        )

    def _job_state(self, job_id: int) -> tuple[int, set[str], str]:
        """The job's state, and the queue's state reasons and message (what its backend says
        of the connection to the printer)."""
        answer = self.client.call(
            "/jobs",
            GET_JOB_ATTRIBUTES,
            [
                (URI, "printer-uri", [self.uri]),
                (INTEGER, "job-id", [job_id]),
                (KEYWORD, "requested-attributes", ["job-state"]),
            ],
        )
        if answer.status >= 0x0400:
            raise IppError(f"CUPS does not know job {job_id} (status {answer.status:#06x})")
        queue = self.client.call(
            f"/printers/{self.queue}",
            GET_PRINTER_ATTRIBUTES,
            [
                (URI, "printer-uri", [self.uri]),
                (
                    KEYWORD,
                    "requested-attributes",
                    ["printer-state-reasons", "printer-state-message"],
                ),
            ],
        )
        reasons = {str(r) for r in queue.all(PRINTER, "printer-state-reasons")}
        message = str(queue.first(PRINTER, "printer-state-message", ""))
        return int(answer.first(JOB, "job-state", 0)), reasons, message

    def _result(
        self,
        outcome: PrintOutcome,
        before: PrinterStatus,
        after: PrinterStatus | None = None,
        detail: str = "",
        expected: bool = True,
    ) -> PrintResult:
        return PrintResult(self._config.id, outcome, before, after, detail, expected)


def queue_status(answer: Response) -> PrinterStatus:
    """The queue's state, and the printer's as far as CUPS knows it."""
    state = answer.first(PRINTER, "printer-state", 0)
    reasons = [str(r) for r in answer.all(PRINTER, "printer-state-reasons") if r != "none"]
    accepting = answer.first(PRINTER, "printer-is-accepting-jobs", True)
    message = answer.first(PRINTER, "printer-state-message", "")
    words = ", ".join(reasons) or PRINTER_STATES.get(state, "unknown")
    detail = f"CUPS: {words}" + (f" ({message})" if message else "")
    for keys, found in REASONS:
        if any(reason.startswith(keys) for reason in reasons):
            return PrinterStatus(found, detail=detail)
    if state == 5 or not accepting:
        return PrinterStatus(PrinterState.OFFLINE, online=False, detail=f"{detail}; queue stopped")
    return PrinterStatus(PrinterState.READY, detail=detail)
