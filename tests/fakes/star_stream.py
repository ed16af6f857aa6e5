"""Split a Star Line / Star Graphic mode byte stream into commands, for the fake Star printer.

Written from Star Micronics' "STAR Line Mode Command Specifications" and "STAR Graphic Mode
Command Specifications" (raster commands ESC * r ..., the raster data command b n1 n2 d1...dk,
ESC FF EOT, ETB and ESC RS E n, the real-time ESC ACK SOH, ENQ and EOT). Only what a ticket
printer needs; anything else is an unknown command, which the tests fail on.
"""

from __future__ import annotations

from .escpos_stream import Command

ESC, NUL, ETB, ENQ, EOT = 0x1B, 0x00, 0x17, 0x05, 0x04
# ESC * r X n NUL: parameters written as ASCII digits and ended by NUL. `m` takes a side
# letter first (ESC * r m l n NUL, ESC * r m r n NUL).
PARAMETER_LETTERS = set(b"PQEFTKYNDm")
EOT_MODES_WITH_CUT = {8: False, 9: True, 12: False, 13: True, 36: False, 37: True}
DEFAULT_EOT_MODE = 13  # partial cut after the cut feed, per the specification


class StarTokenizer:
    """Feed bytes as they arrive; get back the commands completed so far."""

    def __init__(self) -> None:
        self.pending = bytearray()
        self.unknown: list[bytes] = []
        self.raster = False
        self.eot_mode = DEFAULT_EOT_MODE
        self.rows_since_cut = 0

    def reset(self) -> None:
        self.pending.clear()

    @property
    def inside(self) -> bool:
        return bool(self.pending)

    @property
    def in_data(self) -> bool:
        """Inside the data of a b or k command (its bytes are pixels, not commands)."""
        return self.raster and len(self.pending) >= 3 and self.pending[0] in (ord("b"), ord("k"))

    def feed(self, data: bytes) -> list[Command]:
        self.pending += data
        commands: list[Command] = []
        while self.pending:
            found = self._next()
            if found is None:
                break
            length, command = found
            del self.pending[:length]
            commands.append(command)
            if command.kind == "unknown":
                self.unknown.append(command.raw)
        return commands

    def _next(self) -> tuple[int, Command] | None:
        data = self.pending
        first = data[0]
        if first == ESC:
            return self._esc(data)
        if first in (ENQ, EOT):
            return 1, Command("realtime", bytes(data[:1]))
        if first == ETB:
            return 1, Command("confirm", bytes(data[:1]))
        if first == NUL:
            return 1, Command("other", bytes(data[:1]))
        if self.raster and first in (ord("b"), ord("k")):
            if len(data) < 3:
                return None
            length = 3 + data[1] + data[2] * 256
            if len(data) < length:
                return None
            rows = 1 if first == ord("b") else 0
            self.rows_since_cut += rows
            return length, Command("raster", bytes(data[:length]), rows)
        return 1, Command("unknown", bytes(data[:1]))

    def _esc(self, data: bytearray) -> tuple[int, Command] | None:
        if len(data) < 2:
            return None
        code = data[1]
        if code == ord("@"):
            self.raster = False
            return 2, Command("init", bytes(data[:2]))
        if code == 0x06:  # ESC ACK SOH
            if len(data) < 3:
                return None
            kind = "realtime" if data[2] == 0x01 else "unknown"
            return 3, Command(kind, bytes(data[:3]))
        if code == 0x1E:  # ESC RS E n (ETB counter) and ESC RS a n (automatic status)
            if len(data) < 4:
                return None
            kind = {ord("E"): "etb_reset", ord("a"): "other"}.get(data[2], "unknown")
            return 4, Command(kind, bytes(data[:4]))
        if code == 0x0C:  # ESC FF NUL (FF mode), ESC FF EOT (EOT mode)
            if len(data) < 3:
                return None
            return 3, self._end_of_document(bytes(data[:3]), data[2] == EOT)
        if code == ord("*"):
            return self._raster_command(data)
        return 2, Command("unknown", bytes(data[:2]))

    def _raster_command(self, data: bytearray) -> tuple[int, Command] | None:
        if len(data) < 4:
            return None
        if data[2] != ord("r"):
            return 3, Command("unknown", bytes(data[:3]))
        letter = data[3]
        raw = bytes(data[:4])
        if letter in (ord("R"), ord("A")):
            self.raster, self.eot_mode, self.rows_since_cut = True, DEFAULT_EOT_MODE, 0
            return 4, Command("init", raw)
        if letter == ord("B"):
            self.raster = False
            if self.rows_since_cut:  # image left in the buffer: EOT mode runs first
                return 4, self._cut(raw)
            return 4, Command("other", raw)
        if letter == ord("C"):
            return 4, Command("other", raw)
        if letter not in PARAMETER_LETTERS:
            return 4, Command("unknown", raw)
        return self._parameter_command(data, letter, raw)

    def _parameter_command(
        self, data: bytearray, letter: int, raw: bytes
    ) -> tuple[int, Command] | None:
        """ESC * r X n NUL: n in ASCII digits (ESC * r m l n NUL: a side letter first)."""
        end = data.find(NUL, 4)
        if end < 0:
            return None if len(data) < 16 else (4, Command("unknown", raw))
        text = bytes(data[4:end])
        whole = bytes(data[: end + 1])
        if letter == ord("m"):
            text = text[1:]
        if not text.isdigit():
            return end + 1, Command("unknown", whole)
        value = int(text)
        if letter == ord("E"):
            self.eot_mode = value or DEFAULT_EOT_MODE
        if letter == ord("Y"):
            self.rows_since_cut += value
            return end + 1, Command("feed", whole, value)
        return end + 1, Command("other", whole)

    def _end_of_document(self, raw: bytes, eot: bool) -> Command:
        if eot and self.raster:
            return self._cut(raw)
        return Command("other", raw)

    def _cut(self, raw: bytes) -> Command:
        self.rows_since_cut = 0
        feeds = EOT_MODES_WITH_CUT.get(self.eot_mode)
        if feeds is None:  # a mode without the cutter: a form feed, no cut
            return Command("other", raw)
        return Command("cut", raw, arg=1 if feeds else 0)
