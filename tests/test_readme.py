"""The README stays true and short: its two commands, what CI runs, its links, the demo.

What the README used to hold (settings, endpoints, error codes) lives in docs/ now, checked
against the code by tests/docs/.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.harness import free_port

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCREENS = 200  # lines: "a few screens long"; the rest belongs in docs/


def first_code_block() -> tuple[str, list[str]]:
    match = re.search(r"^```[^\n]*\n(.*?)^```", README, re.S | re.M)
    assert match is not None, "the README has no code block"
    return README[: match.start()], [line for line in match[1].splitlines() if line.strip()]


def ci_command() -> str:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    commands = [
        line.strip()
        for line in lines
        if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))
    ]
    assert len(commands) == 1, commands
    return commands[0]


def test_readme_opens_with_the_title_and_the_demo_and_test_commands() -> None:
    before, commands = first_code_block()
    assert before.strip() == "# madoguchi 窓口"
    assert commands == [
        "bash .ci/setup && .venv/bin/madoguchi demo",
        "bash .ci/setup && .venv/bin/python -m pytest",
    ]


def test_readme_test_command_is_what_ci_runs() -> None:
    _, commands = first_code_block()
    assert commands[1] == ci_command()


def test_readme_is_a_few_screens_long() -> None:
    assert len(README.splitlines()) <= SCREENS, "move the detail into docs/"


def test_readme_links_lead_to_files_that_exist() -> None:
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)|src=\"([^\"]+)\"", README)
    local = [a or b for a, b in targets if not (a or b).startswith(("http://", "https://"))]
    assert len(local) > 10
    assert [path for path in local if not (ROOT / path).exists()] == []


def test_the_demo_prints_a_curl_example_that_issues_a_ticket(tmp_path: Path) -> None:
    port = free_port()
    output = tmp_path / "demo.out"
    env = {**os.environ, "MADOGUCHI_LOG_LEVEL": "WARNING"}
    env.pop("MADOGUCHI_SETTINGS", None)
    with open(output, "w") as out:
        demo = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server.cli",
                "demo",
                "--port",
                str(port),
                "--database",
                f"sqlite:///{tmp_path / 'demo.db'}",
            ],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + 60  # a guard against a hang, not a measurement
        while "listening on" not in output.read_text() and demo.poll() is None:
            assert time.monotonic() < deadline, output.read_text()[-2000:]
            time.sleep(0.05)
        text = output.read_text()
        assert "listening on" in text, text[-2000:]
        curl = next(line for line in text.splitlines() if line.strip().startswith("curl "))
        words = shlex.split(curl)
        url = next(w for w in words if w.startswith("http://"))
        headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
        body = words[words.index("-d") + 1]
        with requests.Session() as http:
            reply = http.post(url, data=body, headers=headers, timeout=30)
        assert reply.status_code == 201, reply.text
        assert reply.json()["status"] == "waiting"
        # The demo needs no public_url: its QR codes lead to where it listens.
        assert reply.json()["status_url"].startswith(f"http://127.0.0.1:{port}/t/")
    finally:
        demo.send_signal(signal.SIGTERM)
        try:
            demo.wait(15)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait(5)
