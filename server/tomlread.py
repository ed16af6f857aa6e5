"""Reading a TOML file: syntax and value errors reported at the line where they are."""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from difflib import get_close_matches
from enum import StrEnum
from typing import NoReturn, TypeVar, cast

Where = tuple[str | int, ...]
E = TypeVar("E", bound=StrEnum)

IDENT = re.compile(r"[a-z0-9][a-z0-9_-]*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\]}\n#]*")
_TOML_AT = re.compile(r"^(.*?)\s*\((?:at line (\d+), column (\d+)|at end of document)\)$", re.S)


class ConfigError(Exception):
    """A TOML file that cannot be used; says where (file and line) and why."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path, self.line, self.reason = path, line, reason
        super().__init__(f"{path}: {reason}" if line is None else f"{path}:{line}: {reason}")


def read_toml(text: str, path: str = "<string>") -> Table:
    """The document's root table; a syntax error is refused at its line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, text, str(exc)) from None
    return Table(data, (), Source(path, text))


def _syntax_error(path: str, text: str, message: str) -> ConfigError:
    match = _TOML_AT.match(message)
    if not match:
        return ConfigError(path, None, message)
    reason, line, column = match.groups()
    if line is None:
        return ConfigError(path, text.count("\n") + 1, f"{reason} (at the end of the file)")
    return ConfigError(path, int(line), f"{reason} (column {column})")


# --- where things are: line numbers for semantic errors ---------------------------------


class LineIndex:
    """The line each table, key and array element of a valid TOML text starts on, by path."""

    def __init__(self, text: str) -> None:
        self._text, self._i = text, 0
        self._newlines = [m.start() for m in re.finditer("\n", text)]
        self._arrays: dict[Where, int] = {}  # array-of-tables path -> entries seen so far
        self.lines: dict[Where, int] = {}
        table: Where = ()
        while self._skip() < len(text):
            table = self._header() if text[self._i] == "[" else self._keyvalue(table)

    def line(self, where: Where) -> int | None:
        while where and where not in self.lines:
            where = where[:-1]
        return self.lines.get(where)

    def _note(self, where: Where) -> None:
        line = bisect_left(self._newlines, self._i) + 1
        for n in range(1, len(where) + 1):
            self.lines.setdefault(where[:n], line)

    def _skip(self) -> int:
        text = self._text
        while self._i < len(text) and text[self._i] in " \t\r\n#":
            if text[self._i] == "#":
                end = text.find("\n", self._i)
                self._i = len(text) if end < 0 else end
            else:
                self._i += 1
        return self._i

    def _header(self) -> Where:
        many = self._text.startswith("[[", self._i)
        self._i += 2 if many else 1
        keys = self._keys()
        where: Where = ()
        for n, key in enumerate(keys):
            where += (key,)
            if many and n == len(keys) - 1:
                self._arrays[where] = self._arrays.get(where, 0) + 1
            if where in self._arrays:
                where += (self._arrays[where] - 1,)
        self._note(where)
        self._i += 2 if many else 1
        return where

    def _keys(self) -> list[str]:
        keys: list[str] = []
        while True:
            self._skip()
            start = self._i
            if self._text[start] in "\"'":
                self._string()
                keys.append(str(tomllib.loads("k = " + self._text[start : self._i])["k"]))
            else:
                match = _BARE_KEY.match(self._text, start)
                self._i = match.end() if match else start + 1
                keys.append(self._text[start : self._i])
            self._skip()
            if self._text[self._i] != ".":
                return keys
            self._i += 1

    def _keyvalue(self, table: Where) -> Where:
        where = table + tuple(self._keys())
        self._note(where)
        self._i += 1  # the '='
        self._skip()
        self._value(where)
        return table

    def _value(self, where: Where) -> None:
        opener = self._text[self._i]
        if opener in "\"'":
            self._string()
        elif opener in "[{":
            self._container(where, opener)
        else:
            match = _SCALAR.match(self._text, self._i)
            self._i = match.end() if match else self._i + 1

    def _container(self, where: Where, opener: str) -> None:
        closer, index = ("]" if opener == "[" else "}"), 0
        self._i += 1
        while self._skip() < len(self._text) and self._text[self._i] != closer:
            if opener == "[":
                self._note(where + (index,))
                self._value(where + (index,))
            else:
                self._keyvalue(where)
            self._skip()
            if self._text.startswith(",", self._i):
                self._i += 1
            index += 1
        self._i += 1

    def _string(self) -> None:
        text, quote = self._text, self._text[self._i]
        delim = quote * 3 if text.startswith(quote * 3, self._i) else quote
        j = self._i + len(delim)
        while j < len(text) and not text.startswith(delim, j):
            j += 2 if quote == '"' and text[j] == "\\" else 1
        j += len(delim)
        while len(delim) == 3 and j < len(text) and text[j] == quote:  # quotes ending the body
            j += 1
        self._i = j


