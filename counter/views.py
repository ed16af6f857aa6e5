"""The console blueprint: one page (login, choice of counter, the console) and its files.

The page needs no credential to load. The person logs in on it (POST /api/session); the
browser then carries the login cookie, and the page keeps the CSRF token in memory only.
The Japanese words of the page, of its error messages (by error code) and of the events
of a ticket's journey live in i18n/ja.json and are handed to the script with the page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, make_response, render_template

I18N = Path(__file__).resolve().parent / "i18n" / "ja.json"


bp = Blueprint(
    "counter",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


def words() -> dict[str, Any]:
    """The page's Japanese (read on every page load, so an edit shows on the next reload):
    `ui` strings, `errors` by code, journey `events`, call `reasons`, visitor `languages`,
    ticket and counter `statuses`, and print outcomes (`prints`)."""
    data: dict[str, Any] = json.loads(I18N.read_text(encoding="utf-8"))
    for section in ("ui", "errors", "events", "reasons", "languages", "statuses", "prints"):
        if not isinstance(data.get(section), dict):
            raise ValueError(f"{I18N.name}: '{section}' must be an object")
    return data


@bp.get("/")
def page() -> Response:
    ja = words()
    response = make_response(render_template("counter/index.html", ui=ja["ui"], words=ja))
    response.headers["Cache-Control"] = "no-store"
    return response
