"""Star Micronics' own command set as a printer's language (Star Line mode, StarPRNT, and the
Star Graphic mode of raster-only models such as the TSP100): its automatic status (ASB), the
confirmation after the cut (ETB), and bringing a printer back after a torn job.

From Star's public "STAR Line Mode Command Specifications" and "STAR Graphic Mode Command
Specifications": ESC ACK SOH asks for the automatic status on receipt (answered even while
printing); ETB, read in turn from the buffer, waits until everything before it has printed,
counts up the ETB counter and sends the automatic status. The status is a packet whose first
byte (header 1, 0xx0xxx1) gives its length in bits 1-3 and 5; then header 2 (the version),
then printer status 1.. : 1 has the cover (bit 5) and offline (bit 3), 2 the errors, 4 the
paper (near end bit 2, end bit 3), 6 the ETB counter (bits 1-3 and 5-6). Printers whose
automatic status is switched off answer ENQ (bit 3 paper end, bit 2 cover open or another
error) and EOT (bit 2 near end) with one byte each, and cannot confirm.
"""

from __future__ import annotations

import time

from .dialect import Replies
from .escpos import send_all
from .links import Link
from .model import PrinterState, PrinterStatus
from .status import unknown

STATUS_REQUEST = b"\x1b\x06\x01"  # ESC ACK SOH
ENQ, EOT = b"\x05", b"\x04"
ETB = b"\x17"
ASK_EVERY = 0.5  # seconds between status requests while waiting for the ETB
QUIT_RASTER = b"\x1b*rB"
INIT = b"\x1b@"
# A raster line (b n1 n2 d1..dk) is at most 3 + 255 + 255 * 256 bytes in principle, but ours are
# at most 3 + 72; parameter commands (ESC * r X n NUL) end within a dozen bytes.
LONGEST_OPEN_COMMAND = 3 + 576 // 8


def asb_length(header: int) -> int:
    """The packet's length from header 1: bits 1-3, plus 8 for bit 5."""
    return ((header >> 1) & 0x07) + (8 if header & 0x20 else 0)


def is_asb_header(byte: int) -> bool:
    return byte & 0x91 == 0x01


def etb_counter(packet: bytes) -> int | None:
    if len(packet) < 8:
        return None
    byte = packet[7]
    return ((byte >> 1) & 0x07) | (((byte >> 5) & 0x03) << 3)


def parse_asb(packet: bytes) -> PrinterStatus:
    """A PrinterStatus from an automatic status packet of at least 7 bytes."""
    if len(packet) < 7 or not is_asb_header(packet[0]):
        return PrinterStatus(PrinterState.UNKNOWN, raw=packet, detail="malformed status")
    status1, status2, _, status4 = packet[2], packet[3], packet[4], packet[5]
    cover_open = bool(status1 & 0x20)
    online = not status1 & 0x08
    error = bool(status2 & 0x6C)  # head too hot, unrecoverable, cutter, mechanical
    paper_out = bool(status4 & 0x08)
    paper_low = bool(status4 & 0x04)
    state = _state(cover_open, paper_out, error, online, paper_low)
    return PrinterStatus(state, online, cover_open, paper_low, paper_out, error, raw=packet)


def parse_enq(enq: int, eot: int | None) -> PrinterStatus:
    """ENQ and EOT answers (automatic status off): less than ASB says, but enough to print by."""
    paper_out = bool(enq & 0x08)
    other = bool(enq & 0x04)  # cover open or an unrecoverable error: ENQ does not say which
    paper_low = None if eot is None else bool(eot & 0x04)
    if other:
        return PrinterStatus(
            PrinterState.ERROR,
            None,
            None,
            paper_low,
            paper_out,
            True,
            raw=bytes((enq,)),
            detail="cover open or error",
        )
    state = _state(False, paper_out, False, True, bool(paper_low))
    raw = bytes((enq,)) if eot is None else bytes((enq, eot))
    return PrinterStatus(state, None, None, paper_low, paper_out, False, raw=raw)


