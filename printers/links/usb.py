"""USB bulk endpoints through python-escpos's Usb transport and pyusb (libusb-1.0 from Debian).

The device is opened once and kept: python-escpos's own open() sets the configuration and
resets the device every time, and libusb turns setting an already active configuration into
a reset as well; a printer reset on every ticket and status check. Here the configuration
is set only when the device has none. pyusb calls block in C, so each runs through
`blocking` (the server passes its thread pool); pyusb timeouts are milliseconds.
"""

from __future__ import annotations

from typing import Any

from . import Blocking, LinkError

READ_SIZE = 64


def _kept_usb_class() -> Any:
    from escpos.printer import Usb  # type: ignore[import-untyped]

    class KeptUsb(Usb):  # type: ignore[misc]
        def _configure_usb(self) -> None:
            import usb.core  # type: ignore[import-untyped]

            if not self.device:
                return
            try:
                self.device.get_active_configuration()
            except usb.core.USBError:
                self.device.set_configuration()

    return KeptUsb


class UsbLink:
    can_read = True
    exact_unsent = True
    keep_open = True
    chunk = 4096

    def __init__(
        self,
        vendor: int,
        product: int,
        in_ep: int,
        out_ep: int,
        blocking: Blocking,
        backend: Any = None,
    ) -> None:
        try:
            import usb.core  # noqa: F401
        except ImportError as exc:
            raise LinkError("USB printers need pyusb (python-escpos[usb])") from exc
        self._in_ep, self._out_ep = in_ep, out_ep
        self._blocking = blocking
        self._name = f"usb {vendor:04x}:{product:04x}"
        usb_args = {"backend": backend} if backend is not None else {}
        printer = _kept_usb_class()(vendor, product, usb_args=usb_args, in_ep=in_ep, out_ep=out_ep)
        try:
            blocking(printer.open)
        except Exception as exc:  # python-escpos wraps pyusb's errors in its own
            raise LinkError(f"cannot open {self._name}: {_first_line(exc)}") from exc
        if printer.device is None:
            raise LinkError(f"cannot open {self._name}: not found")
        self._printer = printer
        self._device = printer.device

    def send(self, data: bytes, timeout: float) -> int:
        import usb.core

        ms = max(1, int(timeout * 1000))
        try:
            sent: int = self._blocking(lambda: self._device.write(self._out_ep, data, ms))
        except usb.core.USBTimeoutError:
            return 0
        except (usb.core.USBError, ValueError) as exc:
            raise LinkError(f"write to {self._name} failed: {exc}") from exc
        return sent

    def read(self, timeout: float) -> bytes:
        import usb.core

        ms = max(1, int(timeout * 1000))
        try:
            data = self._blocking(lambda: self._device.read(self._in_ep, READ_SIZE, ms))
        except usb.core.USBTimeoutError:
            return b""
        except (usb.core.USBError, ValueError) as exc:
            raise LinkError(f"read from {self._name} failed: {exc}") from exc
        return bytes(data)

    def unsent(self) -> int:
        return 0  # a bulk write returns once the device has taken the data

    def ready_at(self) -> float:
        return 0.0

    def drain_seconds(self, size: int) -> float:
        return 0.0

    def abort(self) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._blocking(self._printer.close)
        except Exception:  # an unplugged device may fail to release; nothing left to do
            pass


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
