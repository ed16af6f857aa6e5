"""A desk in the visitor's language: the one lookup behind the kiosk's buttons and ticket
screen, the printed ticket and the phone page, so all of them say what the visitor pressed.

The words themselves are the site file's (Service.visitor); a sensitive desk is named on
paper only neutrally, and not at all on the phone page (the visitor chose it on the kiosk; a
ticket or its page may be read by anyone who finds it). This module says them in every
language the kiosk offers, and takes ruby markup ({漢字|かんじ}) apart for surfaces that draw
it themselves (the phone page) or cannot (plain text).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from printers.rubytext import RUBY
from printers.rubytext import ruby_words as ruby_words  # the pages read it from here

from .domain.model import Service

KIOSK_LANGUAGES = Path(__file__).resolve().parent.parent / "kiosk" / "i18n"


@cache
def visitor_languages() -> tuple[str, ...]:
    """The languages a visitor can choose at the kiosk (one file each in kiosk/i18n)."""
    return tuple(sorted(p.stem for p in KIOSK_LANGUAGES.glob("*.json")))


def visitor_words(service: Service) -> dict[str, dict[str, str]]:
    """{language: {"label", "description"}} for every language the kiosk offers."""
    words = {}
    for code in visitor_languages():
        label, text = service.visitor(code)
        words[code] = {"label": label, "description": text}
    return words


def plain(text: str) -> str:
    """The text without its readings: {仕事|しごと}の → 仕事の."""
    return RUBY.sub(r"\1", text)


def route_text(desks: Sequence[Service], language: str, more: str = "{desk} ほか",
               ruby: bool = False, neutral: str | None = None) -> str:
    """The desks still ahead of a ticket in one line, in the visitor's words: two as
    'A → B', more as the first and `more`; plain text, or with its ruby markup if asked.
    A sensitive desk is named only neutrally (`neutral`, the paper's word for it in the
    visitor's language, else the desk's public name): a ticket is left behind, dropped or
    seen over a shoulder, and says nothing of why its visitor came."""
    labels = [_own(d, language, neutral) if ruby else plain(_own(d, language, neutral))
              for d in desks]
    return " → ".join(labels) if len(labels) <= 2 else more.format(desk=labels[0])


def _own(desk: Service, language: str, neutral: str | None) -> str:
    if desk.sensitive:
        return neutral or desk.public_name
    return desk.visitor(language)[0]
