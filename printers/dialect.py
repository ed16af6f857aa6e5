"""What a printer's command set must do for the printer's worker: ESC/POS and Star's own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .links import Link
from .model import PrinterStatus


@dataclass(frozen=True)
class Torn:
    """A job that ended with the printer possibly inside one of its commands."""

    open_left: int  # zero bytes that finish whatever command it may be inside of
    detail: str


class Replies(Protocol):
    """The printer's answers on one link, sorted as they come."""

    confirmed: bool

    def expect_confirmation(self) -> None: ...

    def confirmation(self, timeout: float) -> bool: ...


class Dialect(Protocol):
    name: str
    confirm_request: bytes  # asks the printer to answer once everything before it printed
    can_clear: bool  # the printer can drop what it holds, and say so

    def replies(self, link: Link) -> Replies: ...

    def probe(self, link: Link, replies: Replies, timeout: float) -> PrinterStatus: ...

    def clear(self, link: Link, replies: Replies, timeout: float) -> bool: ...

    def open_command_left(self, job: bytes, delivered: int, sent: int) -> int:
        """At most how many bytes of a command the printer may still be waiting for."""
        ...

    def recovery(self, open_left: int) -> bytes:
        """What brings the printer back to a known state after a torn job, confirmation last."""
        ...
