"""Telling visitors that their turn is near: the notifier and its channels (Web Push, e-mail).

A new channel (LINE, SMS, …) is a class with `name`, `check_target` and `deliver`
(server/notify/channel.py), added to the channels `build_notifier` makes; see the operating
guide's page on notifications for what it must keep to.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..engine import Engine
from ..mailer import Mailer
from ..settings import Settings
from ..store.db import sqlite_path
from .channel import Channel
from .mail import MailChannel
from .service import Notifier, Words
from .webpush import PushChannel

__all__ = ["Notifier", "build_notifier"]


def vapid_key_path(settings: Settings) -> Path | None:
    if settings.vapid_key_file:
        return Path(settings.vapid_key_file)
    database = sqlite_path(settings.database)
    return Path(database + ".vapid.pem") if database else None


def push_subject(settings: Settings) -> str:
    if settings.push_subject:
        return settings.push_subject
    if settings.public_url.startswith("https://"):
        return settings.public_url
    if settings.mail_from:
        return f"mailto:{settings.mail_from}"
    return "mailto:madoguchi@localhost"


def build_notifier(
    settings: Settings,
    engine: Engine,
    mailer: Mailer,
    words: Words,
    offload: Callable[[Callable[[], Any]], Any],
) -> Notifier:
    """The notifier with every channel this server can use: Web Push when it has a place for
    its key, e-mail when the city gave it a mail server."""
    channels: dict[str, Channel] = {}
    push_key = ""
    key_path = vapid_key_path(settings)
    if key_path is not None:
        extra = tuple(h for h in settings.push_hosts.split(",") if h)
        push = PushChannel(key_path, push_subject(settings), extra, settings.push_ca_file)
        channels[push.name] = push
        push_key = push.public_key
    if mailer.enabled:
        channels["email"] = MailChannel(mailer)
    return Notifier(engine, channels, words, offload, push_key)
