"""Byte links to a printer over python-escpos's transports, each call with its own timeout."""

from __future__ import annotations

import socket
from typing import Any, Protocol

from escpos.printer import File, Network, Serial, Usb  # type: ignore[import-untyped]

from .model import PrinterConfig


class LinkError(OSError):
    """The link broke: the printer closed it, reset it, or a write did not finish in time."""


class Link(Protocol):
    """One open connection to one printer. Only the printer's worker holds it."""

    can_read: bool

    def write(self, data: bytes, timeout: float) -> None: ...

    def read(self, timeout: float) -> bytes:
        """Some bytes, or b"" when nothing came within the timeout; LinkError when closed."""
        ...

    def close(self) -> None: ...


class NetworkLink:
    """Port 9100. We connect the socket ourselves so a refused connection leaks nothing."""

    can_read = True

    def __init__(self, host: str, port: int, connect_timeout: float) -> None:
        try:
            sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as exc:
            raise LinkError(f"cannot connect to {host}:{port}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._printer: Any = Network(host, port, timeout=connect_timeout)
        self._printer.device = sock

    def write(self, data: bytes, timeout: float) -> None:
        self._sock.settimeout(timeout)
        try:
            self._printer._raw(data)
        except OSError as exc:
            raise LinkError(f"write failed: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        self._sock.settimeout(max(timeout, 0.001))
        try:
            data: bytes = self._printer._read()
        except TimeoutError:
            return b""
        except OSError as exc:
            raise LinkError(f"read failed: {exc}") from exc
        if not data:
            raise LinkError("the printer closed the connection")
        return data

    def close(self) -> None:
        try:
            self._printer.close()
        finally:
            self._sock.close()


class SerialLink:
    """RS-232 through pyserial (python-escpos[serial])."""

    can_read = True

    def __init__(self, devfile: str, baudrate: int, connect_timeout: float) -> None:
        if not Serial.is_usable():
            raise LinkError("serial printers need pyserial: pip install 'python-escpos[serial]'")
        try:
            self._printer: Any = Serial(devfile, baudrate=baudrate, timeout=connect_timeout)
            self._printer.open()
        except Exception as exc:  # pyserial and python-escpos raise several kinds
            raise LinkError(f"cannot open {devfile}: {exc}") from exc

    def write(self, data: bytes, timeout: float) -> None:
        self._printer.device.write_timeout = timeout
        try:
            self._printer._raw(data)
        except Exception as exc:
            raise LinkError(f"write failed: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        self._printer.device.timeout = timeout
        try:
            data: bytes = self._printer._read()
        except Exception as exc:
            raise LinkError(f"read failed: {exc}") from exc
        return data

    def close(self) -> None:
        self._printer.close()


class UsbLink:
    """USB bulk endpoints through pyusb (python-escpos[usb]); pyusb timeouts are milliseconds."""

    can_read = True

    def __init__(self, vendor: int, product: int, in_ep: int, out_ep: int) -> None:
        self._in_ep = in_ep
        if not Usb.is_usable():
            raise LinkError("USB printers need pyusb: pip install 'python-escpos[usb]'")
        try:
            self._printer: Any = Usb(vendor, product, timeout=1000, in_ep=in_ep, out_ep=out_ep)
            self._printer.open()
        except Exception as exc:
            raise LinkError(f"cannot open usb {vendor:04x}:{product:04x}: {exc}") from exc

    def write(self, data: bytes, timeout: float) -> None:
        self._printer.timeout = max(1, int(timeout * 1000))
        try:
            self._printer._raw(data)
        except Exception as exc:
            raise LinkError(f"write failed: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        try:
            data = self._printer.device.read(self._in_ep, 16, max(1, int(timeout * 1000)))
        except Exception as exc:
            if type(exc).__name__ == "USBTimeoutError":
                return b""
            raise LinkError(f"read failed: {exc}") from exc
        return bytes(data)

    def close(self) -> None:
        self._printer.close()


class FileLink:
    """A device file such as /dev/usb/lp0: write-only in python-escpos 3.1."""

    can_read = False

    def __init__(self, devfile: str) -> None:
        try:
            self._printer: Any = File(devfile, auto_flush=True)
            self._printer.open()
        except Exception as exc:
            raise LinkError(f"cannot open {devfile}: {exc}") from exc

    def write(self, data: bytes, timeout: float) -> None:
        try:
            self._printer._raw(data)
        except Exception as exc:
            raise LinkError(f"write failed: {exc}") from exc

    def read(self, timeout: float) -> bytes:
        raise LinkError("this device cannot be read")

    def close(self) -> None:
        self._printer.close()


def open_link(config: PrinterConfig) -> Link:
    """Open the configured transport; LinkError when it cannot be opened."""
    options = config.options
    if config.scheme == "network":
        return NetworkLink(config.host, int(config.path), config.connect_timeout)
    if config.scheme == "serial":
        baudrate = int(options.get("baudrate", "9600"))
        return SerialLink(config.path, baudrate, config.connect_timeout)
    if config.scheme == "usb":
        vendor, _, product = config.host.partition(":")
        in_ep = int(options.get("in_ep", "0x82"), 16)
        out_ep = int(options.get("out_ep", "0x01"), 16)
        return UsbLink(int(vendor, 16), int(product, 16), in_ep, out_ep)
    if config.scheme == "file":
        return FileLink(config.path)
    raise ValueError(f"printer {config.id}: {config.scheme}:// has no link; use MemoryPrinter")
