"""The public crowding pages (混雑状況) /status/ and /status/<site>, and their open JSON.

No login, no token: numbers only, public desks only. The pages are whole without JavaScript
(rendered here) and update themselves where it runs (status.js asks the JSON again); the
JSON under /api/public/ carries an ETag and Cache-Control so a city's web site or open-data
portal can embed it cheaply, and every request counts against the address's rate limit.
"""

from __future__ import annotations

import hashlib
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, render_template, request
from markupsafe import Markup, escape

from ..desk_words import RUBY, ruby_words
from ..domain.errors import unknown_site
from ..domain.model import Site
from ..phone.views import public_base
from ..services import services

bp = Blueprint(
    "status",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/status-static",
)
I18N = Path(__file__).parent / "i18n"
LANGUAGES = ("ja", "ja-easy", "en")
LANGUAGE_NAMES = {"ja": "日本語", "ja-easy": "やさしい にほんご", "en": "English"}
MAX_AGE = 15  # seconds a cache may keep the JSON: the page asks again as often


@cache
def words(language: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((I18N / f"{language}.json").read_text(encoding="utf-8"))
    return data


def ruby(text: str) -> Markup:
    """{漢字|かんじ} as <ruby>: how the kiosk writes easy Japanese. Text with readings is
    written word by word (やさしい日本語 puts spaces between words), each word kept whole
    on one line (`.word`), as on the kiosk and the phone page: a line never breaks inside a
    word or between a kanji and its reading."""
    if not RUBY.search(text):
        return Markup(escape(text))
    words = []
    for word in ruby_words(text):
        inner = Markup("").join(
            Markup("<ruby>{}<rt>{}</rt></ruby>").format(piece, reading) if reading
            else escape(piece) for piece, reading in word)
        words.append(Markup('<span class="word">{}</span>').format(inner))
    return Markup(" ").join(words)


def plain(text: str) -> str:
    return RUBY.sub(lambda m: m[1], text)


def language() -> str:
    asked = request.args.get("lang", "ja")
    return asked if asked in LANGUAGES else "ja"


def limited() -> None:
    server = services()
    server.public_limit.take(request.remote_addr or "")


def public_site(site_id: str) -> Site:
    site = services().sites.get(site_id)
    if site is None:
        raise unknown_site(site_id)
    return site


def localised(view: dict[str, Any], lang: str, site: Site) -> dict[str, Any]:
    """The view with the desks' names in the language (the kiosk's words: the site file's
    visitor labels, easy Japanese with its readings) and the estimates in words."""
    text = words(lang)
    desks = []
    for desk in view["desks"]:
        estimate = desk["estimate"]
        if estimate is None:
            said = text["estimate_none"]
        elif estimate["high_min"] <= 5:
            said = text["estimate_soon"]
        elif estimate["low_min"] == 0:
            said = text["estimate_within"].format(high=estimate["high_min"])
        else:
            said = text["estimate_range"].format(low=estimate["low_min"], high=estimate["high_min"])
        desks.append({**desk, "label": desk_label(site, desk["id"], lang, desk["name"]),
                      "estimate_text": said})
    return {**view, "desks": desks}


def desk_label(site: Site, desk_id: str, lang: str, shown: str) -> str:
    """A desk as the kiosk names it in `lang`; a sensitive one only by its public name."""
    service = site.service(desk_id)
    if service is None:
        return shown
    return service.public_label if service.sensitive else service.visitor(lang)[0]


def cached_json(payload: dict[str, Any]) -> Response:
    """JSON with a strong ETag of its bytes; 304 when the client has it already."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": tag,
        "Cache-Control": f"public, max-age={MAX_AGE}",
        "Access-Control-Allow-Origin": "*",
        "Vary": "Accept-Encoding",
    }
    if tag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    return Response(body, mimetype="application/json", headers=headers)


def page_context(lang: str) -> dict[str, Any]:
    return {
        "text": words(lang),
        "lang": lang,
        "languages": LANGUAGE_NAMES,
        "ruby": ruby,
        "weekdays": words(lang)["weekdays"].split(","),
    }


# ---- pages ----------------------------------------------------------------------------------


@bp.get("/status/")
def index() -> str:
    limited()
    server, lang = services(), language()
    views = [localised(server.public_status.site(s), lang, s) for s in server.sites.values()]
    return render_template("status/index.html", sites=views, **page_context(lang))


@bp.get("/status/<site_id>")
def site_page(site_id: str) -> str:
    limited()
    server, lang = services(), language()
    site = public_site(site_id)
    view = localised(server.public_status.site(site), lang, site)
    usual = server.public_status.usual(site)
    every = request.args.get("every", type=int) or MAX_AGE  # seconds between live updates
    return render_template(
        "status/site.html",
        site=view,
        usual=usual,
        every=min(max(every, 2), 300) * 1000,
        **page_context(lang),
    )


@bp.get("/status/<site_id>/poster")
def poster(site_id: str) -> str:
    limited()
    site, lang = public_site(site_id), language()
    address = f"{public_base(services().settings)}/status/{site.id}"
    image = qrcode.make(
        address,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode().split("?>", 1)[-1]
    return render_template(
        "status/poster.html", site=site, address=address, qr=Markup(svg), **page_context(lang)
    )


# ---- open JSON ------------------------------------------------------------------------------


@bp.get("/api/public/sites")
def all_sites_json() -> Response:
    limited()
    server = services()
    return cached_json({"sites": [server.public_status.site(s) for s in server.sites.values()]})


@bp.get("/api/public/sites/<site_id>")
def site_json(site_id: str) -> Response:
    limited()
    server = services()
    site = public_site(site_id)
    return cached_json(
        {
            **server.public_status.site(site),
            "usual": server.public_status.usual(site),
        }
    )
