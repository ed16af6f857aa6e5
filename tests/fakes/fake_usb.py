"""A fake Epson TM on USB, as a pyusb backend: the lowest layer pyusb has, below usb.core.

pyusb asks its backend for the devices, their descriptors, and bulk transfers; this backend
answers like an Epson TM-T88V's printer-class interface: one configuration, interface 0 with a
bulk OUT endpoint 0x01 and a bulk IN endpoint 0x82 (64-byte packets). What goes out reaches
the printer engine (printer_engine.py) while its receive buffer has room, and a transfer
waits otherwise (the device NAKs), timing out as libusb does with LIBUSB_ERROR_TIMEOUT. The
printer's answers wait on the IN endpoint. unplug() removes the device: open handles fail
with ENODEV, and find() no longer lists it until plug(). Setting the configuration of a
device that already has it counts as a reset (libusb documents it as a lightweight reset).
"""

from __future__ import annotations

import array
import errno
import threading
import time
from collections import deque
from types import SimpleNamespace
from typing import Any

import usb.backend  # type: ignore[import-untyped]
import usb.core  # type: ignore[import-untyped]

from .fake_printer import FakeDevice
from .printer_engine import PrinterEngine

EPSON, TM_T88V = 0x04B8, 0x0202
PACKET = 64
OUT_EP, IN_EP = 0x01, 0x82
REPLY_BACKLOG = 4096  # bytes the IN endpoint holds for a host that does not read


class _Handle:
    def __init__(self, generation: int) -> None:
        self.generation = generation


class FakeUsbBackend(usb.backend.IBackend):  # type: ignore[misc]
    def __init__(self, device: FakeUsbPrinter) -> None:
        super().__init__()
        self.fake = device

    def enumerate_devices(self) -> Any:
        return [self.fake.token] if self.fake.plugged else []

    def get_device_descriptor(self, dev: Any) -> Any:
        return SimpleNamespace(
            bLength=18, bDescriptorType=1, bcdUSB=0x0200, bDeviceClass=0, bDeviceSubClass=0,
            bDeviceProtocol=0, bMaxPacketSize0=64, idVendor=self.fake.vendor,
            idProduct=self.fake.product, bcdDevice=0x0100, iManufacturer=1, iProduct=2,
            iSerialNumber=3, bNumConfigurations=1, address=5, bus=1, port_number=1,
            port_numbers=(1,), speed=2,
        )  # fmt: skip

    def get_configuration_descriptor(self, dev: Any, config: int) -> Any:
        return SimpleNamespace(
            bLength=9, bDescriptorType=2, wTotalLength=32, bNumInterfaces=1,
            bConfigurationValue=1, iConfiguration=0, bmAttributes=0xC0, bMaxPower=1,
            extra_descriptors=[],
        )  # fmt: skip

    def get_interface_descriptor(self, dev: Any, intf: int, alt: int, config: int) -> Any:
        return SimpleNamespace(
            bLength=9, bDescriptorType=4, bInterfaceNumber=0, bAlternateSetting=0,
            bNumEndpoints=2, bInterfaceClass=7, bInterfaceSubClass=1, bInterfaceProtocol=2,
            iInterface=0, extra_descriptors=[],
        )  # fmt: skip

    def get_endpoint_descriptor(self, dev: Any, ep: int, intf: int, alt: int, config: int) -> Any:
        return SimpleNamespace(
            bLength=7, bDescriptorType=5, bEndpointAddress=(OUT_EP, IN_EP)[ep],
            bmAttributes=0x02, wMaxPacketSize=PACKET, bInterval=0, bRefresh=0, bSynchAddress=0,
            extra_descriptors=[],
        )  # fmt: skip

    def open_device(self, dev: Any) -> _Handle:
        self.fake.check_plugged(None)
        with self.fake.lock:
            self.fake.opens += 1
            return _Handle(self.fake.generation)

    def close_device(self, dev_handle: _Handle) -> None:
        self.release_interface(dev_handle, 0)

    def set_configuration(self, dev_handle: _Handle, config_value: int) -> None:
        self.fake.check_plugged(dev_handle)
        with self.fake.lock:
            if self.fake.configuration == config_value:
                self.fake.resets += 1
            self.fake.configuration = config_value

    def get_configuration(self, dev_handle: _Handle) -> int:
        self.fake.check_plugged(dev_handle)
        return self.fake.configuration

    def claim_interface(self, dev_handle: _Handle, intf: int) -> None:
        """One owner at a time, as the kernel has it: a second gets EBUSY."""
        self.fake.check_plugged(dev_handle)
        with self.fake.lock:
            owner = self.fake.claimed_by
            if (
                owner is not None
                and owner is not dev_handle
                and owner.generation == self.fake.generation
            ):
                raise usb.core.USBError("Resource busy", -6, errno.EBUSY)
            self.fake.claimed_by = dev_handle

    def release_interface(self, dev_handle: _Handle, intf: int) -> None:
        with self.fake.lock:
            if self.fake.claimed_by is dev_handle:
                self.fake.claimed_by = None

    def reset_device(self, dev_handle: _Handle) -> None:
        self.fake.check_plugged(dev_handle)
        with self.fake.lock:
            self.fake.resets += 1

    def is_kernel_driver_active(self, dev_handle: _Handle, intf: int) -> bool:
        return False

    def detach_kernel_driver(self, dev_handle: _Handle, intf: int) -> None:
        pass

    def bulk_write(self, dev_handle: _Handle, ep: int, intf: int, data: Any, timeout: int) -> int:
        return self.fake.bulk_out(dev_handle, bytes(data), timeout)

    def bulk_read(self, dev_handle: _Handle, ep: int, intf: int, buff: Any, timeout: int) -> int:
        data = self.fake.bulk_in(dev_handle, len(buff), timeout)
        buff[: len(data)] = array.array("B", data)
        return len(data)


