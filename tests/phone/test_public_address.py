"""The address in a ticket's QR code: `public_url`, never the Host a client sent.

Without `public_url`, a client sending `Host: evil.example` got tickets whose QR code led to
`http://evil.example/t/…`, and a malformed Host printed a broken link. Outside the demo a
server with kiosks or printers does not start without `public_url`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.harness import ServerProcess, site_file, token

HOSTS = [
    "evil.example",
    "evil.example:8000",
    "a b",
    "[::1",
    "127.0.0.1:99999",
    "x/../y",
    "",
    "éxample.jp",
]


def issue_with_host(server: ServerProcess, site: str, device: str, host: str) -> str | None:
    """The phone address a ticket issued with this Host header got (None if refused)."""
    response = requests.post(
        f"{server.url}/api/sites/{site}/tickets",
        json={"services": ["job"]},
        headers={"Host": host, "Authorization": f"Bearer {token(site, device)}"},
        timeout=30,
    )
    if response.status_code != 201:
        assert response.status_code == 400, response.text  # a Host that cannot be read
        return None
    return str(response.json()["status_url"])


def test_the_qr_address_is_the_public_url_whatever_the_host(
    server: ServerProcess, site: str
) -> None:
    public = server.env["MADOGUCHI_PUBLIC_URL"]
    for host in HOSTS:
        url = issue_with_host(server, site, "kiosk", host)
        if url is not None:
            assert url.startswith(f"{public}/t/") and len(url) == len(public) + 25, (host, url)
    ticket = server.issue(site, ["job"]).body
    path = f"{server.url}/t/{ticket['public_token']}/qr.svg"
    plain = requests.get(path, timeout=30).content
    assert requests.get(path, headers={"Host": "evil.example"}, timeout=30).content == plain


def test_without_a_public_url_the_address_is_the_servers_own(tmp_path: Path) -> None:
    """A server with no kiosk and no printer needs no public_url: a ticket a console
    issues points at the address the server listens on, not at the caller's Host."""
    text = site_file(["a"]).replace('role = "kiosk"', 'role = "display"')
    server = ServerProcess(tmp_path, ["a"], sites_text=text, env={"MADOGUCHI_PUBLIC_URL": ""})
    server.init()
    server.start()
    try:
        for host in HOSTS:
            url = issue_with_host(server, "a", "staff1", host)
            if url is not None:
                assert url.startswith(f"{server.url}/t/"), (host, url)
    finally:
        server.stop()


@pytest.mark.parametrize("printers", [False, True])
def test_serve_refuses_to_start_without_a_public_url_where_tickets_are_printed(
    tmp_path: Path, printers: bool
) -> None:
    text = site_file(["a"], printers={"a": "memory://a"} if printers else None)
    if printers:  # a printer, but no kiosk: tickets printed from a console carry the QR too
        text = text.replace('role = "kiosk"', 'role = "display"').replace(
            'printers = ["a-p1"]\n', ""
        )
    server = ServerProcess(tmp_path, ["a"], sites_text=text, env={"MADOGUCHI_PUBLIC_URL": ""})
    server.init()
    done = server.cli("serve", "--port", str(server.port))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "public_url" in done.stderr and "MADOGUCHI_PUBLIC_URL" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
