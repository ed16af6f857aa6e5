"""The inside of a fake receipt printer: its parser, buffer, mechanism and answers.

An interface (TCP port 9100, USB bulk endpoints, a serial line) hands it the bytes it
receives with `take(data, reply)`, as long as `room()` says there is space in the receive
buffer; `reply` sends bytes back on that interface. One engine is one printer, so its parser
lives as long as the printer: a job torn in the middle of an image leaves the parser inside
that image, and the next bytes, whoever sends them, are read as the rest of it.

Two command sets: Epson's ESC/POS (DLE EOT 1-4 answered on receipt, also inside image data;
GS r 1 answered in order once everything before it was printed; DLE DC4 fn=8 clears the
receive and print buffers, answering 37 25 00) and Star's (ESC ACK SOH answered on receipt
with the automatic status; ETB, in order, counts up the ETB counter and sends the automatic
status; ENQ and EOT answered with one byte when automatic status is off).

The mechanism prints command by command at rows_per_second; paper out, an open cover or
offline stop it and keep what is buffered, which prints once the fault is cleared (the
duplicate hazard). Printed output is split at the cut; only the last `history` pieces are
kept, so a long run does not grow (cut_count counts them all).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .escpos_stream import Command, Tokenizer
from .star_stream import StarTokenizer

Reply = Callable[[bytes], None]
ROW_CHUNK = 8
CUTTER_ROWS = 120  # print head to blade: about 15 mm on an Epson TM-T88, at 8 dots/mm
FEED_TO_CUTTER = (65, 66, 103, 104)  # GS V m n: feed to the cutting position + n, then cut
PLENTY = 1_000_000
HISTORY = 64
MODES = ("normal", "refuse", "blackhole", "no_status")
CLEAR = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"
CLEAR_REPLY = b"\x37\x25\x00"
STAR_STATUS_REQUEST = b"\x1b\x06\x01"  # ESC ACK SOH


@dataclass
class _Queued:
    command: Command
    reply: Reply


def _no_reply(data: bytes) -> None:
    """For bytes that arrived on an interface nobody listens to any more."""


class PrinterEngine:
    """One printer. Thread-safe: interfaces and the test thread share it under `cv`."""

    def __init__(
        self,
        *,
        protocol: str = "escpos",
        paper_rows: int = PLENTY,
        near_end_rows: int = 0,
        rows_per_second: float | None = None,
        cutter_rows: int = CUTTER_ROWS,
        buffer_bytes: int = 1 << 20,
        supports_clear: bool = True,
        realtime_in_data: bool = True,
        asb: bool = True,
        status_request: bool = True,
        history: int = HISTORY,
    ) -> None:
        if protocol not in ("escpos", "star"):
            raise ValueError(protocol)
        self.cv = threading.Condition()
        self.protocol = protocol
        self.paper_rows = paper_rows
        self.near_end_rows = near_end_rows
        self.rows_per_second = rows_per_second
        self.cutter_rows = cutter_rows
        self.buffer_bytes = buffer_bytes
        self.supports_clear = supports_clear
        self.realtime_in_data = realtime_in_data
        self.asb = asb  # Star: automatic status back on (the Ethernet and USB default)
        self.status_request = status_request  # Star: answers ESC ACK SOH (older ones do not)
        self.cover_open = False
        self.offline = False
        self.mode = "normal"
        self.drop_after: int | None = None  # an interface drops its link after this many bytes
        self.fault_at_row: tuple[int, str] | None = None  # (rows printed, fault)
        self._parser: Tokenizer | StarTokenizer = (
            Tokenizer() if protocol == "escpos" else StarTokenizer()
        )
        self._carry = b""  # the last bytes read: a real-time command may span two reads
        self._queue: deque[_Queued] = deque()
        self._queued_bytes = 0
        self._current: _Queued | None = None
        self._progress = 0
        self._job = bytearray()
        self._jobs: deque[bytes] = deque(maxlen=history)
        self.cut_count = 0
        self.etb_counter = 0
        self._last_asb: bytes | None = None
        self._asb_reply: Reply = _no_reply
        self.rows_printed = 0
        self.discarded_jobs = 0
        self.clears = 0
        self.status_requests = 0  # real-time status requests seen, inside image data included
        self.bytes_received = 0
        self.stopping = False
        self._thread = threading.Thread(target=self._engine, name="fake-printer", daemon=True)

    # --- life cycle and control (the test thread) ----------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self.cv:
            self.stopping = True
            self.cv.notify_all()
        self._thread.join(timeout=5)

    def set(self, **changes: Any) -> None:
        with self.cv:
            for name, value in changes.items():
                if name.startswith("_") or not hasattr(self, name) or callable(getattr(self, name)):
                    raise AttributeError(name)
                if name == "mode" and value not in MODES:
                    raise ValueError(value)
                setattr(self, name, value)
            self._status_changed()
            self.cv.notify_all()

    @property
    def jobs(self) -> list[bytes]:
        """The last pieces printed and cut, in order."""
        with self.cv:
            return list(self._jobs)

    @property
    def unknown_commands(self) -> list[bytes]:
        with self.cv:
            return list(self._parser.unknown)

    @property
    def idle(self) -> bool:
        with self.cv:
            return self._current is None and not self._queue

    @property
    def mid_command(self) -> bool:
        """The parser holds the start of a command it has not received the rest of."""
        with self.cv:
            return self._parser.inside

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.cv:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.cv.wait(min(remaining, 0.05))
            return True

    # --- status, in each maker's layout --------------------------------------------------------

    @property
    def paper_out(self) -> bool:
        return self.paper_rows <= 0

    def status_byte(self, n: int) -> int:
        """Epson DLE EOT n."""
        stopped = self.offline or self.cover_open or self.paper_out
        if n == 1:
            return 0x12 | (0x08 if stopped else 0)
        if n == 2:
            return 0x12 | (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)
        if n == 4:
            near_end = self.paper_out or self.paper_rows <= self.near_end_rows
            return 0x12 | (0x0C if near_end else 0) | (0x60 if self.paper_out else 0)
        return 0x12

    def paper_sensor_byte(self) -> int:
        """Epson GS r 1: bits 0-1 near end, bits 2-3 paper end."""
        if self.paper_out:
            return 0x0F
        return 0x03 if self.paper_rows <= self.near_end_rows else 0x00

    def star_status(self) -> bytes:
        """Star's automatic status, 9 bytes (version 3): header 1 (byte count 9 in bits 1-3
        and 5), header 2, then printer status 1 to 7; the ETB counter in status 6."""
        stopped = self.offline or self.cover_open or self.paper_out
        near_end = self.paper_out or self.paper_rows <= self.near_end_rows
        status1 = (0x20 if self.cover_open else 0) | (0x08 if stopped else 0)
        status4 = (0x04 if near_end else 0) | (0x08 if self.paper_out else 0)
        count = self.etb_counter & 0x1F
        status6 = ((count & 0x07) << 1) | ((count >> 3) << 5)
        return bytes((0x23, 0x06, status1, 0, 0, status4, 0, status6, 0))

    def star_enq_byte(self) -> int:
        """Star ENQ: bit 3 paper end, bit 2 other errors (cover open), bit 5 buffer empty."""
        empty = self._current is None and not self._queue and not self._parser.inside
        return (
            (0x08 if self.paper_out else 0)
            | (0x04 if self.cover_open else 0)
            | (0x20 if empty else 0)
        )

    def star_eot_byte(self) -> int:
        """Star EOT: fixed bit 4, bit 3 paper end, bit 2 near end."""
        near_end = self.paper_out or self.paper_rows <= self.near_end_rows
        return 0x10 | (0x08 if self.paper_out else 0) | (0x04 if near_end else 0)

    def _status_changed(self) -> None:
        """Star with automatic status on: every change of state is sent unasked."""
        if self.protocol != "star" or not self.asb or self.mode == "no_status":
            return
        status = self.star_status()
        if self._last_asb is not None and status[2:7] != self._last_asb[2:7]:
            self._asb_reply(status)
        self._last_asb = status

    # --- receiving (the interfaces) ------------------------------------------------------------

    def room(self) -> int:
        """How many bytes the receive buffer takes now; 0 while it is full or not reading."""
        with self.cv:
            if self.mode == "blackhole" or self.stopping:
                return 0
            return max(0, self.buffer_bytes - self._queued_bytes - len(self._parser.pending))

    def take(self, data: bytes, reply: Reply) -> None:
        """Bytes received: real-time commands act at once, the rest queue for the mechanism.

        A real-time command is data too: inside an image its bytes are image bytes as well.
        The last few bytes are kept to find a real-time command split across two reads."""
        with self.cv:
            self.bytes_received += len(data)
            self._asb_reply = reply
            carry = len(self._carry)
            stream = self._carry + data
            parsed = carry  # bytes of the stream already parsed
            start = 0
            while (found := self._next_realtime(stream, start)) is not None:
                index, length, action = found
                start = index + max(length, 1)
                if length == 0 or index + length <= carry:
                    continue  # cut short (found again with the next read), or acted on before
                if index > parsed:
                    self._parse(stream[parsed:index], reply)
                    parsed = index
                # Star's one-byte ENQ and EOT inside raster data are pixels, not questions.
                single = self.protocol == "star" and length == 1
                acts = action is not None and not (single and self._in_data())
                self._parse(stream[parsed : index + length], reply)
                parsed = index + length
                if acts and action is not None:
                    action(reply)
            self._parse(stream[parsed:], reply)
            self._carry = stream[-(len(CLEAR) - 1) :]
            self.cv.notify_all()

    def link_lost(self, reply: Reply) -> None:
        """The interface the answers went to is gone: later answers go nowhere."""
        with self.cv:
            for queued in self._queue:
                if queued.reply is reply:
                    queued.reply = _no_reply
            if self._current is not None and self._current.reply is reply:
                self._current.reply = _no_reply
            if self._asb_reply is reply:
                self._asb_reply = _no_reply

    def _next_realtime(
        self, stream: bytes, start: int
    ) -> tuple[int, int, Callable[[Reply], None] | None] | None:
        """The next real-time command from `start`: (index, length, action); length 0 when
        the stream ends inside one; action None for bytes that only looked like one."""
        if not self.realtime_in_data:
            return None
        answers = self.mode != "no_status"
        if self.protocol == "escpos":
            index = stream.find(b"\x10", start)
            if index < 0:
                return None
            tail = stream[index : index + len(CLEAR)]
            if len(tail) < 3:
                return index, 0, None
            if tail[1] == 0x04 and 1 <= tail[2] <= 4:
                return index, 3, self._answer_dle_eot(tail[2], answers)
            if tail[:3] == CLEAR[:3]:
                if len(tail) < len(CLEAR):
                    return index, 0, None
                if tail == CLEAR:
                    return index, len(CLEAR), self._do_clear(answers)
            return index, 1, None
        return self._next_star_realtime(stream, start, answers)

    def _next_star_realtime(
        self, stream: bytes, start: int, answers: bool
    ) -> tuple[int, int, Callable[[Reply], None] | None] | None:
        candidates = [stream.find(b"\x1b\x06", start)]
        if not self.asb:  # ENQ and EOT are for printers whose automatic status is off
            candidates += [stream.find(b"\x05", start), stream.find(b"\x04", start)]
        if stream.endswith(b"\x1b") and len(stream) - 1 >= start:
            candidates.append(len(stream) - 1)
        candidates = [index for index in candidates if index >= 0]
        if not candidates:
            return None
        index = min(candidates)
        tail = stream[index : index + 3]
        if tail[0] in (0x05, 0x04):
            return index, 1, self._answer_star_byte(tail[0], answers)
        if len(tail) < 3:
            return index, 0, None
        if tail == STAR_STATUS_REQUEST:
            return index, 3, self._answer_star_status(answers and self.status_request)
        return index, 1, None

    def _in_data(self) -> bool:
        return isinstance(self._parser, StarTokenizer) and self._parser.in_data

    def _answer_dle_eot(self, n: int, answers: bool) -> Callable[[Reply], None]:
        def act(reply: Reply) -> None:
            self.status_requests += 1
            if answers:
                reply(bytes((self.status_byte(n),)))

        return act

    def _do_clear(self, answers: bool) -> Callable[[Reply], None]:
        def act(reply: Reply) -> None:
            if not (self.supports_clear and answers):
                return
            if self._current is not None or self._queue or self._job or self._parser.inside:
                self.discarded_jobs += 1
            self._queue.clear()
            self._queued_bytes = 0
            self._current = None
            self._progress = 0
            self._job.clear()
            self._parser.reset()  # the receive buffer holds the command it was inside of
            self.clears += 1
            reply(CLEAR_REPLY)

        return act

    def _answer_star_status(self, answers: bool) -> Callable[[Reply], None]:
        def act(reply: Reply) -> None:
            self.status_requests += 1
            if answers:
                reply(self.star_status())

        return act

    def _answer_star_byte(self, code: int, answers: bool) -> Callable[[Reply], None]:
        def act(reply: Reply) -> None:
            self.status_requests += 1
            if answers:
                byte = self.star_enq_byte() if code == 0x05 else self.star_eot_byte()
                reply(bytes((byte,)))

        return act

    def _parse(self, data: bytes, reply: Reply) -> None:
        if not data:
            return
        for command in self._parser.feed(data):
            if command.kind in ("status", "clear", "realtime"):
                continue  # acted on as it arrived
            queued = _Queued(self._with_paper(command), reply)
            self._queue.append(queued)
            self._queued_bytes += len(command.raw)

    def _with_paper(self, command: Command) -> Command:
        """The tokenizer knows the feeds it can count; the cutter's distance is this printer's."""
        raw = command.raw
        if command.kind == "cut" and self.protocol == "escpos":
            if len(raw) == 4 and raw[2] in FEED_TO_CUTTER:
                return Command("cut", raw, self.cutter_rows + raw[3])
        if command.kind == "cut" and self.protocol == "star" and command.arg:
            return Command("cut", raw, self.cutter_rows)  # EOT mode with a cut feed
        return command

    # --- the mechanism ---------------------------------------------------------------------

    def _can_print(self) -> bool:
        return not (self.cover_open or self.offline or self.paper_out)

    def _engine(self) -> None:
        """Print chunk by chunk at rows_per_second by the mechanism's own clock, which starts
        when printing starts and stops when there is nothing to print or a fault: when this
        thread wakes late (a busy machine), the next chunks catch up with that clock, as a
        motor does not slow down because the computer simulating it looked away."""
        done_at: float | None = None
        with self.cv:
            while not self.stopping:
                if self._current is None and self._queue:
                    self._current = self._queue.popleft()
                    self._progress = 0
                if self._current is None or not self._can_print():
                    done_at = None
                    self.cv.wait(0.05)
                    continue
                seconds = self._step(self._current)
                if seconds <= 0:
                    continue
                done_at = (time.monotonic() if done_at is None else done_at) + seconds
                while not self.stopping:
                    remaining = done_at - time.monotonic()
                    if remaining <= 0:
                        break
                    self.cv.wait(remaining)

    def _step(self, queued: _Queued) -> float:
        """Print a little of the current command; returns how long that took."""
        command = queued.command
        rows = min(ROW_CHUNK, command.rows - self._progress, self.paper_rows)
        if rows > 0:
            self.paper_rows -= rows
            self.rows_printed += rows
            self._progress += rows
            self._fault_check()
            self.cv.notify_all()
            if self._progress < command.rows:
                return rows / self.rows_per_second if self.rows_per_second else 0.0
        self._finish(queued)
        self.cv.notify_all()
        return rows / self.rows_per_second if rows > 0 and self.rows_per_second else 0.0

    def _fault_check(self) -> None:
        if self.fault_at_row is None or self.rows_printed < self.fault_at_row[0]:
            return
        fault = self.fault_at_row[1]
        self.fault_at_row = None
        if fault == "cover_open":
            self.cover_open = True
        elif fault == "paper_out":
            self.paper_rows = 0
        elif fault == "offline":
            self.offline = True
        self._status_changed()

    def _finish(self, queued: _Queued) -> None:
        command = queued.command
        self._current = None
        self._queued_bytes -= len(command.raw)
        if command.kind == "confirm":
            self._confirm(queued.reply)
            return
        if command.kind == "etb_reset":
            self.etb_counter = 0
            return
        self._job += command.raw
        if command.kind == "cut":
            self._jobs.append(bytes(self._job))
            self.cut_count += 1
            self._job.clear()

    def _confirm(self, reply: Reply) -> None:
        if self.mode == "no_status":
            return
        if self.protocol == "escpos":
            reply(bytes((self.paper_sensor_byte(),)))
            return
        self.etb_counter = (self.etb_counter + 1) & 0x1F
        if self.asb:
            status = self.star_status()
            self._last_asb = status
            reply(bytes((status[0], status[1], status[2] | 0x02)) + status[3:])
