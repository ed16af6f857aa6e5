"""axe-core in the page: the accessibility engine from npm (pinned in package-lock.json),
injected from node_modules into the page under test, never loaded from a CDN.

`audit(page)` runs the WCAG 2.0, 2.1 and 2.2 level A and AA rules and answers an `AxeResult`
whose `summary()` is the one line the tests print for each page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@dataclass
class AxeResult:
    name: str
    version: str
    violations: list[dict[str, Any]]
    passes: int
    incomplete: int

    def summary(self) -> str:
        found = ", ".join(
            f"{v['id']} ({v['impact']}, {len(v['nodes'])} node(s))" for v in self.violations
        )
        return (
            f"axe {self.version} {self.name}: {len(self.violations)} violation(s)"
            f"{': ' + found if found else ''}; {self.passes} rule(s) passed, "
            f"{self.incomplete} need a person's review"
        )

    def details(self) -> str:
        """Each violation with the elements it was found on and axe's advice."""
        lines = []
        for v in self.violations:
            lines.append(f"{v['id']}: {v['help']} ({v['helpUrl']})")
            for node in v["nodes"][:6]:
                lines.append(f"  {node['target']}: {node['failureSummary']!r}")
                lines.append(f"    {node['html'][:200]}")
        return "\n".join(lines)


def audit(page: Page, name: str) -> AxeResult:
    """Run axe on the page as it is now (the page must have settled into the state to check)."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run .ci/setup (npm ci installs axe-core)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    raw = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return JSON.stringify({version: r.testEngine.version, violations: r.violations,
                                   passes: r.passes.length, incomplete: r.incomplete.length});
        }""",
        WCAG_A_AA,
    )
    found = json.loads(raw)
    return AxeResult(
        name, found["version"], found["violations"], found["passes"], found["incomplete"]
    )
