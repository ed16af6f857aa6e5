"""A kiosk's first address, /kiosk/?token=…, lands in the browser profile's history, which
lasts (the kiosk keeps its profile to keep its token). The page takes the token out of the
address bar at once; the set-up guide says how to clear the history the address was
written to, and this test follows that guide in a real Chromium profile."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from playwright.sync_api import Playwright

from tests.browser import CHROMIUM_ARGS, CHROMIUM_FULL
from tests.harness import ServerProcess, token

ROOT = Path(__file__).resolve().parents[2]
# The guide's step, word for word, for a profile in /var/lib/madoguchi-kiosk.
GUIDE_STEP = "rm -f /var/lib/madoguchi-kiosk/Default/History*"


def visited(profile: Path) -> list[str]:
    """Every address the profile's history holds (a copy: Chromium may hold it open)."""
    found: list[str] = []
    for db in sorted((profile / "Default").glob("History")):
        copy = profile.parent / "history-copy.db"
        shutil.copy(db, copy)
        with sqlite3.connect(copy) as conn:
            found += [row[0] for row in conn.execute("SELECT url FROM urls")]
    return found


def run_kiosk(playwright: Playwright, profile: Path, url: str) -> str:
    """Start Chromium on this profile, open `url`, wait for the desks, give the address."""
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM_FULL,
        args=CHROMIUM_ARGS,
        headless=True,
        locale="ja-JP",
    )
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("text=職業相談・職業紹介", timeout=15_000)
        return page.url
    finally:
        context.close()


def test_the_kiosk_token_leaves_the_address_bar_and_the_guide_clears_the_history(
    playwright: Playwright, server: ServerProcess, site: str, tmp_path: Path
) -> None:
    secret = token(site, "kiosk")
    profile = tmp_path / "madoguchi-kiosk"
    shown = run_kiosk(playwright, profile, f"{server.url}/kiosk/?token={secret}")
    assert shown == f"{server.url}/kiosk/"  # replaced at once: not in the address bar
    assert any(secret in url for url in visited(profile))  # but written to the history

    guide = (ROOT / "docs" / "operating" / "kiosks.md").read_text(encoding="utf-8")
    assert GUIDE_STEP in guide
    for file in (profile / "Default").glob("History*"):  # the guide's step, on this profile
        file.unlink()

    # Started again on the plain address, it still has its token (in local storage) ...
    assert run_kiosk(playwright, profile, f"{server.url}/kiosk/") == f"{server.url}/kiosk/"
    # ... and no address with the token is anywhere in its history.
    assert visited(profile) and not any(secret in url for url in visited(profile))
