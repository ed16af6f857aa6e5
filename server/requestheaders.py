"""A request's header lines, read for gevent's WSGI handler without the email package.

gevent reads them with http.client.parse_headers, which hands the lines to the email
package's parser: 5-8 % of a cluster's server time on kiosks' tickets, measured. This reads
the same lines, with the same limits (a line of at most 65,536 bytes, at most 100 lines),
into what the handler asks of them (`get`, `del`, `headers`, `typeheader`, `getheader`,
`status`). A line that is neither a header nor the continuation of one makes the request
invalid (400), where the email package would quietly have taken it and every line after it
for a body.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

LINE_LIMIT = 65536  # http.client's _MAXLINE
COUNT_LIMIT = 100  # http.client's _MAXHEADERS


class RequestHeaders:
    """The header fields of one request, in order, names as sent."""

    def __init__(self, fields: list[tuple[str, str]], status: str = "") -> None:
        self.fields = fields
        self.status = status  # gevent answers 400 if this is not empty

    @classmethod
    def read(cls, rfile: Any) -> RequestHeaders:
        """The lines up to the empty one that ends the head."""
        fields: list[tuple[str, str]] = []
        for _ in range(COUNT_LIMIT + 1):
            raw = rfile.readline(LINE_LIMIT + 1)
            if len(raw) > LINE_LIMIT:
                return cls([], "Line too long")
            if raw in (b"\r\n", b"\n", b""):
                return cls(fields)
            line = raw.decode("latin-1").rstrip("\r\n")
            if line[:1] in (" ", "\t"):  # obsolete folding: the last field goes on
                if not fields:
                    return cls([], "Invalid header line")
                name, value = fields[-1]
                fields[-1] = (name, f"{value} {line.strip()}")
                continue
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                return cls([], "Invalid header line")
            fields.append((name, value.strip()))
        return cls([], "Too many headers")

    def get(self, name: str, default: Any = None) -> Any:
        """The first field of that name (any case), as email.message.Message.get."""
        wanted = name.lower()
        for field, value in self.fields:
            if field.lower() == wanted:
                return value
        return default

    getheader = get

    def __delitem__(self, name: str) -> None:
        wanted = name.lower()
        self.fields = [(f, v) for f, v in self.fields if f.lower() != wanted]

    @property
    def typeheader(self) -> str | None:
        return self.get("content-type")  # type: ignore[no-any-return]

    @property
    def headers(self) -> Iterator[str]:
        """The fields as lines, as gevent's handler reads them into the environ."""
        for name, value in self.fields:
            yield f"{name}: {value}\r\n"
