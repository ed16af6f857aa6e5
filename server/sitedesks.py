"""A desk's names in the site file: the staff's name and the visitors' words per language.

A desk has one name for staff (`staff_name`: consoles, reports) and one label for visitors,
in each language the kiosk offers (`[services.<id>.visitor.<language>]`), which the kiosk's
button, the ticket screen, the printed ticket and the phone page all say. Site files written
before that (`name`, `description`, `translations`) are read as before, and named as old.
"""

from __future__ import annotations

import re

from server import sitekeys
from server.tomlread import Table

_OLD_KEYS = tuple(sitekeys.OLD_SERVICE)
_TRANSLATION_KEYS = tuple(sitekeys.TRANSLATION)
_VISITOR_KEYS = tuple(sitekeys.VISITOR)
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")
_RUBY = re.compile(r"\{[^{}|]+\|[^{}|]*\}")  # {漢字|かんじ}

Words = tuple[tuple[str, str, str], ...]  # (language, label, description)


def read_names(t: Table) -> tuple[str, Words, str]:
    """The staff's name, the visitors' words and their Japanese description of one
    [services.<id>] table."""
    if is_old_form(t):
        return t.text("name"), _language_tables(t, "translations"), t.text("description", "")
    words = _language_tables(t, "visitor")
    japanese = [text for lang, _, text in words if lang == "ja"]
    if not japanese:
        t.fail('missing the visitors\' Japanese words: visitor.ja = { label = "..." }',
               "visitor")
    return t.text("staff_name"), words, japanese[0]


def is_old_form(t: Table) -> bool:
    """A desk written before the visitor label (`name`, no `staff_name`); mixing the two
    forms is refused, so that no desk has two names for one purpose."""
    new = [key for key in ("staff_name", "visitor") if t.has(key)]
    old = [key for key in _OLD_KEYS if t.has(key)]
    if new and old:
        t.fail(f"'{old[0]}' belongs to the old form of a desk: with 'staff_name' and "
               "'visitor', write the visitors' words under visitor.<language> "
               "(description: visitor.ja.description)", old[0])
    return bool(old)


def old_form_notice(service_id: str, t: Table) -> str:
    """What `init` and the server say about a desk in the old form."""
    where = t.source.error(t.at, "")
    return (f"{where.path}:{where.line or '?'}: services.{service_id} is in the old form "
            "(name, description, translations): it is read as before, and visitors see "
            "'name' (a sensitive desk's public_name) in every language it has no translation "
            f"for. Write staff_name = ... and [services.{service_id}.visitor.ja] (and a table "
            "per language the kiosk offers): see the site-file reference.")


def _language_tables(t: Table, key: str) -> Words:
    """[services.<id>.<key>.<language>] label = "...", description = "..." """
    found = []
    for lang, entry in t.subtables(key):
        if not _LANGUAGE.fullmatch(lang):
            t.fail(f"'{lang}' is not a language code like en, zh or ja-easy", key, lang)
        entry.check_keys(_VISITOR_KEYS if key == "visitor" else _TRANSLATION_KEYS)
        label, text = entry.text("label"), entry.text("description", "")
        for field, value in (("label", label), ("description", text)):
            if "{" in _RUBY.sub("", value) or "}" in _RUBY.sub("", value):
                entry.fail("ruby is written {漢字|かんじ}: a brace is left unpaired", field)
        found.append((lang, label, text))
    return tuple(found)
