"""The language files: complete, consistent placeholders, well-formed ruby; every Sapporo desk
in every language, from the site file."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from kiosk.views import I18N_DIR, LanguageFileError, languages, read_language

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ["ja", "ja-easy", "en", "zh", "ko", "vi"]
RUBY = re.compile(r"\{([^{}|]+)\|([^{}|]*)\}")
VAR = re.compile(r"\{(\w+)\}")
FILES = sorted(p.stem for p in I18N_DIR.glob("*.json"))


def sapporo_desks() -> dict[str, Any]:
    config = tomllib.loads((ROOT / "server" / "sapporo.toml").read_text("utf-8"))
    desks: dict[str, Any] = config["services"]
    return desks


def load(code: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((I18N_DIR / f"{code}.json").read_text("utf-8"))
    return data


def test_the_six_languages_are_there_with_japanese_first() -> None:
    codes = [lang["code"] for lang in languages()]
    assert set(REQUIRED) <= set(codes)
    assert codes[0] == "ja"
    assert [lang["name"] for lang in languages()][:3] == ["日本語", "やさしい にほんご", "English"]


@pytest.mark.parametrize("code", FILES)
def test_a_language_has_every_string_japanese_has(code: str) -> None:
    assert set(load(code)["ui"]) == set(load("ja")["ui"])


@pytest.mark.parametrize("code", FILES)
def test_the_sapporo_file_names_every_desk_in_every_language_of_the_kiosk(code: str) -> None:
    for desk, table in sapporo_desks().items():
        entry = table["visitor"].get(code)
        assert isinstance(entry, dict) and entry.get("label") and entry.get("description"), desk
        for text in entry.values():
            assert not set(RUBY.sub("", text)) & set("{}|"), text
        if code == "ja-easy":  # every kanji carries its reading
            assert not re.search(r"[\u4e00-\u9fff]", RUBY.sub("", entry["label"])), desk


def test_desks_words_are_not_kept_in_a_language_file(tmp_path: Path) -> None:
    for code in FILES:
        assert "services" not in load(code), code
    stray = tmp_path / "xx.json"
    stray.write_text('{"meta": {"code": "xx", "name": "X", "lang": "xx"}, "ui": {}, '
                     '"services": {"job": {"label": "Job"}}}', encoding="utf-8")
    with pytest.raises(LanguageFileError, match="site file"):
        read_language(stray)


@pytest.mark.parametrize("code", FILES)
def test_placeholders_match_japanese_and_ruby_markup_is_well_formed(code: str) -> None:
    ja = load("ja")["ui"]
    data = load(code)
    for key, value in data["ui"].items():
        assert set(VAR.findall(value)) == set(VAR.findall(ja[key])), key
    for text in data["ui"].values():
        rest = VAR.sub("", RUBY.sub("", text))
        assert not set(rest) & set("{}|"), text


def test_easy_japanese_carries_readings_on_its_kanji() -> None:
    easy = load("ja-easy")
    assert easy["meta"]["ruby"] is True
    title = str(easy["ui"]["start.title"])
    assert RUBY.findall(title) == [("用事", "ようじ"), ("選", "えら")]


def test_a_broken_language_file_names_itself(tmp_path: Path) -> None:
    broken = tmp_path / "xx.json"
    broken.write_text('{"meta": {"code": "yy", "name": "X", "lang": "xx"}}', encoding="utf-8")
    with pytest.raises(LanguageFileError, match="xx.json"):
        read_language(broken)
