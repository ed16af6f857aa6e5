"""Epson's ESC/POS as a printer's language: its state (DLE EOT), the confirmation after the cut
(GS r 1), dropping a held job (DLE DC4 fn=8), and bringing a printer back after a torn job.

Printers from other makers that emulate ESC/POS (Star, Citizen, Sanei in their ESC/POS
modes) speak the same; a printer that answers none of it is "unknown" and gets nothing unless
its confirm setting is "none".
"""

from __future__ import annotations

import time

from .dialect import Replies
from .links import Link, LinkError
from .model import PrinterStatus
from .status import (
    DLE_EOT,
    PROBE_ORDER,
    is_asb_header,
    is_confirmation,
    is_status_reply,
    parse_status,
    unknown,
)

INIT = b"\x1b@"
# GS r 1: paper sensor status, answered only once everything sent before it has been printed.
CONFIRM = b"\x1dr\x01"
# DLE DC4 fn=8: clear the receive and print buffers; the printer answers CLEAR_REPLY.
CLEAR = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"
CLEAR_REPLY = b"\x37\x25\x00"
# GS V 65 0: feed the last printed row to the cutter (about 15 mm on an Epson TM-T88), then a
# full cut.
FEED_AND_CUT = b"\x1dVA\x00"
RASTER = b"\x1dv0"  # GS v 0 m xL xH yL yH d1...dk
RASTER_HEADER = 8


class EscposReplies:
    """Bytes coming back from the printer, sorted into status answers and confirmations."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.pending = bytearray()
        self.confirmed = False  # a GS r answer arrived, whenever that was

    def expect_confirmation(self) -> None:
        self.confirmed = False

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


class Escpos:
    name = "escpos"
    confirm_request = CONFIRM
    can_clear = True

    def replies(self, link: Link) -> EscposReplies:
        return EscposReplies(link)

    def probe(self, link: Link, replies: Replies, timeout: float) -> PrinterStatus:
        assert isinstance(replies, EscposReplies)
        """DLE EOT 1, 2 and 4 at once (real-time requests are answered on receipt, in order:
        one round trip instead of three), and 3 when 2 reports an error."""
        answers: dict[int, int] = {}
        send_all(link, b"".join(DLE_EOT[n] for n in PROBE_ORDER), timeout)
        for n in PROBE_ORDER:
            byte = replies.status_byte(timeout)
            if byte is None:
                return unknown(f"no answer to DLE EOT {n}")
            answers[n] = byte
        if answers[2] & 0x40:
            send_all(link, DLE_EOT[3], timeout)
            byte = replies.status_byte(timeout)
            if byte is not None:
                answers[3] = byte
        return parse_status(answers)

    def clear(self, link: Link, replies: Replies, timeout: float) -> bool:
        assert isinstance(replies, EscposReplies)
        send_all(link, CLEAR, timeout)
        return replies.clear_reply(timeout)

    def open_command_left(self, job: bytes, delivered: int, sent: int) -> int:
        """At most how many bytes of an image command the printer may still be waiting for,
        if it has anything from `delivered` to `sent` bytes of the job."""
        left = 0
        start = job.find(RASTER)
        while 0 <= start < sent:
            width = job[start + 4] + job[start + 5] * 256
            rows = job[start + 6] + job[start + 7] * 256
            end = start + RASTER_HEADER + width * rows
            if end > delivered:
                left = max(left, end - max(delivered, start))
            start = job.find(RASTER, end)
        return left

    def recovery(self, open_left: int) -> bytes:
        """Zero bytes to finish an image the printer is inside of (zero is a white dot, and
        outside a command a byte the printer ignores), then a reset, a cut that takes any
        piece of the torn ticket off, and a confirmation: after it, the state is known."""
        return bytes(open_left) + INIT + FEED_AND_CUT + CONFIRM


def send_all(link: Link, data: bytes, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LinkError("the printer takes no data")
        taken = link.send(data, remaining)
        data = data[taken:]
