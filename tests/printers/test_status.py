"""Reading status bytes, and reading a printer's configuration."""

from __future__ import annotations

import pytest

from printers.model import PrinterConfig, PrinterState, PrintOutcome
from printers.status import is_asb_header, is_confirmation, is_status_reply, parse_status


@pytest.mark.parametrize(
    ("replies", "state"),
    [
        ({1: 0x12, 2: 0x12, 4: 0x12}, PrinterState.READY),
        ({1: 0x12, 2: 0x12, 4: 0x1E}, PrinterState.PAPER_LOW),
        ({1: 0x1A, 2: 0x32, 4: 0x7E}, PrinterState.PAPER_OUT),
        ({1: 0x1A, 2: 0x16, 4: 0x12}, PrinterState.COVER_OPEN),
        ({1: 0x1A, 2: 0x36, 4: 0x7E}, PrinterState.COVER_OPEN),
        ({1: 0x1A, 2: 0x12, 4: 0x12}, PrinterState.OFFLINE),
        ({1: 0x1A, 2: 0x52, 3: 0x1A, 4: 0x12}, PrinterState.ERROR),
        ({1: 0x12, 2: 0x12}, PrinterState.UNKNOWN),
        ({}, PrinterState.UNKNOWN),
        ({1: 0x00, 2: 0x12, 4: 0x12}, PrinterState.UNKNOWN),
    ],
)
def test_dle_eot_answers_map_to_a_state(replies: dict[int, int], state: PrinterState) -> None:
    assert parse_status(replies).state is state


def test_paper_out_status_keeps_every_detail() -> None:
    status = parse_status({1: 0x1A, 2: 0x32, 4: 0x7E})
    assert status.online is False
    assert status.paper_out is True
    assert status.cover_open is False
    assert status.raw == b"\x1a\x32\x7e"


@pytest.mark.parametrize("byte", [0x12, 0x16, 0x1A, 0x1E, 0x32, 0x36, 0x52, 0x7E])
def test_status_answers_are_never_taken_for_confirmations(byte: int) -> None:
    assert is_status_reply(byte)
    assert not is_confirmation(byte)
    assert not is_asb_header(byte)


@pytest.mark.parametrize("byte", [0x00, 0x03, 0x0C, 0x0F])
def test_gs_r_answers_are_confirmations(byte: int) -> None:
    assert is_confirmation(byte)
    assert not is_status_reply(byte)


def test_asb_header_is_recognised() -> None:
    assert is_asb_header(0x14) and is_asb_header(0x10)
    assert not is_confirmation(0x14)


@pytest.mark.parametrize(
    ("url", "scheme", "host", "path"),
    [
        ("tcp://192.0.2.10:9100", "tcp", "192.0.2.10", "9100"),
        ("tcp://192.0.2.10", "tcp", "192.0.2.10", "9100"),
        ("network://192.0.2.10:9101", "tcp", "192.0.2.10", "9101"),
        ("network://printer-1", "tcp", "printer-1", "9100"),
        ("cups://kiosk-printer", "cups", "localhost", "631"),
        ("cups://127.0.0.1:8631/kiosk", "cups", "127.0.0.1", "8631"),
        ("usb://0x04b8:0x0202", "usb", "0x04b8:0x0202", ""),
        ("serial:///dev/ttyUSB0?baudrate=38400", "serial", "", "/dev/ttyUSB0"),
        ("file:///dev/usb/lp0", "file", "", "/dev/usb/lp0"),
        ("memory://", "memory", "", ""),
    ],
)
def test_printer_urls_are_understood(url: str, scheme: str, host: str, path: str) -> None:
    config = PrinterConfig(id="p", url=url)
    assert (config.scheme, config.host, config.path) == (scheme, host, path)


def test_serial_options_come_from_the_query() -> None:
    config = PrinterConfig(id="p", url="serial:///dev/ttyUSB0?baudrate=38400&flow=xonxoff")
    assert config.options == {"baudrate": "38400", "flow": "xonxoff"}
    assert (config.baudrate, config.flow) == (38400, "xonxoff")
    default = PrinterConfig(id="p", url="serial:///dev/ttyS0")
    assert (default.baudrate, default.flow) == (9600, "rtscts")


def test_a_cups_url_names_the_queue() -> None:
    assert PrinterConfig(id="p", url="cups://tm-t88").queue == "tm-t88"
    assert PrinterConfig(id="p", url="cups://host:8631/tm-t88").queue == "tm-t88"
    assert not PrinterConfig(id="p", url="cups://tm-t88").reads_back
    assert not PrinterConfig(id="p", url="file:///dev/usb/lp0").reads_back
    assert PrinterConfig(id="p", url="tcp://192.0.2.10").reads_back


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "lpt://1"}, "unknown printer url"),
        ({"url": "network://"}, "needs a host"),
        ({"url": "tcp://:9100"}, "needs a host"),
        ({"url": "tcp://printer:99999"}, "bad port"),
        ({"url": "serial:///dev/ttyS0?baudrate=9601"}, "baudrate"),
        ({"url": "serial:///dev/ttyS0?flow=dtr"}, "flow"),
        ({"url": "cups://"}, "cups://QUEUE"),
        ({"url": "usb://0x04b8:0x0202?in_ep=x"}, "0xVID:0xPID"),
        ({"dialect": "zpl"}, "commands"),
        ({"url": "usb://epson"}, "0xVID:0xPID"),
        ({"url": "serial://"}, "device path"),
        ({"width_dots": 384}, "512 or 576"),
        ({"confirm": "maybe"}, "confirm"),
        ({"confirm_timeout": 0}, "positive"),
        ({"id": ""}, "id"),
    ],
)
def test_bad_printer_configuration_is_refused_with_a_reason(
    changes: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {"id": "p", "url": "memory://"}
    values.update(changes)
    with pytest.raises(ValueError, match=message):
        PrinterConfig(**values)  # type: ignore[arg-type]


def test_only_outcomes_without_bytes_on_paper_allow_failover() -> None:
    allowed = {outcome for outcome in PrintOutcome if outcome.may_fail_over}
    assert allowed == {PrintOutcome.NOT_SENT, PrintOutcome.STUCK_CLEARED}
