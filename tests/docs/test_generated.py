"""The documentation's reference tables match the code that declares them.

The tables are written into the pages by cog from docs/tables.py; `cog --check` fails when
a declaration changed and the page was not written again.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from server import siteconfig, sitekeys

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
REGENERATE = ".venv/bin/cog -r -I docs docs/*.md docs/*/*.md"


def generated_pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "[[[cog" in p.read_text(encoding="utf-8"))


def test_generated_tables_match_the_code() -> None:
    pages = [str(p.relative_to(ROOT)) for p in generated_pages()]
    check = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "--diff", "-I", "docs", *pages],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0, (
        f"The docs' generated tables no longer match the code. Write them again with\n"
        f"    {REGENERATE}\n{check.stdout}{check.stderr}"
    )


def test_every_table_the_code_can_give_is_in_a_page() -> None:
    source = (DOCS / "tables.py").read_text(encoding="utf-8")
    makers = set(re.findall(r"^def ([a-z]\w*)\(", source, re.M))
    pages = "\n".join(p.read_text(encoding="utf-8") for p in generated_pages())
    used = set(re.findall(r"tables\.(\w+)\(", pages))
    assert makers == used
    from server.sitekeys import TABLES

    tables_in_pages = set(re.findall(r'tables\.site_file\("([^"]+)"\)', pages))
    assert tables_in_pages == set(TABLES)


def test_the_site_file_reader_reads_every_declared_rule_and_no_other() -> None:
    assert set(siteconfig._RULE_READERS) == set(sitekeys.RULES)


def test_the_layout_table_names_paths_that_exist() -> None:
    page = (DOCS / "development" / "index.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    paths = [path for row in rows for path in re.findall(r"`([^`]+)`", row.split("|")[1])]
    assert len(paths) > 15
    assert [p for p in paths if not (ROOT / p).exists()] == []
