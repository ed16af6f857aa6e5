"""Which passwords are refused, as NIST SP 800-63B asks: too short, built from the user
name, or easy to guess: common or breached passwords, dictionary words and names, keyboard
runs, repeats and sequences, dates, and words of this service and its sites.

The guessing is judged by zxcvbn (Dropbox's estimator, pinned in constraints.txt), whose
lists come from breach corpora, word frequencies and names, with the user name and the
service's own words added. A password must reach its score 2, "protection from unthrottled
online attacks" (about a million guesses): logins here are throttled, and the stored hashes
are scrypt. No composition rules: any characters, spaces too.

zxcvbn's lists take ~12 MB once loaded; a server sets passwords seldom, so it is loaded for
the check and let go again.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from typing import Any

MIN_LENGTH = 8
MAX_LENGTH = 1024
MIN_SCORE = 2
SERVICE_WORDS = (
    "madoguchi",
    "窓口",
    "sapporo",
    "札幌",
    "hellowork",
    "ハローワーク",
    "aiwork",
    "あいワーク",
)
REASONS = {  # reason: (Japanese, English); Japanese first, each saying what to do instead
    "too_short": (
        f"パスワードは{MIN_LENGTH}文字以上にしてください。",
        f"A password needs at least {MIN_LENGTH} characters.",
    ),
    "too_long": (
        f"パスワードは{MAX_LENGTH}文字までにしてください。",
        f"A password may have at most {MAX_LENGTH} characters.",
    ),
    "blank": ("空白だけのパスワードは使えません。", "A password cannot be only spaces."),
    "contains_username": (
        "パスワードにユーザー名を含めないでください。ユーザー名とは関係のないものにしてください。",
        "A password must not contain the user name: choose one unrelated to it.",
    ),
    "guessable": (
        "このパスワードは推測されやすいため使えません（よく使われるものや流出したもの、"
        "辞書にある言葉や名前、12345678 や qwerty のような並び、日付、施設の名前など）。"
        "関係のない言葉を3つ以上つなげるなど、長くて推測されにくいものにしてください。",
        "This password is easy to guess (a common or breached password, a word or "
        "name, a run such as 12345678 or qwerty, a date, the service's name): use a "
        "longer one, for example three or more unrelated words.",
    ),
}


class WeakPassword(ValueError):
    """A refused password: `reason` is a key of REASONS."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.japanese, self.english = REASONS[reason]
        super().__init__(f"{self.japanese} {self.english}")


def check_strength(
    password: str, username: str = "", name: str = "", context: Iterable[str] = ()
) -> None:
    """Refuse `password` for the account `username` (its person's `name`; `context`: words
    of the service and its sites that must not make it up either)."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword("too_short")
    if len(password) > MAX_LENGTH:
        raise WeakPassword("too_long")
    if not password.strip():
        raise WeakPassword("blank")
    folded = _fold(password)
    user = _fold(username)
    if len(user) >= 3 and (user in folded or user[::-1] in folded):
        raise WeakPassword("contains_username")
    inputs = [
        w
        for w in (
            username,
            *username.replace("@", ".").split("."),
            name,
            *name.split(),
            *SERVICE_WORDS,
            *context,
        )
        if w
    ]
    if _score(password[:100], inputs) < MIN_SCORE:  # zxcvbn judges the first 100 characters
        raise WeakPassword("guessable")


def _fold(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _score(password: str, inputs: list[str]) -> int:
    """zxcvbn's score, with its lists loaded for this check only."""
    with _LOADING:
        try:
            estimate: Any = importlib.import_module("zxcvbn").zxcvbn
            return int(estimate(password, user_inputs=inputs)["score"])
        finally:
            for module in [m for m in sys.modules if m == "zxcvbn" or m.startswith("zxcvbn.")]:
                del sys.modules[module]


def _native_lock() -> Any:
    """A lock between real threads (the checks run in gevent's thread pool), also where
    gevent has patched the threading module."""
    try:
        from gevent.monkey import get_original
    except ImportError:  # pragma: no cover - gevent is a dependency
        import _thread

        return _thread.allocate_lock()
    return get_original("_thread", "allocate_lock")()


_LOADING = _native_lock()
