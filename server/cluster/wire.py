"""A kept-alive HTTP/1.1 connection from one process of the cluster to another, as lean as
the hop to a site's owner needs: the request in one send, the answer read from one buffer.

http.client parses an answer's headers with the email package, a third of its cost; the
owner is another madoguchi process, whose answers are plain HTTP/1.1 (a length, or chunks).
"""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

Answer = tuple[int, list[tuple[str, str]], bytes]


class Link:
    """One connection to `address` ("http://host:port" or https)."""

    def __init__(self, address: str, timeout: float) -> None:
        parts = urlsplit(address)
        host = parts.hostname or ""
        secure = parts.scheme == "https"
        sock = socket.create_connection((host, parts.port or (443 if secure else 80)),
                                        timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if secure:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        self.sock = sock
        self.netloc = parts.netloc
        self.buffer = bytearray()
        self.reusable = True

    def close(self) -> None:
        self.reusable = False
        self.sock.close()

    def ask(self, method: str, target: str, headers: list[tuple[str, str]],
            body: bytes) -> Answer:
        """Send the request; its answer's status, headers and body."""
        head = [f"{method} {target} HTTP/1.1", f"Host: {self.netloc}",
                f"Content-Length: {len(body)}", *(f"{n}: {v}" for n, v in headers)]
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        status_line, *lines = self._until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        version, code = status_line.split(" ", 2)[:2]
        status = int(code)
        found = []
        for line in lines:
            name, _, value = line.partition(":")
            found.append((name.strip(), value.strip()))
        said = {name.lower(): value.lower() for name, value in found}
        if method == "HEAD" or status in (204, 304) or status < 200:
            data = b""
        elif "chunked" in said.get("transfer-encoding", ""):
            data = self._chunks()
        elif "content-length" in said:
            data = self._exactly(int(said["content-length"]))
        else:  # to the end of the connection
            while chunk := self.sock.recv(65536):
                self.buffer += chunk
            data, self.reusable = bytes(self.buffer), False
        if version != "HTTP/1.1" or "close" in said.get("connection", ""):
            self.reusable = False
        return status, found, data

    def _more(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the other process closed the connection")
        self.buffer += chunk

    def _until(self, marker: bytes) -> bytes:
        while (end := self.buffer.find(marker)) < 0:
            self._more()
        found = bytes(self.buffer[:end])
        del self.buffer[:end + len(marker)]
        return found

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._more()
        found = bytes(self.buffer[:size])
        del self.buffer[:size]
        return found

    def _chunks(self) -> bytes:
        data = bytearray()
        while size := int(self._until(b"\r\n").split(b";")[0], 16):
            data += self._exactly(size)
            self._until(b"\r\n")
        while self._until(b"\r\n"):  # trailers, up to the empty line
            pass
        return bytes(data)
