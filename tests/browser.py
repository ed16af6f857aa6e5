"""Debian's Chromium for the browser tests: the paths and the flags that keep it offline.

Never `playwright install`: the browsers are the system's, from Debian's packages, launched
with flags that keep them off every network but ours.

- `CHROMIUM`, for the pages (kiosk, display, console, phone page, reports, axe, screenshots):
  `/usr/bin/chromium-headless-shell` (apt package `chromium-headless-shell`), the same
  Chromium build and Blink engine without the browser application around it. It is what
  Playwright itself runs for headless tests, and it takes about half the CPU of the whole
  browser, which is most of what the suite spends. `MADOGUCHI_TEST_CHROMIUM=/usr/bin/chromium`
  runs the page tests in the whole browser instead.
- `CHROMIUM_FULL`, for what only the browser application does: a kiosk profile's history,
  the launch line the display guide gives, the notifications a phone's service worker shows;
  and the server benchmark's display page, timed as a waiting room's TV runs it (apt package
  `chromium`).
"""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("MADOGUCHI_TEST_CHROMIUM", "/usr/bin/chromium-headless-shell")
CHROMIUM_FULL = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def missing(path: str) -> str:
    """The message for a browser that is not installed: which apt package `.ci/setup` adds."""
    return f"{path} is missing: run .ci/setup (apt package '{os.path.basename(path)}')"
