"""The README stays true: its commands, settings, endpoints and error codes match the code."""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path

import requests

import server.api.routes  # noqa: F401 - importing it declares every endpoint
import server.reports  # noqa: F401 - registers the report endpoints, as the app does
import server.siteedit.api  # noqa: F401 - the administrators' configuration endpoints
from server.api.endpoints import REGISTRY
from server.settings import SETTINGS_HELP, Settings, env_var
from tests.harness import free_port

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

# Calls that build a coded error: the code is the second argument (the first is the message).
ERROR_CLASSES = {
    "QueueError",
    "NotFound",
    "Invalid",
    "Conflict",
    "Unavailable",
    "Denied",
    "Unauthorized",
    "BadRequest",
}
CODE = re.compile(r"[a-z]+(?:_[a-z]+)*")


def section(heading: str) -> str:
    """The README text under `heading` (a whole heading line), up to the next heading of
    the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = README.splitlines()
    start = lines.index(heading) + 1
    end = next(
        (i for i in range(start, len(lines)) if re.match(rf"#{{1,{level}}} ", lines[i])), len(lines)
    )
    return "\n".join(lines[start:end])


def table_rows(text: str) -> list[list[str]]:
    """The body rows of every Markdown table in `text`, as lists of stripped cells."""
    rows = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("|") or re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line):
            continue
        is_header = i + 1 < len(lines) and re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[i + 1])
        if not is_header:
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def code_spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


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


def literal_code(node: ast.expr | None) -> str | None:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CODE.fullmatch(node.value)
    ):
        return node.value
    return None


def call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def codes_in(tree: ast.AST) -> set[str]:
    """Error codes a module can answer with, found by a curated scan of its syntax tree."""
    found: set[str | None] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = call_name(node)
            if name in ERROR_CLASSES and len(node.args) > 1:
                found.add(literal_code(node.args[1]))
            if name == "ConnectionRefusedError" and node.args:  # Socket.IO refusals
                found.add(literal_code(node.args[0]))
            found.update(literal_code(k.value) for k in node.keywords if k.arg == "code")
        elif isinstance(node, ast.ClassDef):  # `code = "forbidden"` on an error class
            for statement in node.body:
                if isinstance(statement, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "code" for t in statement.targets
                ):
                    found.add(literal_code(statement.value))
        elif isinstance(node, ast.FunctionDef):
            arguments = node.args.args[len(node.args.args) - len(node.args.defaults) :]
            found.update(
                literal_code(default)
                for argument, default in zip(arguments, node.args.defaults, strict=True)
                if argument.arg == "code"
            )
            if node.name == "http_error_response":  # (code, message) pairs by HTTP status
                found.update(
                    literal_code(t.elts[0])
                    for t in ast.walk(node)
                    if isinstance(t, ast.Tuple) and len(t.elts) == 2
                )
        elif isinstance(node, ast.Dict):  # {"error": "invalid_field", ...} built by hand
            found.update(
                literal_code(value)
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant) and key.value == "error"
            )
    return {code for code in found if code is not None}


def server_error_codes() -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for path in sorted((ROOT / "server").rglob("*.py")):
        for code in codes_in(ast.parse(path.read_text(encoding="utf-8"))):
            where.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return where


def documented_error_codes() -> set[str]:
    return {code for row in table_rows(section("### Errors")) for code in code_spans(row[0])}


def test_readme_opens_with_the_title_and_the_demo_and_test_commands() -> None:
    before, commands = first_code_block()
    assert before.strip() == "# madoguchi 窓口"
    assert len(commands) == 2
    assert commands[0].endswith("madoguchi demo")


def test_readme_test_command_is_what_ci_runs() -> None:
    _, commands = first_code_block()
    assert commands[1] == ci_command()


def test_settings_table_lists_every_setting_with_its_variable_default_and_help() -> None:
    rows = {
        code_spans(row[0])[0]: row
        for row in table_rows(section("## Settings"))
        if code_spans(row[0])
    }
    assert set(rows) == set(SETTINGS_HELP)
    for setting in fields(Settings):
        _, default, variable, help_text = rows[setting.name]
        assert variable == f"`{env_var(setting.name)}`"
        value = setting.default
        shown = str(value) if type(value) is int else json.dumps(value)  # TOML-like: true, "x"
        assert default == f"`{shown}`", setting.name
        assert help_text == SETTINGS_HELP[setting.name]


def test_endpoint_table_lists_exactly_the_registered_endpoints() -> None:
    documented = {(row[0], code_spans(row[1])[0]) for row in table_rows(section("### Endpoints"))}
    registered = {(spec.method, "/api" + spec.path) for spec in REGISTRY}
    assert len(registered) == len(REGISTRY) > 20
    assert documented == registered


def test_error_scan_finds_codes_from_every_kind_of_source() -> None:
    found = server_error_codes()
    # one of each: domain helper, class attribute, keyword, HTTP handler, Socket.IO refusal
    assert {
        "unknown_ticket",
        "forbidden",
        "unknown_field",
        "body_too_large",
        "unknown_device",
    } <= set(found)


def test_error_table_lists_every_code_the_server_can_answer_with() -> None:
    missing = {
        code: paths
        for code, paths in server_error_codes().items()
        if code not in documented_error_codes()
    }
    assert missing == {}


def test_error_table_lists_no_code_the_server_never_uses() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "server").rglob("*.py"))
    invented = {code for code in documented_error_codes() if f'"{code}"' not in source}
    assert invented == set()


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
    finally:
        demo.send_signal(signal.SIGTERM)
        try:
            demo.wait(15)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait(5)
