"""The notifier interface: what a channel (Web Push, e-mail; LINE or SMS later) must do.

A channel checks what a visitor's page sends before anything is stored (`check_target`,
raising a coded refusal) and delivers one notice to one stored target (`deliver`, blocking,
run by the notifier's workers off every calling path). It says `Gone` when the target will
never take a notice again (the subscription expired, the address bounced for good): the
notifier then forgets it. Any other failure is `DeliveryFailed`: logged, not tried again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class DeliveryFailed(Exception):
    """This notice did not arrive; the target may still work for the next one."""


class Gone(DeliveryFailed):
    """The target has ended: the notifier deletes it."""


@dataclass(frozen=True)
class Notice:
    """One message to one visitor, already in their language."""

    kind: str  # "near" (N or fewer ahead) or "called"
    label: str  # the ticket's number, e.g. A012
    title: str
    body: str
    url: str  # the ticket's phone page
    language: str

    def payload(self) -> dict[str, Any]:
        """What a push message carries (the service worker shows title and body)."""
        return {
            "kind": self.kind,
            "label": self.label,
            "title": self.title,
            "body": self.body,
            "url": self.url,
            "lang": self.language,
        }


class Channel(Protocol):
    """One way of reaching a visitor. `name` is stored with each target ("push", "email")."""

    name: str

    def check_target(self, body: Any) -> dict[str, str]:
        """What the phone page sent, as it will be stored; a 4xx refusal if it will not do."""
        ...

    def deliver(self, target: dict[str, str], notice: Notice) -> None:
        """Send one notice; raise Gone or DeliveryFailed if it did not arrive."""
        ...
