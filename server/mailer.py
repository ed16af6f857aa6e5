"""E-mail through the city's mail server (SMTP): one message at a time, never on a calling path.

madoguchi sends mail only where the city gives it a mail server (`smtp_host`); without one,
`Mailer.enabled` is false and nothing offers e-mail. `send` blocks until the server took the
message or refused it (raising `MailFailed`): callers run it off any path that must stay fast
(the notifier in a greenlet of its own, the appointments' reminders in their loop), because
a slow or dead mail server must never hold a call back. Addresses are checked by
`checked_address` before they are kept anywhere.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from .domain.errors import Invalid
from .settings import Settings

# RFC 5321 §4.5.3.1: a path of at most 256 octets, less the angle brackets.
MAX_ADDRESS_LENGTH = 254
MAX_LOCAL_PART = 64


class MailFailed(Exception):
    """The mail server could not be reached, or refused the message; nothing was sent."""


@dataclass(frozen=True)
class MailServer:
    """Where and how to hand mail over: from the settings' smtp_* and mail_from."""

    host: str
    port: int
    security: str  # "starttls", "tls" (implicit TLS, port 465) or "none"
    username: str
    password: str
    sender: str
    sender_name: str
    timeout: float
    ca_file: str = ""  # trust this CA too (a city's own, or a test's), beside the system's

    @classmethod
    def from_settings(cls, settings: Settings) -> MailServer:
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_security,
            settings.smtp_username,
            settings.smtp_password,
            settings.mail_from,
            settings.mail_from_name,
            float(settings.smtp_timeout_seconds),
            settings.smtp_ca_file,
        )


class Mailer:
    """Sends plain-text messages through one mail server."""

    def __init__(self, server: MailServer) -> None:
        self.server = server

    @property
    def enabled(self) -> bool:
        """Whether a mail server is configured: without one, e-mail is never offered."""
        return bool(self.server.host)

    def message(self, to: str, subject: str, body: str) -> EmailMessage:
        """The message as it will be sent (UTF-8 text; a Message-ID of the sender's domain)."""
        message = EmailMessage()
        message["From"] = (
            formataddr((self.server.sender_name, self.server.sender))
            if self.server.sender_name
            else self.server.sender
        )
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=self.server.sender.rpartition("@")[2] or None)
        message.set_content(body)
        return message

    def send(self, to: str, subject: str, body: str) -> None:
        """Hand one message to the mail server; raises MailFailed if it was not taken."""
        if not self.enabled:
            raise MailFailed("no mail server is configured (smtp_host)")
        message = self.message(to, subject, body)
        try:
            with self._connect() as smtp:
                if self.server.username:
                    smtp.login(self.server.username, self.server.password)
                refused = smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailFailed(f"{self.server.host}:{self.server.port}: {exc}") from exc
        if refused:
            raise MailFailed(f"the mail server refused {', '.join(refused)}")

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        if server.security == "tls":
            return smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=self._tls()
            )
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        try:
            if server.security == "starttls":
                smtp.starttls(context=self._tls())
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.server.ca_file:
            context.load_verify_locations(self.server.ca_file)
        return context


def checked_address(text: object) -> str:
    """A visitor's e-mail address as it may be kept, or an Invalid refusal with a stable code:
    `email_too_long` beyond RFC 5321's limits, `email_invalid` for anything that is not one
    plain address (no display names, no lists, no line breaks that could add headers)."""
    if not isinstance(text, str):
        raise Invalid("The e-mail address must be text.", "email_invalid")
    address = text.strip()
    if len(address.encode("utf-8")) > MAX_ADDRESS_LENGTH:
        raise Invalid(
            f"An e-mail address has at most {MAX_ADDRESS_LENGTH} characters.",
            "email_too_long",
            limit=MAX_ADDRESS_LENGTH,
        )
    local, at, domain = address.rpartition("@")
    if len(local.encode("utf-8")) > MAX_LOCAL_PART:
        raise Invalid(
            f"The part before @ has at most {MAX_LOCAL_PART} characters.",
            "email_too_long",
            limit=MAX_LOCAL_PART,
        )
    if (
        not at
        or not local
        or "." not in domain
        or domain.startswith(".")
        or domain.endswith(".")
        or ".." in domain
        or any(c.isspace() or c in '<>(),;:"[]\\@' or ord(c) < 32 for c in local + domain)
    ):
        raise Invalid("This is not an e-mail address like name@example.jp.", "email_invalid")
    return address
