"""What the printer side knows: the slip to print, a printer's settings, its state and outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Literal
from urllib.parse import parse_qs, urlsplit

WIDTHS = (512, 576)
SCHEMES = ("tcp", "network", "usb", "serial", "file", "cups", "memory")
DIALECTS = ("escpos", "star")
FLOWS = ("none", "rtscts", "xonxoff")
BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


@dataclass(frozen=True)
class TicketSlip:
    """Everything printed on one ticket. No name, no job-seeker number: tickets get thrown away."""

    site_name: str
    label: str  # the number visitors are called by, e.g. "A-023"
    desk_label: str  # the desks as the visitor chose them, in the visitor's language
    issued_at: datetime  # aware; printed in Asia/Tokyo
    people_ahead: int
    status_url: str  # the phone page; carries an unguessable token, never the number
    estimate_low_min: int | None = None
    estimate_high_min: int | None = None
    language: str = "ja"
    translated_line: str | None = None  # one line in the visitor's language
    reissue: bool = False
    # The facts' words in the visitor's language, as (key, text) pairs: estimate, ahead,
    # issued (the labels) and people, minutes, minute, soon (the values' forms); any left
    # out are Japanese (layout.JAPANESE).
    words: tuple[tuple[str, str], ...] = ()
    # The desks in Japanese, printed instead where this machine has no face for the language.
    desk_fallback: str = ""

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None:
            raise ValueError("issued_at must be an aware datetime")
        if self.people_ahead < 0:
            raise ValueError("people_ahead must not be negative")
        if not self.label.strip():
            raise ValueError("label must not be empty")


class PrinterState(StrEnum):
    """What staff screens show for a printer."""

    READY = "ready"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    ERROR = "error"
    UNREACHABLE = "unreachable"
    UNKNOWN = "unknown"

    @property
    def printable(self) -> bool:
        return self in (PrinterState.READY, PrinterState.PAPER_LOW)

    @property
    def stuck(self) -> bool:
        """The printer holds data it cannot print now, and would print it once the fault clears."""
        return self in (
            PrinterState.PAPER_OUT,
            PrinterState.COVER_OPEN,
            PrinterState.OFFLINE,
            PrinterState.ERROR,
        )

    @property
    def label_ja(self) -> str:
        return STATE_LABELS_JA[self]


STATE_LABELS_JA = {
    PrinterState.READY: "印刷できます",
    PrinterState.PAPER_LOW: "用紙残りわずか",
    PrinterState.PAPER_OUT: "用紙切れ",
    PrinterState.COVER_OPEN: "カバーが開いています",
    PrinterState.OFFLINE: "オフライン",
    PrinterState.ERROR: "プリンターエラー",
    PrinterState.UNREACHABLE: "接続できません",
    PrinterState.UNKNOWN: "状態不明",
}


@dataclass(frozen=True)
class PrinterStatus:
    """One answer to a status probe. None means the printer did not say."""

    state: PrinterState
    online: bool | None = None
    cover_open: bool | None = None
    paper_low: bool | None = None
    paper_out: bool | None = None
    error: bool | None = None
    raw: bytes = b""  # the DLE EOT reply bytes, in the order asked
    detail: str = ""


class PrintOutcome(StrEnum):
    """How one attempt on one printer ended."""

    CONFIRMED = "confirmed"  # the printer said everything up to the cut was printed
    SENT_UNCONFIRMED = "sent_unconfirmed"  # bytes went out, no confirmation: maybe printed
    NOT_SENT = "not_sent"  # no byte of the job went out
    STUCK_CLEARED = "stuck_cleared"  # the job got stuck and the printer discarded it
    STUCK_HELD = "stuck_held"  # the job is stuck in the printer and will print later

    @property
    def printed_maybe(self) -> bool:
        """Bytes went out and were not discarded: this ticket must never be sent again by itself."""
        return self in (
            PrintOutcome.CONFIRMED,
            PrintOutcome.SENT_UNCONFIRMED,
            PrintOutcome.STUCK_HELD,
        )

    @property
    def may_fail_over(self) -> bool:
        """Trying the next printer cannot produce a second copy."""
        return not self.printed_maybe


@dataclass(frozen=True)
class PrintResult:
    """One attempt on one printer: the outcome, and what the printer said before and after."""

    printer_id: str
    outcome: PrintOutcome
    before: PrinterStatus
    after: PrinterStatus | None = None
    detail: str = ""
    expected: bool = True  # False when something went wrong: staff should hear of it

    @property
    def status(self) -> PrinterStatus:
        """The latest thing the printer told us."""
        return self.after if self.after is not None else self.before


@dataclass(frozen=True)
class PrinterConfig:
    """One printer, as configured per kiosk.

    url: tcp://HOST[:PORT] (port 9100 unless given; network:// is the same),
    usb://0xVID:0xPID[?in_ep=0x82&out_ep=0x01], serial:///dev/ttyS0[?baudrate=9600&flow=rtscts],
    file:///dev/usb/lp0, cups://QUEUE (or cups://HOST:PORT/QUEUE), memory://[NAME].
    dialect: "escpos" (Epson's ESC/POS, and Star or others emulating it) or "star" (Star's
    own command set: Star Line mode, StarPRNT or Star Graphic mode).
    confirm: "gs_r" asks the printer after the cut (GS r 1 on ESC/POS, ETB on Star) and
    requires a status answer before sending; "none" is for printers that cannot answer.
    stall_timeout: how long sending may make no progress before the job is given up; a slow
    printer that keeps taking data is not given up, up to job_timeout for the whole job.
    """

    id: str
    url: str
    width_dots: Literal[512, 576] = 512
    confirm: Literal["gs_r", "none"] = "gs_r"
    dialect: Literal["escpos", "star"] = "escpos"
    connect_timeout: float = 3.0
    status_timeout: float = 2.0
    confirm_timeout: float = 10.0
    stall_timeout: float = 5.0
    job_timeout: float = 120.0
    clear_timeout: float = 2.0
    connect_retries: int = 2
    retry_backoff: tuple[float, ...] = (0.5, 1.5)
    name: str = ""
    _parsed: tuple[str, str, str, dict[str, str]] = field(
        init=False, repr=False, compare=False, hash=False, default=("", "", "", {})
    )

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("printer id must not be empty")
        if self.width_dots not in WIDTHS:
            raise ValueError(f"printer {self.id}: width_dots must be 512 or 576")
        if self.confirm not in ("gs_r", "none"):
            raise ValueError(f"printer {self.id}: confirm must be 'gs_r' or 'none'")
        if self.dialect not in DIALECTS:
            raise ValueError(f"printer {self.id}: commands must be one of {DIALECTS}")
        timeouts = (
            self.connect_timeout,
            self.status_timeout,
            self.confirm_timeout,
            self.stall_timeout,
            self.job_timeout,
            self.clear_timeout,
        )
        if min(timeouts) <= 0:
            raise ValueError(f"printer {self.id}: timeouts must be positive")
        if self.connect_retries < 0:
            raise ValueError(f"printer {self.id}: connect_retries must not be negative")
        object.__setattr__(self, "_parsed", _parse_url(self.id, self.url))

    @property
    def scheme(self) -> str:
        """tcp, usb, serial, file, cups or memory (network:// is tcp)."""
        return self._parsed[0]

    @property
    def host(self) -> str:
        """tcp and cups: the host; usb: "0xVID:0xPID"; memory: the name."""
        return self._parsed[1]

    @property
    def path(self) -> str:
        """serial and file: the device path; tcp and cups: the port as text."""
        return self._parsed[2]

    @property
    def options(self) -> dict[str, str]:
        return dict(self._parsed[3])

    @property
    def reads_back(self) -> bool:
        """Whether the printer can answer at all on this kind of connection: a device file
        and a CUPS queue cannot, so what they print is sent, never confirmed."""
        return self.scheme not in ("file", "cups") and self.confirm == "gs_r"

    @property
    def baudrate(self) -> int:
        return int(self.options.get("baudrate", "9600"))

    @property
    def flow(self) -> str:
        return self.options.get("flow", "rtscts")

    @property
    def queue(self) -> str:
        """cups: the queue's name."""
        return self.options.get("queue", "")


def _parse_url(printer_id: str, url: str) -> tuple[str, str, str, dict[str, str]]:
    parts = urlsplit(url)
    scheme = "tcp" if parts.scheme == "network" else parts.scheme
    if parts.scheme not in SCHEMES:
        raise ValueError(f"printer {printer_id}: unknown printer url {url!r}; use one of {SCHEMES}")
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if scheme == "tcp":
        if not parts.hostname:
            raise ValueError(f"printer {printer_id}: a tcp url needs a host: {url!r}")
        return scheme, parts.hostname, str(_port(printer_id, url, 9100)), options
    if scheme == "usb":
        vendor, _, product = parts.netloc.partition(":")
        try:
            int(vendor, 16), int(product, 16)
            for key in ("in_ep", "out_ep"):
                int(options.get(key, "0x01"), 16)
        except ValueError as exc:
            raise ValueError(
                f"printer {printer_id}: usb url is usb://0xVID:0xPID: {url!r}"
            ) from exc
        return scheme, parts.netloc, "", options
    if scheme in ("serial", "file"):
        if not parts.path:
            raise ValueError(f"printer {printer_id}: {scheme} url needs a device path: {url!r}")
        if scheme == "serial":
            _check_serial(printer_id, url, options)
        return scheme, "", parts.path, options
    if scheme == "cups":
        return _parse_cups(printer_id, url, options)
    return scheme, parts.netloc, "", options


def _port(printer_id: str, url: str, default: int) -> int:
    try:
        return urlsplit(url).port or default
    except ValueError as exc:
        raise ValueError(f"printer {printer_id}: bad port in {url!r}") from exc


def _check_serial(printer_id: str, url: str, options: dict[str, str]) -> None:
    baudrate = options.get("baudrate", "9600")
    if not baudrate.isdigit() or int(baudrate) not in BAUDRATES:
        raise ValueError(
            f"printer {printer_id}: baudrate must be one of {BAUDRATES}, not {baudrate!r}"
        )
    if options.get("flow", "rtscts") not in FLOWS:
        raise ValueError(f"printer {printer_id}: flow must be one of {FLOWS} in {url!r}")


def _parse_cups(
    printer_id: str, url: str, options: dict[str, str]
) -> tuple[str, str, str, dict[str, str]]:
    """cups://QUEUE on this machine's CUPS (localhost:631), or cups://HOST[:PORT]/QUEUE."""
    parts = urlsplit(url)
    if parts.path.strip("/"):
        host, queue = parts.hostname or "", parts.path.strip("/")
        port = _port(printer_id, url, 631)
    else:
        host, queue, port = "localhost", parts.netloc, 631
    if not host or not queue or "/" in queue:
        raise ValueError(
            f"printer {printer_id}: a cups url is cups://QUEUE or cups://HOST:PORT/QUEUE: {url!r}"
        )
    return "cups", host, str(port), {**options, "queue": queue}