class Source:
    """The text being read, and where its parts are (worked out only when an error needs it)."""

    def __init__(self, path: str, text: str) -> None:
        self.path, self._text = path, text
        self._index: LineIndex | None = None

    def line(self, where: Where) -> int | None:
        if self._index is None:
            self._index = LineIndex(self._text)
        return self._index.line(where)

    def error(self, where: Where, reason: str) -> ConfigError:
        shown = f"{dotted(where)}: {reason}" if where else reason
        return ConfigError(self.path, self.line(where), shown)


def dotted(where: Where) -> str:
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in where)
    return text.lstrip(".")


def describe(value: object) -> str:
    kinds: tuple[tuple[type, str], ...] = (
        (bool, "a boolean"),
        (str, "a string"),
        (int, "an integer"),
        (float, "a float"),
        (list, "an array"),
        (dict, "a table"),
        (datetime, "a date-time"),
        (date, "a date"),
        (time, "a time"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


# --- reading typed values, refusing with a line --------------------------------------------


@dataclass(frozen=True)
class Table:
    """One TOML table, with typed getters that refuse a bad value at its line."""

    data: Mapping[str, object]
    at: Where
    source: Source

    def fail(self, reason: str, *key: str | int) -> NoReturn:
        raise self.source.error(self.at + key, reason)

    def has(self, key: str) -> bool:
        return key in self.data

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in allowed:
                close = get_close_matches(key, allowed, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.fail(f"unknown key{hint}", key)

    def typed(self, key: str, kinds: tuple[type, ...], what: str) -> object | None:
        value = self.data.get(key)
        if value is not None and (
            not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds)
        ):
            self.fail(f"must be {what}, not {describe(value)}", key)
        return value

    def optional_text(self, key: str) -> str | None:
        value = cast(str | None, self.typed(key, (str,), "a string"))
        if value is not None and not value.strip():
            self.fail("must not be empty", key)
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value = self.optional_text(key)
        if value is None and default is None:
            self.fail(f"missing required key '{key}'")
        return value if value is not None else cast(str, default)

    def ident(self, key: str) -> str:
        value = self.text(key)
        if not IDENT.fullmatch(value):
            self.fail(f"'{value}' is not an id (lower-case letters, digits, '-' and '_')", key)
        return value

    def integer(self, key: str, default: int | None = None, minimum: int = 1) -> int:
        value = cast(int | None, self.typed(key, (int,), "an integer"))
        if value is None:
            if default is None:
                self.fail(f"missing required key '{key}'")
            return default
        if value < minimum:
            self.fail(f"must be at least {minimum}, not {value}", key)
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = cast(bool | None, self.typed(key, (bool,), "true or false"))
        return default if value is None else value

    def choice(self, key: str, kind: type[E], default: E | None = None) -> E:
        value = self.text(key, default.value if default is not None else None)
        if value not in {member.value for member in kind}:
            options = ", ".join(f"'{member.value}'" for member in kind)
            self.fail(f"must be one of {options}, not '{value}'", key)
        return kind(value)

    def items(self, key: str) -> list[object] | None:
        return cast(list[object] | None, self.typed(key, (list,), "an array"))

    def strings(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        values = self.items(key)
        if values is None:
            if default is None:
                self.fail(f"missing required key '{key}'")
            return default
        if not values:
            self.fail("must list at least one entry", key)
        seen: set[str] = set()
        for index, value in enumerate(values):
            if not isinstance(value, str) or not IDENT.fullmatch(value):
                self.fail(f"entries must be ids, not {value!r}", key, index)
            if value in seen:
                self.fail(f"'{value}' is listed twice", key, index)
            seen.add(value)
        return tuple(cast(list[str], values))

    def table(self, key: str) -> Table | None:
        value = cast(dict[str, object] | None, self.typed(key, (dict,), "a table"))
        return None if value is None else Table(value, self.at + (key,), self.source)

    def subtables(self, key: str) -> list[tuple[str, Table]]:
        """A table of named tables, like [services.<id>]."""
        outer = self.table(key)
        if outer is None:
            return []
        for name in outer.data:
            outer.typed(name, (dict,), f"a table ([{dotted(outer.at)}.{name}])")
        return [(name, cast(Table, outer.table(name))) for name in outer.data]

    def array_of_tables(self, key: str) -> list[Table]:
        values = self.typed(key, (list,), f"an array of tables ([[{key}]])")
        tables = []
        for index, value in enumerate(cast(list[object], values or [])):
            if not isinstance(value, dict):
                self.fail(f"entries must be tables, not {describe(value)}", key, index)
            tables.append(Table(value, self.at + (key, index), self.source))
        return tables


class Registry:
    """Ids that must be unique, remembering where each was first declared."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], Where] = {}

    def claim(self, kind: str, value: str, table: Table, key: str, secret: bool = False) -> None:
        first = self._seen.setdefault((kind, value), table.at + (key,))
        if first != table.at + (key,):
            line = table.source.line(first)
            shown = kind if secret else f"{kind} '{value}'"
            table.fail(f"{shown} is declared twice (first at line {line})", key)
