"""Byte links to a printer: TCP, USB, a serial line, a device file; each call with its own timeout.

A link is held by one printer's worker only. `send` returns how much the link took within the
timeout, so a slow printer that keeps taking data is seen to progress, and a stuck one to stop.
USB and serial links stay open between jobs and status checks (opening a USB device resets
nothing of ours, but each open costs a configuration round and a serial open toggles DTR);
a TCP link is opened per job, because a printer's port 9100 serves one connection at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from ..model import PrinterConfig

T = TypeVar("T")
Blocking = Callable[[Callable[[], Any]], Any]  # runs a blocking call off the event loop


def direct(call: Callable[[], T]) -> T:
    return call()


class LinkError(OSError):
    """The link broke or cannot be opened: closed, reset, unplugged, no such device."""


class Link(Protocol):
    """One open connection to one printer."""

    can_read: bool  # the printer's answers come back on it
    keep_open: bool  # worth keeping between jobs (USB, serial)
    chunk: int  # bytes handed to send() at a time: the unit of progress
    exact_unsent: bool  # unsent() is exact: what left this machine reached the printer

    def send(self, data: bytes, timeout: float) -> int:
        """How many bytes the link took within the timeout (0: none); LinkError when broken."""
        ...

    def read(self, timeout: float) -> bytes:
        """Some bytes, or b"" when nothing came within the timeout; LinkError when closed."""
        ...

    def unsent(self) -> int:
        """Bytes taken by send() that have not yet left for the printer, if the link knows."""
        ...

    def ready_at(self) -> float:
        """When (time.monotonic) the link itself can take more: a serial line still busy
        with what it was given is not a printer that stopped taking data."""
        ...

    def drain_seconds(self, size: int) -> float:
        """How long the line itself needs to carry `size` bytes (a serial line's speed)."""
        ...

    def abort(self) -> None:
        """Close at once, dropping what has not been sent yet (a given-up job's rest)."""
        ...

    def close(self) -> None: ...


def open_link(config: PrinterConfig, blocking: Blocking = direct, usb_backend: Any = None) -> Link:
    """Open the configured link; LinkError when it cannot be opened."""
    options = config.options
    if config.scheme == "tcp":
        from .network import NetworkLink

        return NetworkLink(config.host, int(config.path), config.connect_timeout)
    if config.scheme == "serial":
        from .serial import SerialLink

        return SerialLink(config.path, config.baudrate, config.flow)
    if config.scheme == "usb":
        from .usb import UsbLink

        vendor, _, product = config.host.partition(":")
        in_ep = int(options.get("in_ep", "0x82"), 16)
        out_ep = int(options.get("out_ep", "0x01"), 16)
        return UsbLink(int(vendor, 16), int(product, 16), in_ep, out_ep, blocking, usb_backend)
    if config.scheme == "file":
        from .file import FileLink

        return FileLink(config.path)
    raise ValueError(f"printer {config.id}: {config.scheme}:// has no byte link")
