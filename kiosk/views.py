"""The kiosk blueprint: one page that carries every language file, plus its static files.

The page needs no credential to load: the device token lives in the browser (localStorage)
and every API call and the Socket.IO connection carry it. Languages are data: each
`i18n/<code>.json` is one language (see i18n/README.md), read when the page is served.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, make_response, render_template

I18N_DIR = Path(__file__).resolve().parent / "i18n"
DEFAULT_LANGUAGE = "ja"


bp = Blueprint("kiosk", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")


class LanguageFileError(ValueError):
    pass


def read_language(path: Path) -> dict[str, Any]:
    """One language file, checked just enough that a broken file names itself."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LanguageFileError(f"{path.name}: {exc}") from exc
    meta = data.get("meta") if isinstance(data, dict) else None
    if not isinstance(meta, dict) or meta.get("code") != path.stem:
        raise LanguageFileError(f"{path.name}: 'meta.code' must be {path.stem!r}")
    for key in ("name", "lang"):
        if not isinstance(meta.get(key), str) or not meta[key]:
            raise LanguageFileError(f"{path.name}: 'meta.{key}' must be a non-empty string")
    if not isinstance(data.get("ui", {}), dict):
        raise LanguageFileError(f"{path.name}: 'ui' must be an object")
    if "services" in data:  # desks' words live in the site file (one home for them)
        raise LanguageFileError(f"{path.name}: desks' words belong in the site file's "
                                "[services.<id>.visitor.<language>], not in a language file")
    return {"code": meta["code"], "name": meta["name"], "lang": meta["lang"],
            "dir": meta.get("dir", "ltr"), "order": meta.get("order", 1000),
            "ruby": bool(meta.get("ruby", False)), "ui": data.get("ui", {})}


def languages() -> list[dict[str, Any]]:
    """Every language file, Japanese first, then by 'order' and code."""
    found = [read_language(p) for p in sorted(I18N_DIR.glob("*.json"))]
    return sorted(found, key=lambda lang: (lang["code"] != DEFAULT_LANGUAGE,
                                           lang["order"], lang["code"]))


@bp.get("/")
def page() -> Response:
    langs = languages()
    by_code = {lang["code"]: lang for lang in langs}
    response = make_response(render_template(
        "kiosk/index.html", languages=langs, default=DEFAULT_LANGUAGE,
        ja=by_code[DEFAULT_LANGUAGE]["ui"], en=by_code.get("en", by_code[DEFAULT_LANGUAGE])["ui"],
        data={"languages": langs, "default": DEFAULT_LANGUAGE}))
    response.headers["Cache-Control"] = "no-store"
    return response
