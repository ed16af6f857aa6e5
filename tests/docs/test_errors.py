"""The error table (docs/api/errors.md) lists exactly the codes the server can answer with.

Until the codes live in one catalogue, they are found by a curated scan of the server's
syntax trees: every way the code builds a coded error is one case below.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ERRORS_PAGE = ROOT / "docs" / "api" / "errors.md"

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
    return {
        code
        for row in table_rows(ERRORS_PAGE.read_text(encoding="utf-8"))
        for code in code_spans(row[0])
    }


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
