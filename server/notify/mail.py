"""The e-mail channel: the notice as a short plain-text message through the city's mail server."""

from __future__ import annotations

from typing import Any

from ..domain.errors import Invalid
from ..mailer import Mailer, MailFailed, checked_address
from .channel import DeliveryFailed, Notice


class MailChannel:
    name = "email"

    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer

    def check_target(self, body: Any) -> dict[str, str]:
        if not isinstance(body, dict) or "address" not in body:
            raise Invalid("Send the address: {address}.", "email_invalid", field="address")
        return {"address": checked_address(body["address"])}

    def deliver(self, target: dict[str, str], notice: Notice) -> None:
        try:
            self.mailer.send(target["address"], notice.title, f"{notice.body}\n\n{notice.url}\n")
        except MailFailed as exc:  # the log gets why, never the visitor's address
            raise DeliveryFailed(str(exc).replace(target["address"], "<address>")) from exc
