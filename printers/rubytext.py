"""Text with readings as the site file writes it, `{仕事|しごと}の {相談|そうだん}`, taken apart:
words parted by spaces, a reading in braces after its kanji. No drawing here: the server
reads it too (server/desk_words.py), the paper sets it (printers/ruby.py)."""

from __future__ import annotations

import re

RUBY = re.compile(r"\{([^{}|]+)\|([^{}|]*)\}")  # {漢字|かんじ}
Piece = tuple[str, str]  # (text, reading), "" where the text has none


def ruby_words(text: str) -> list[list[Piece]]:
    """The text's words (split at any space, full-width too), each as its pieces: a page or
    a ticket sets each word whole, so no line breaks inside a word or between a kanji and
    its reading."""
    found = []
    for word in text.split():
        pieces: list[Piece] = []
        last = 0
        for m in RUBY.finditer(word):
            if m.start() > last:
                pieces.append((word[last : m.start()], ""))
            pieces.append((m.group(1), m.group(2)))
            last = m.end()
        if last < len(word):
            pieces.append((word[last:], ""))
        found.append(pieces)
    return found
