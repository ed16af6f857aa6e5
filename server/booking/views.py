"""The public appointment pages. They need no login: booking is open where the site allows
it, and a booking's page is opened by its code (unguessable, and wrong codes are limited).
They show free places only, never who booked, and a sensitive desk only by its public name.
"""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, render_template, request

from ..api.bookings import booking_view
from ..domain.appointments import normalise_code, shown_code
from ..domain.errors import Refusal
from ..phone.views import public_base
from ..refusals import in_japanese
from ..services import services

bp = Blueprint("booking", __name__, template_folder="templates", static_folder="static",
               static_url_path="/booking-static")
I18N = Path(__file__).parent / "i18n"


@cache
def strings() -> dict[str, str]:
    data: dict[str, str] = json.loads((I18N / "ja.json").read_text(encoding="utf-8"))
    return data


def _client() -> str:
    return f"address:{request.remote_addr or '?'}"


@bp.get("/book/<site_id>")
def book_page(site_id: str) -> Any:
    server = services()
    site = server.sites.get(site_id)
    text = strings()
    if site is None or not site.appointments.public:
        return render_template("booking/closed.html", text=text), 404
    return render_template("booking/book.html", text=text, site=site)


@bp.get("/b/<code>")
def booking_page(code: str) -> Any:
    text = strings()
    try:
        booking = services().bookings.by_code(code, _client())
    except Refusal as refusal:
        status = 429 if refusal.code == "too_many_attempts" else 404
        return render_template("booking/unknown.html", text=text,
                               message=in_japanese(refusal)), status
    bare = normalise_code(code)
    site = services().sites[booking.site_id]
    desk = site.service(booking.service_id)
    booked = booking.status.value == "booked"
    # Moved on this page only to slots the public page offers; staff move the others.
    movable = booked and site.appointments.public and desk is not None and not desk.sensitive
    return render_template("booking/booking.html", text=text, code=bare,
                           shown=shown_code(bare), view=booking_view(booking, public=True),
                           changeable=booked, movable=movable)


@bp.get("/b/<code>/qr.svg")
def qr_svg(code: str) -> Response:
    try:
        services().bookings.by_code(code, _client())
    except Refusal as refusal:
        return Response(status=429 if refusal.code == "too_many_attempts" else 404)
    address = f"{public_base(services().settings)}/b/{normalise_code(code)}"
    image = qrcode.make(address, image_factory=qrcode.image.svg.SvgPathImage,
                        error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    out = io.BytesIO()
    image.save(out)
    return Response(out.getvalue(), mimetype="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=3600"})
