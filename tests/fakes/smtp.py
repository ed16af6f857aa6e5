"""A real SMTP server for the tests (aiosmtpd), with STARTTLS and a login, keeping what it got."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.fakes.tls import Certificates
from tests.harness import free_port


@dataclass
class Inbox:
    """What the server accepted, in order; `wait` returns once `count` messages arrived."""

    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.arrived:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
            self.arrived.notify_all()
        return "250 OK"

    def wait(self, count: int, timeout: float = 30.0) -> list[tuple[str, list[str], EmailMessage]]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.messages) >= count, timeout), (
                f"{len(self.messages)} of {count} messages arrived"
            )
            return list(self.messages)


def _authenticator(user: str, password: str) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        good = (
            isinstance(data, LoginPassword)
            and data.login == user.encode()
            and data.password == password.encode()
        )
        return AuthResult(success=good, handled=False)

    return check


@contextmanager
def smtp_server(
    certificates: Certificates, user: str = "madoguchi", password: str = "secret"
) -> Iterator[tuple[int, Inbox]]:
    """An SMTP server on a free port of 127.0.0.1 that requires STARTTLS and a login."""
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=certificates.server_context(),
        require_starttls=True,
        authenticator=_authenticator(user, password),
        auth_required=True,
    )
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()
