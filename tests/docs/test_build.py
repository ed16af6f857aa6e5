"""The documentation builds with warnings as errors: a broken link, a reference to a missing
heading or page, a page in no table of contents, or a missing image fails the tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_docs_build_without_a_warning(tmp_path: Path) -> None:
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-W",
            "-n",
            "--keep-going",
            "-q",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr + build.stdout
    index = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert "Installing and operating" in index
    settings = (tmp_path / "html" / "configuration" / "settings.html").read_text(encoding="utf-8")
    assert "MADOGUCHI_DATABASE" in settings  # the generated table made it into the page
