"""Just enough IPP (RFC 8010/8011) to hand a raw job to CUPS and follow it: Print-Job,
Get-Job-Attributes, Cancel-Job and Get-Printer-Attributes, over HTTP to cupsd.

Written from the RFCs, so no compiled binding (pycups needs libcups's headers to build, and
its calls block the server's event loop); the socket is a plain one, which gevent makes
cooperative. Tested against a real cupsd (tests/printers/test_cups.py).
"""

from __future__ import annotations

import http.client
import struct
from dataclasses import dataclass, field
from typing import Any

PRINT_JOB, CANCEL_JOB, GET_JOB_ATTRIBUTES, GET_PRINTER_ATTRIBUTES = 0x0002, 0x0008, 0x0009, 0x000B
OPERATION, JOB, PRINTER, END = 0x01, 0x02, 0x04, 0x03
INTEGER, BOOLEAN, ENUM = 0x21, 0x22, 0x23
TEXT, NAME, KEYWORD, URI, CHARSET, LANGUAGE, MIME = 0x41, 0x42, 0x44, 0x45, 0x47, 0x48, 0x49
JOB_STATES = {
    3: "pending",
    4: "pending-held",
    5: "processing",
    6: "processing-stopped",
    7: "canceled",
    8: "aborted",
    9: "completed",
}
PRINTER_STATES = {3: "idle", 4: "processing", 5: "stopped"}


class IppError(OSError):
    """CUPS could not be reached, or refused the request."""


@dataclass
class Response:
    status: int
    groups: list[tuple[int, dict[str, list[Any]]]] = field(default_factory=list)

    def first(self, group: int, name: str, default: Any = None) -> Any:
        for tag, attributes in self.groups:
            if tag == group and name in attributes:
                return attributes[name][0]
        return default

    def all(self, group: int, name: str) -> list[Any]:
        for tag, attributes in self.groups:
            if tag == group and name in attributes:
                return attributes[name]
        return []


def _attribute(tag: int, name: str, values: list[Any]) -> bytes:
    out = bytearray()
    for index, value in enumerate(values):
        if tag in (INTEGER, ENUM):
            raw = struct.pack(">i", value)
        elif tag == BOOLEAN:
            raw = b"\x01" if value else b"\x00"
        else:
            raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        key = name.encode("ascii") if index == 0 else b""
        out += struct.pack(">BH", tag, len(key)) + key + struct.pack(">H", len(raw)) + raw
    return bytes(out)


def encode_request(
    operation: int, request_id: int, attributes: list[tuple[int, str, list[Any]]]
) -> bytes:
    body = bytearray(struct.pack(">HHI", 0x0200, operation, request_id))
    body.append(OPERATION)
    body += _attribute(CHARSET, "attributes-charset", ["utf-8"])
    body += _attribute(LANGUAGE, "attributes-natural-language", ["en"])
    for tag, name, values in attributes:
        body += _attribute(tag, name, values)
    body.append(END)
    return bytes(body)


def decode_response(data: bytes) -> Response:
    if len(data) < 9:
        raise IppError("a short IPP answer")
    _, status, _ = struct.unpack(">HHI", data[:8])
    response = Response(status)
    at, name = 8, ""
    current: dict[str, list[Any]] | None = None
    while at < len(data):
        tag = data[at]
        at += 1
        if tag == END:
            break
        if tag < 0x10:  # a delimiter: a new attribute group
            current = {}
            response.groups.append((tag, current))
            continue
        if at + 2 > len(data) or current is None:
            raise IppError("a malformed IPP answer")
        (name_length,) = struct.unpack(">H", data[at : at + 2])
        at += 2
        if name_length:
            name = data[at : at + name_length].decode("utf-8", "replace")
        at += name_length
        (value_length,) = struct.unpack(">H", data[at : at + 2])
        at += 2
        raw = data[at : at + value_length]
        at += value_length
        current.setdefault(name, []).append(_value(tag, raw))
    return response


def _value(tag: int, raw: bytes) -> Any:
    if tag in (INTEGER, ENUM) and len(raw) == 4:
        return struct.unpack(">i", raw)[0]
    if tag == BOOLEAN and len(raw) == 1:
        return raw != b"\x00"
    if 0x40 <= tag <= 0x4F:
        return raw.decode("utf-8", "replace")
    return raw


class IppClient:
    """One CUPS server; each request on its own short HTTP connection."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._request_id = 0

    def printer_uri(self, queue: str) -> str:
        return f"ipp://{self.host}:{self.port}/printers/{queue}"

    def call(
        self,
        path: str,
        operation: int,
        attributes: list[tuple[int, str, list[Any]]],
        document: bytes = b"",
    ) -> Response:
        self._request_id = self._request_id % 0x7FFFFFFF + 1
        body = encode_request(operation, self._request_id, attributes) + document
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request("POST", path, body, {"Content-Type": "application/ipp"})
            answer = connection.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            raise IppError(f"cannot reach CUPS at {self.host}:{self.port}: {exc}") from exc
        finally:
            connection.close()
        if answer.status != 200:
            raise IppError(f"CUPS answered HTTP {answer.status} {answer.reason}")
        return decode_response(data)