class FakeUsbPrinter(FakeDevice):
    """`with FakeUsbPrinter() as printer:`; printer.backend goes to the link under test."""

    def __init__(self, vendor: int = EPSON, product: int = TM_T88V, **options: Any) -> None:
        self.engine = PrinterEngine(**options)
        self.vendor, self.product = vendor, product
        self.lock = threading.Condition()
        self.token = object()
        self.plugged = True
        self.generation = 0
        self.configuration = 0
        self.opens = self.resets = 0
        self.claimed_by: _Handle | None = None
        self.unplug_after: int | None = None  # bytes of bulk OUT, then the cable comes out
        self.out_bytes = 0
        self._replies: deque[int] = deque(maxlen=REPLY_BACKLOG)
        self.backend = FakeUsbBackend(self)

    def __enter__(self) -> FakeUsbPrinter:
        self.engine.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.stop()

    @property
    def url(self) -> str:
        return f"usb://0x{self.vendor:04x}:0x{self.product:04x}"

    def unplug(self) -> None:
        with self.lock:
            self.plugged = False
            self.configuration = 0
            self._replies.clear()
            self.lock.notify_all()
        self.engine.link_lost(self._reply)

    def plug(self) -> None:
        with self.lock:
            self.plugged = True
            self.generation += 1
            self.lock.notify_all()

    def check_plugged(self, handle: _Handle | None) -> None:
        with self.lock:
            gone = not self.plugged or (handle is not None and handle.generation != self.generation)
        if gone:
            raise usb.core.USBError("No such device (it may have been disconnected)", -4,
                                    errno.ENODEV)  # fmt: skip

    def _reply(self, data: bytes) -> None:
        with self.lock:
            if self.plugged:
                self._replies.extend(data)
                self.lock.notify_all()

    def bulk_out(self, handle: _Handle, data: bytes, timeout_ms: int) -> int:
        """Packets go to the printer while it has room; a full buffer NAKs until the timeout."""
        deadline = time.monotonic() + (timeout_ms / 1000 if timeout_ms else 3600)
        taken = 0
        while taken < len(data):
            self.check_plugged(handle)
            room = self.engine.room()
            if room <= 0:
                if time.monotonic() >= deadline:
                    raise usb.core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT)
                time.sleep(0.005)
                continue
            size = min(room, PACKET, len(data) - taken)
            with self.lock:
                if self.unplug_after is not None and self.out_bytes + size >= self.unplug_after:
                    size = self.unplug_after - self.out_bytes
                    cut = True
                else:
                    cut = False
                self.out_bytes += size
            if size:
                self.engine.take(data[taken : taken + size], self._reply)
                taken += size
            if cut:
                self.unplug_after = None
                self.unplug()
                self.check_plugged(handle)
        return taken

    def bulk_in(self, handle: _Handle, size: int, timeout_ms: int) -> bytes:
        deadline = time.monotonic() + (timeout_ms / 1000 if timeout_ms else 3600)
        with self.lock:
            while True:
                if not self.plugged or handle.generation != self.generation:
                    raise usb.core.USBError("No such device (it may have been disconnected)",
                                            -4, errno.ENODEV)  # fmt: skip
                if self._replies:
                    count = min(size, len(self._replies))
                    return bytes(self._replies.popleft() for _ in range(count))
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise usb.core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT)
                self.lock.wait(remaining)
