"""The documentation's reference tables match the code that declares them.

The tables are written into the pages by cog from docs/tables.py; `cog --check` fails when
a declaration changed and the page was not written again.
"""

from __future__ import annotations

import json
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


# Builds the real app (as `madoguchi serve` does) and prints the rules it routes by. In a
# process of its own: the command patches the standard library for gevent.
_RULES = """
import json, os, sys
from server.cli import initialise
from server.app import create_app
from server.settings import load_settings
settings = load_settings(env={"MADOGUCHI_DATABASE": f"sqlite:///{sys.argv[1]}/rules.db",
                              "MADOGUCHI_LOG_LEVEL": "ERROR",
                              "MADOGUCHI_PUBLIC_URL": "http://127.0.0.1:8000"})
initialise(settings, None, False)
app, _ = create_app(settings)
rules = [(r.rule, sorted(r.methods - {"HEAD", "OPTIONS"}), r.endpoint)
         for r in app.url_map.iter_rules()]
print(json.dumps(rules), flush=True)
os._exit(0)
"""


def _shape(address: str) -> str:
    """An address with its parameters blanked: /t/<token>, /t/{public_token} → /t/{}."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", address.split("?")[0])


def test_every_address_the_server_answers_is_in_the_endpoints_page(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-c", _RULES, str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    rules = json.loads(built.stdout)
    assert len(rules) > 50
    page = (DOCS / "api" / "endpoints.md").read_text(encoding="utf-8")
    documented = {_shape(span) for span in re.findall(r"`(/[^`\s]*)`", page)}
    # Static files, and the forms the server-rendered admin and report pages post to
    # (they belong to those pages, which are in the table), need no line of their own.
    wanted = {
        _shape(rule)
        for rule, methods, endpoint in rules
        if not endpoint.endswith("static")
        and not (rule.startswith(("/admin/", "/reports/")) and methods == ["POST"])
    }
    assert sorted(wanted - documented) == []
