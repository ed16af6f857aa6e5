"""Debian's chromium for the browser tests: the path and the flags that keep it offline.

Never `playwright install`: the browser is the system's /usr/bin/chromium (apt package
`chromium`), launched with flags that keep it off every network but ours.
"""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
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