def _state(cover: bool, paper_out: bool, error: bool, online: bool, low: bool) -> PrinterState:
    if cover:
        return PrinterState.COVER_OPEN
    if paper_out:
        return PrinterState.PAPER_OUT
    if error:
        return PrinterState.ERROR
    if not online:
        return PrinterState.OFFLINE
    return PrinterState.PAPER_LOW if low else PrinterState.READY


class StarReplies:
    """Automatic status packets coming back; the ETB counter they carry says what printed."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.pending = bytearray()
        self.confirmed = False
        self.counter: int | None = None  # the ETB counter before our job
        self.last: PrinterStatus | None = None

    def _fill(self, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.pending += self.link.read(remaining)
        return True

    def packet(self, deadline: float) -> bytes | None:
        """The next automatic status packet; stray bytes before a header are dropped."""
        while True:
            while self.pending and not is_asb_header(self.pending[0]):
                self.pending.pop(0)
            if self.pending and len(self.pending) >= asb_length(self.pending[0]):
                size = asb_length(self.pending[0])
                packet = bytes(self.pending[:size])
                del self.pending[:size]
                self._note(packet)
                return packet
            if not self._fill(deadline):
                return None

    def byte(self, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        while not self.pending:
            if not self._fill(deadline):
                return None
        return self.pending.pop(0)

    def _note(self, packet: bytes) -> None:
        self.last = parse_asb(packet)
        count = etb_counter(packet)
        executed = len(packet) > 2 and packet[2] & 0x02
        if self.counter is not None and (executed or (count is not None and count != self.counter)):
            self.confirmed = True

    def expect_confirmation(self) -> None:
        """From now on, an ETB counter other than the last one seen is our confirmation."""
        self.confirmed = False
        if self.counter is None:
            self.counter = -1

    def confirmation(self, timeout: float) -> bool:
        """Wait for the ETB counter to move. A printer with automatic status sends it when
        the ETB is done; one without is asked (ESC ACK SOH) every half second."""
        deadline = time.monotonic() + timeout
        while not self.confirmed and time.monotonic() < deadline:
            if self.packet(min(deadline, time.monotonic() + ASK_EVERY)) is None:
                if time.monotonic() < deadline:
                    send_all(self.link, STATUS_REQUEST, max(0.001, deadline - time.monotonic()))
        return self.confirmed


class Star:
    name = "star"
    confirm_request = ETB
    can_clear = False

    def replies(self, link: Link) -> StarReplies:
        return StarReplies(link)

    def probe(self, link: Link, replies: Replies, timeout: float) -> PrinterStatus:
        assert isinstance(replies, StarReplies)
        send_all(link, STATUS_REQUEST, timeout)
        packet = replies.packet(time.monotonic() + timeout)
        if packet is not None:
            replies.counter = etb_counter(packet)
            return parse_asb(packet)
        # No automatic status: a printer with it switched off still answers ENQ and EOT.
        send_all(link, ENQ, timeout)
        enq = replies.byte(timeout)
        if enq is None:
            return unknown("no answer to ESC ACK SOH or ENQ")
        send_all(link, EOT, timeout)
        return parse_enq(enq, replies.byte(timeout))

    def clear(self, link: Link, replies: Replies, timeout: float) -> bool:
        assert isinstance(replies, StarReplies)
        return False

    def open_command_left(self, job: bytes, delivered: int, sent: int) -> int:
        return LONGEST_OPEN_COMMAND if delivered < len(job) else 0

    def recovery(self, open_left: int) -> bytes:
        """Zero bytes to finish a raster line the printer is inside of (white dots), quitting
        raster mode (which cuts off what it holds of an image), a reset, and an ETB."""
        return bytes(open_left) + QUIT_RASTER + INIT + ETB
