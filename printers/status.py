"""Read the printer's answers: DLE EOT real-time status bytes and the GS r confirmation."""

from __future__ import annotations

from collections.abc import Mapping

from .model import PrinterState, PrinterStatus

# DLE EOT n: answered on receipt, even while the printer is offline or stuck.
DLE_EOT = {n: bytes((0x10, 0x04, n)) for n in (1, 2, 3, 4)}
PROBE_ORDER = (1, 2, 4)  # n=3 (error cause) only when n=2 reports an error


def is_status_reply(byte: int) -> bool:
    """DLE EOT answers always look like 0xx1xx10."""
    return byte & 0x93 == 0x12


def is_asb_header(byte: int) -> bool:
    """The first of the four automatic status back bytes looks like 0xx1xx00."""
    return byte & 0x93 == 0x10


def is_confirmation(byte: int) -> bool:
    """GS r answers look like 0xx0xxxx; stray status bytes and ASB headers do not."""
    return byte & 0x90 == 0


def parse_status(replies: Mapping[int, int]) -> PrinterStatus:
    """Turn the DLE EOT answers received (n -> byte) into a state; missing answers stay None."""
    raw = bytes(replies[n] for n in sorted(replies))
    if not replies:
        return PrinterStatus(PrinterState.UNKNOWN, detail="the printer did not answer")
    bad = [n for n, byte in replies.items() if not is_status_reply(byte)]
    if bad:
        return PrinterStatus(PrinterState.UNKNOWN, raw=raw, detail=f"malformed answer to n={bad}")
    printer, cause, errors, paper = (replies.get(n) for n in (1, 2, 3, 4))
    online = None if printer is None else not printer & 0x08
    cover_open = None if cause is None else bool(cause & 0x04)
    paper_out = _any_set((paper, 0x60), (cause, 0x20))
    paper_low = None if paper is None else bool(paper & 0x0C)
    error = _any_set((cause, 0x40), (errors, 0x68))
    if cover_open:
        state = PrinterState.COVER_OPEN
    elif paper_out:
        state = PrinterState.PAPER_OUT
    elif error:
        state = PrinterState.ERROR
    elif online is False:
        state = PrinterState.OFFLINE
    elif online is None or paper is None:
        state = PrinterState.UNKNOWN
    elif paper_low:
        state = PrinterState.PAPER_LOW
    else:
        state = PrinterState.READY
    return PrinterStatus(
        state=state,
        online=online,
        cover_open=cover_open,
        paper_low=paper_low,
        paper_out=paper_out,
        error=error,
        raw=raw,
    )


def _any_set(*checks: tuple[int | None, int]) -> bool | None:
    seen = [byte for byte, _ in checks if byte is not None]
    if not seen:
        return None
    return any(byte is not None and byte & mask for byte, mask in checks)


def unreachable(detail: str) -> PrinterStatus:
    return PrinterStatus(PrinterState.UNREACHABLE, detail=detail)


def unknown(detail: str) -> PrinterStatus:
    return PrinterStatus(PrinterState.UNKNOWN, detail=detail)
