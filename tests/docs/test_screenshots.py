"""The documentation's screenshots show the pages as they are now.

The scene of tests/docs/screenshots.py is played again and each page's visible text and
element boxes are compared with the record kept beside the screenshots; to take them again:
`.venv/bin/python -m tests.docs.screenshots`.
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser

from tests.docs.screenshots import RECORD, ROOT, SHOTS, SHOTS_TAKEN, differences, take

AGAIN = "take the screenshots again: .venv/bin/python -m tests.docs.screenshots"


def test_every_screenshot_is_there_at_its_size_and_in_the_docs() -> None:
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    assert set(record) == {shot.name for shot in SHOTS_TAKEN}, AGAIN
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md"))
    for shot in SHOTS_TAKEN:
        with Image.open(SHOTS / f"{shot.name}.png") as image:
            width, height = (int(side * shot.scale + 0.5) for side in shot.viewport.values())
            assert image.size == (width, height), (shot.name, AGAIN)
        assert f"_static/screenshots/{shot.name}.png" in pages, f"{shot.name}.png is in no page"


def test_the_screenshots_show_what_the_pages_show_now(browser: Browser, tmp_path: Path) -> None:
    recorded = json.loads(RECORD.read_text(encoding="utf-8"))
    now = take(browser, tmp_path, into=None)
    assert differences(recorded, now) == [], AGAIN
