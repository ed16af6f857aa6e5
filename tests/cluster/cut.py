"""A TCP relay the test can cut: a server's way to PostgreSQL or Redis, lost and found again
as a network would lose it (connections dropped, new ones refused) or held (nothing answers),
without touching the shared database or Redis themselves."""

from __future__ import annotations

import socket
import threading

from tests.harness import free_port


class Cuttable:
    """Listens on a free port and relays each connection to `target`, until `cut()`."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.2)
        self.open = threading.Event()
        self.open.set()
        self.flowing = threading.Event()  # cleared by hold()
        self.flowing.set()
        self.stopped = threading.Event()
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.open.is_set():
                client.close()  # refused, as an unreachable server would be
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)  # a kept connection may idle for as long as it likes
            client.settimeout(None)
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                self.flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """Drop every connection and refuse new ones."""
        self.open.clear()
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.sockets.clear()

    def mend(self) -> None:
        self.open.set()

    def hold(self) -> None:
        """Pass nothing on, connections kept open (new ones too): a server that stopped
        answering, or, as far as the client can tell for minutes, a network that drops
        everything."""
        self.flowing.clear()

    def release(self) -> None:
        """Pass on what was held, and the rest."""
        self.flowing.set()

    def close(self) -> None:
        self.flowing.set()
        self.cut()
        self.stopped.set()
        self.listener.close()
        self.thread.join(5)
