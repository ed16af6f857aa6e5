"""A real server whose kiosks print on fake network printers on 127.0.0.1, one site per story.

The fake printers start first (their ports go into the site file) and live as long as the
server. Each test has a site of its own, so its printers' paper, covers and jobs are its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.fake_file import FakeFilePrinter
from tests.fakes.fake_printer import FakeDevice, FakePrinter
from tests.harness import ServerProcess, site_file, token
from tests.realtime.clients import RecordingClient

# Site id -> the options of its kiosk's fake printers, in failover order.
PRINTER_SITES: dict[str, list[dict[str, Any]]] = {
    "pready": [{}],
    "pfailover": [{}, {}],
    "pdown": [{}, {}],
    "pjam": [{}],
    "pheld": [{"supports_clear": False}, {}],
    "pretry": [{}],
    "preprint": [{}, {}],
    "pstate": [{}],
    "pfile": [{"kind": "file"}],  # a device file: nothing comes back
    "pwords": [{}],
}
# Short enough that a printer that never confirms costs a test about a second.
TIMEOUTS = "connect_timeout = 1.0\nstatus_timeout = 0.5\nconfirm_timeout = 1.5\n"


def printers_toml(site: str, urls: list[str]) -> str:
    return "".join(
        f'\n[[sites.printers]]\nid = "{site}-p{n}"\nname = "発券機プリンター{n}"\n'
        f'url = "{url}"\n{TIMEOUTS}'
        for n, url in enumerate(urls, 1)
    )


def printing_site_file(fakes: dict[str, list[Any]]) -> str:
    """The harness's test sites, each kiosk printing on its own fakes in order."""
    text = site_file(
        list(fakes),
        extra={
            site: printers_toml(site, [f.url for f in printers]) for site, printers in fakes.items()
        },
    )
    for site, printers in fakes.items():
        ids = ", ".join(f'"{site}-p{n}"' for n in range(1, len(printers) + 1))
        kiosk = f'token = "token-{site}-kiosk"\n'
        text = text.replace(kiosk, f"{kiosk}printers = [{ids}]\n")
    return text


@dataclass
class PrintingServer:
    server: ServerProcess
    fakes: dict[str, list[Any]]


@pytest.fixture(scope="session")
def printing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrintingServer]:
    with ExitStack() as stack:
        devices = Path(tmp_path_factory.mktemp("devices"))

        def fake(site: str, options: dict[str, Any]) -> FakeDevice:
            if options.get("kind") == "file":
                (devices / site).mkdir()
                return stack.enter_context(FakeFilePrinter(devices / site))
            return stack.enter_context(FakePrinter(**options))

        fakes = {
            site: [fake(site, options) for options in printers]
            for site, printers in PRINTER_SITES.items()
        }
        workdir = Path(tmp_path_factory.mktemp("printing"))
        proc = ServerProcess(workdir, list(fakes), sites_text=printing_site_file(fakes))
        proc.init()
        proc.start()
        try:
            yield PrintingServer(proc, fakes)
        finally:
            proc.stop()


class Watcher(RecordingClient):
    """A recording client that also keeps the printing pushes: "print" and "printer"."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url, token)
        self.sio.on("print", lambda data: self._record("print", data))
        self.sio.on("printer", lambda data: self._record("printer", data))

    def got(self, name: str) -> list[dict[str, Any]]:
        with self._changed:
            return [data for kind, data in self.messages if kind == name]

    def wait_for_print(self, ticket_id: int, timeout: float = 15.0) -> dict[str, Any]:
        self.wait_for(lambda c: any(m["ticket"] == ticket_id for m in self.got("print")), timeout)
        return next(m for m in self.got("print") if m["ticket"] == ticket_id)


@pytest.fixture
def watch() -> Iterator[Any]:
    """`watch(server, site, device)`: a connected Watcher for that device, closed after."""
    opened: list[Watcher] = []

    def open_watcher(server: ServerProcess, site: str, device: str) -> Watcher:
        watcher = Watcher(server.url, token(site, device))
        opened.append(watcher)
        watcher.connect()
        watcher.wait_for_snapshots()
        return watcher

    yield open_watcher
    for watcher in opened:
        watcher.close()
