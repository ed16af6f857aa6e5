"""Split an ESC/POS byte stream into commands, enough for a fake printer to know what it prints."""

from __future__ import annotations

from dataclasses import dataclass

ESC, GS, DLE, FS = 0x1B, 0x1D, 0x10, 0x1C
LINE_ROWS = 30  # default line spacing: 1/6 inch at 180 dpi

ESC_NO_ARG = set(b"@2<")
ESC_ONE_ARG = set(b" !-3EGJMRSUVadet{")
GS_ONE_ARG = set(b"!BHIbhfwa/rE")
GS_TWO_ARG = set(b"LWP")
CUT_WITH_FEED = (65, 66, 97, 98, 103, 104)
FS_NO_ARG = set(b"&.")
FS_ONE_ARG = set(b"!-CW")
CLEAR = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"
# DLE DC4 fn: total lengths of the forms we know
DC4_LENGTHS = {1: 5, 2: 5, 7: 6, 8: len(CLEAR)}


@dataclass(frozen=True)
class Command:
    """One command. kind: init, raster (a GS v 0 header; arg: its rows), raster_data (whole rows
    of it), feed, text, cut, confirm, status, clear, other, unknown."""

    kind: str
    raw: bytes
    rows: int = 0  # paper it uses, in dot rows
    arg: int = 0  # status: n of DLE EOT n; raster: the image's rows


class Tokenizer:
    """Feed bytes as they arrive; get back the commands completed so far."""

    def __init__(self) -> None:
        self.pending = bytearray()
        self.unknown: list[bytes] = []
        # Inside a GS v 0 image: its rows are printed as they come (a printer does not wait
        # for the whole image), so its data comes out in pieces of whole rows.
        self._row_bytes = 0
        self._rows_left = 0

    @property
    def inside(self) -> bool:
        """In the middle of a command: the next bytes are read as the rest of it."""
        return bool(self.pending) or self._rows_left > 0

    def reset(self) -> None:
        """Forget the command in hand (a printer's buffer cleared)."""
        self.pending.clear()
        self._rows_left = 0

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
        if self._rows_left:
            rows = min(self._rows_left, len(data) // self._row_bytes) if self._row_bytes else 0
            if rows == 0:
                return None
            self._rows_left -= rows
            size = rows * self._row_bytes
            return size, Command("raster_data", bytes(data[:size]), rows)
        first = data[0]
        if first == ESC:
            length, kind, rows = self._esc(data)
        elif first == GS:
            length, kind, rows = self._gs(data)
        elif first == DLE:
            return self._dle(data)
        elif first == FS:
            length, kind, rows = self._fs(data)
        elif first == 0x0A:
            length, kind, rows = 1, "feed", LINE_ROWS
        else:
            length, kind, rows = 1, "text", 0
        if length <= 0 or len(data) < length:
            return None
        if kind == "raster":  # GS v 0 m xL xH yL yH: width in bytes, rows
            self._row_bytes = data[4] + data[5] * 256
            self._rows_left = data[6] + data[7] * 256
            if self._row_bytes == 0:
                self._rows_left = 0
            return length, Command(kind, bytes(data[:length]), 0, arg=self._rows_left)
        return length, Command(kind, bytes(data[:length]), rows)

    @staticmethod
    def _esc(data: bytearray) -> tuple[int, str, int]:
        if len(data) < 2:
            return 0, "", 0
        code = data[1]
        if code == ord("@"):
            return 2, "init", 0
        if code in ESC_NO_ARG:
            return 2, "other", 0
        if code in (ord("d"), ord("J")):
            if len(data) < 3:
                return 0, "", 0
            rows = data[2] * LINE_ROWS if code == ord("d") else data[2]
            return 3, "feed", rows
        if code in ESC_ONE_ARG:
            return 3, "other", 0
        if code == ord("c"):
            return 4, "other", 0
        if code == ord("B"):
            return 4, "other", 0
        if code == ord("p"):
            return 5, "other", 0
        if code == ord("*"):
            if len(data) < 5:
                return 0, "", 0
            columns = data[3] + data[4] * 256
            per_column = 3 if data[2] in (32, 33) else 1
            return 5 + columns * per_column, "raster", 24 if per_column == 3 else 8
        return 2, "unknown", 0

    @staticmethod
    def _gs(data: bytearray) -> tuple[int, str, int]:
        if len(data) < 3:  # every GS command we know has at least one parameter
            return 0, "", 0
        code = data[1]
        if code == ord("v"):
            return 8, "raster", 0  # the header; its rows follow (see _next)
        if code == ord("V"):
            return (4 if data[2] in CUT_WITH_FEED else 3), "cut", 0
        if code == ord("r"):
            return 3, "confirm", 0
        if code in GS_ONE_ARG:
            return 3, "other", 0
        if code in GS_TWO_ARG:
            return 4, "other", 0
        return Tokenizer._gs_block(data)

    @staticmethod
    def _gs_block(data: bytearray) -> tuple[int, str, int]:
        """GS ( x, GS 8 L and GS k carry their own lengths."""
        code = data[1]
        if code == ord("("):
            if len(data) < 5:
                return 0, "", 0
            return 5 + data[3] + data[4] * 256, "other", 0
        if code == ord("8"):
            if len(data) < 7:
                return 0, "", 0
            return 7 + int.from_bytes(data[3:7], "little"), "other", 0
        if code == ord("k"):
            return Tokenizer._barcode(data)
        return 2, "unknown", 0

    @staticmethod
    def _barcode(data: bytearray) -> tuple[int, str, int]:
        if len(data) < 3:
            return 0, "", 0
        if data[2] <= 6:
            end = data.find(0, 3)
            return (0, "", 0) if end < 0 else (end + 1, "other", 0)
        if len(data) < 4:
            return 0, "", 0
        return 4 + data[3], "other", 0

    @staticmethod
    def _fs(data: bytearray) -> tuple[int, str, int]:
        if len(data) < 2:
            return 0, "", 0
        code = data[1]
        if code in FS_NO_ARG:
            return 2, "other", 0
        if code in FS_ONE_ARG:
            return 3, "other", 0
        if code == ord("S"):
            return 4, "other", 0
        if code == ord("("):
            if len(data) < 5:
                return 0, "", 0
            return 5 + data[3] + data[4] * 256, "other", 0
        return 2, "unknown", 0

    @staticmethod
    def _dle(data: bytearray) -> tuple[int, Command] | None:
        if len(data) < 3:
            return None
        code = data[1]
        if code == 0x04:
            return 3, Command("status", bytes(data[:3]), arg=data[2])
        if code == 0x05:
            return 3, Command("other", bytes(data[:3]))
        if code == 0x14:
            length = DC4_LENGTHS.get(data[2], 3)
            if len(data) < length:
                return None
            raw = bytes(data[:length])
            return length, Command("clear" if raw == CLEAR else "other", raw)
        return 1, Command("text", bytes(data[:1]))


def realtime_status_requests(carry: bytes, data: bytes) -> tuple[list[int], bytes]:
    """Every DLE EOT n (n = 1..4) in the stream, wherever it is, as Epson printers answer them.

    carry is the tail of the previous chunk; the new tail is returned.
    """
    stream = carry + data
    found: list[int] = []
    start = 0
    while (index := stream.find(b"\x10\x04", start)) >= 0 and index + 2 < len(stream):
        if 1 <= stream[index + 2] <= 4 and index + 2 >= len(carry):
            found.append(stream[index + 2])
        start = index + 1
    return found, stream[-2:]
