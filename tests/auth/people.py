"""People who log in: a requests.Session holding the login cookie and the CSRF token.

A `Person` talks to the real server like the counter console will: it logs in with
POST /api/session, keeps the cookie, and sends X-CSRF-Token with every change.
"""

from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.harness import ADMIN, Reply, ServerProcess

PASSWORD = "correct horse battery"
ACCOUNTS = {  # username: (role, site, organisations)
    "staff-a": ("staff", "a", ["hellowork"]),
    "manager-a": ("manager", "a", ["city"]),
    "staff-b": ("staff", "b", ["city"]),
    "manager-b": ("manager", "b", ["hellowork", "city"]),
    "admin2": ("admin", None, None),
}


class Person:
    """One browser: its cookie jar and the CSRF token of its login."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.http = requests.Session()
        self.csrf: str | None = None
        self.user: dict[str, Any] | None = None

    def login(self, username: str, password: str = PASSWORD) -> Reply:
        reply = self.request(
            "POST", "/api/session", {"username": username, "password": password}, csrf=False
        )
        if reply.status == 200:
            self.csrf = reply.body["csrf_token"]
            self.user = reply.body["user"]
        return reply

    def request(
        self,
        method: str,
        path: str,
        json: Any = None,
        csrf: bool = True,
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        if csrf and self.csrf is not None:
            sent["X-CSRF-Token"] = self.csrf
        if method == "POST" and path.startswith(("/api/sites", "/api/tickets")):
            sent["Idempotency-Key"] = key or uuid.uuid4().hex
        response = self.http.request(
            method, self.server.url + path, json=json, headers=sent, timeout=30
        )
        try:
            body = response.json()
        except ValueError:
            body = response.text
        return Reply(response.status_code, body)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())

    def close(self) -> None:
        self.http.close()


def create_accounts(server: ServerProcess) -> None:
    """The accounts of ACCOUNTS, made through the API with the site file's admin token."""
    for username, (role, site, organisations) in ACCOUNTS.items():
        body: dict[str, Any] = {
            "username": username,
            "role": role,
            "password": PASSWORD,
            "name": f"{username} さん",
        }
        if site:
            body["site"] = site
        if organisations:
            body["organisations"] = organisations
        reply = server.request("POST", "/api/accounts", ADMIN, body)
        assert reply.status == 201, reply.body
