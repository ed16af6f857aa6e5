"""The catalogue of error codes is whole: every code the server answers with is in it, with the
status its kind of refusal implies, and it lists no code the server never uses."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from server.auth.errors import TooManyAttempts
from server.domain.errors import Conflict, Invalid, NotFound, Refusal
from server.refusals import CATALOGUE, entries, in_japanese, status_of
from server.web.caller import SessionEnded

ROOT = Path(__file__).resolve().parent.parent
CODE = re.compile(r"[a-z]+(?:_[a-z]+)*")
# Calls that build a coded refusal: the code is the second argument (the first is the message),
# with the status every code of that class must have.
STATUS_OF_CLASS = {
    "Refusal": None,
    "NotFound": 404,
    "Invalid": 422,
    "Conflict": 409,
    "Unavailable": 503,
    "Denied": 403,
    "Unauthorized": 401,
    "BadRequest": 400,
}


def literal_code(node: ast.expr | None) -> str | None:
    value = node.value if isinstance(node, ast.Constant) else None
    return value if isinstance(value, str) and CODE.fullmatch(value) else None


def call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def refusals_built(tree: ast.AST) -> list[tuple[str, str]]:
    """(class, code) of every refusal built with a literal code."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) in STATUS_OF_CLASS:
            codes = [node.args[1]] if len(node.args) > 1 else []
            codes += [k.value for k in node.keywords if k.arg == "code"]
            found += [(call_name(node), c) for c in map(literal_code, codes) if c]
    return found


def codes_in(tree: ast.AST) -> set[str]:
    """Error codes a module can answer with, found by a curated scan of its syntax tree."""
    found: set[str | None] = {code for _, code in refusals_built(tree)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if call_name(node) == "ConnectionRefusedError" and node.args:  # Socket.IO refusals
                found.add(literal_code(node.args[0]))
            found.update(literal_code(k.value) for k in node.keywords if k.arg == "code")
        elif isinstance(node, ast.ClassDef):  # `code = "session_expired"` on a refusal class
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


def server_files() -> list[Path]:
    return [p for p in sorted((ROOT / "server").rglob("*.py")) if p.name != "refusals.py"]


def server_error_codes() -> dict[str, list[str]]:
    """Every code the server's code can answer with, and the files that use it."""
    where: dict[str, list[str]] = {}
    for path in server_files():
        for code in codes_in(ast.parse(path.read_text(encoding="utf-8"))):
            where.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return where


def test_the_scan_finds_codes_from_every_kind_of_source() -> None:
    found = server_error_codes()
    # one of each: domain helper, class attribute, keyword, HTTP handler, Socket.IO refusal
    assert {
        "unknown_ticket",
        "session_expired",
        "unknown_field",
        "body_too_large",
        "unknown_device",
    } <= set(found)


def test_every_code_the_server_answers_with_is_in_the_catalogue() -> None:
    missing = {code: files for code, files in server_error_codes().items() if code not in CATALOGUE}
    assert missing == {}


def test_the_catalogue_holds_no_code_the_server_never_uses() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in server_files())
    assert [e.code for e in entries() if f'"{e.code}"' not in source] == []


def test_each_code_has_the_status_of_the_refusals_that_carry_it() -> None:
    wrong = [
        (str(path.relative_to(ROOT)), name, code, CATALOGUE[code].status)
        for path in server_files()
        for name, code in refusals_built(ast.parse(path.read_text(encoding="utf-8")))
        if STATUS_OF_CLASS[name] is not None and CATALOGUE[code].status != STATUS_OF_CLASS[name]
    ]
    assert wrong == []


def test_every_entry_is_listed_once_with_a_status_and_both_languages() -> None:
    codes = [e.code for e in entries()]
    assert len(codes) == len(set(codes)) == len(CATALOGUE) > 50
    for entry in entries():
        assert CODE.fullmatch(entry.code)
        assert entry.status is None or 400 <= entry.status < 600
        assert entry.english and entry.english == entry.english.strip()
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", entry.japanese), entry.code


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (NotFound("No such site.", "unknown_site"), 404),
        (Invalid("Bad.", "invalid_field", field="body.name"), 422),
        (Conflict("Busy.", "counter_busy"), 409),
        (SessionEnded("Log in again."), 401),
        (TooManyAttempts("Wait.", retry_after=30), 429),
    ],
)
def test_a_refusal_is_answered_with_its_codes_status(refusal: Refusal, status: int) -> None:
    assert status_of(refusal) == status


def test_the_japanese_message_names_the_details_and_a_refused_field_by_its_hint() -> None:
    busy = Conflict("Counter 2 has a visitor.", "counter_in_use", counter="c2")
    assert in_japanese(busy) == "窓口「c2」は対応中です。対応が終わってから変更してください。"
    wait = TooManyAttempts("Wait.", retry_after=30)
    assert "30秒" in in_japanese(wait)
    bad = Invalid("'body.name' is too long.", "invalid_field", field="body.name")
    assert in_japanese(bad) == "入力内容を確認してください。"
    assert in_japanese(bad, {"name": "名前は200文字までです。"}) == "名前は200文字までです。"
    missing = Conflict("Counter busy.", "counter_in_use")  # a detail the message names is absent
    assert "窓口「?」" in in_japanese(missing)


def test_a_refusal_without_a_code_is_a_mistake_in_the_code() -> None:
    with pytest.raises(TypeError):
        Conflict("Something went wrong.")


def test_a_detail_can_choose_the_japanese_wording() -> None:
    locked = TooManyAttempts("Wait.", retry_after=60, lock="account")
    assert "システム管理者にロックの解除" in in_japanese(locked)
    assert in_japanese(TooManyAttempts("Wait.", retry_after=60)).startswith("ログインの失敗")
