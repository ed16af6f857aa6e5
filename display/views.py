"""The display blueprint: one page for the waiting-room screen and the per-counter screen.

Like the kiosk, the page needs no credential to load: the device token comes once in the
address (?token=…), is kept in the browser, and every request and the Socket.IO connection
carry it. Which screen it draws follows from the token (GET /api/me): a display bound to a
counter shows that counter's number, any other display its area's calls.
"""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template

from server.headers import content_security_policy

# The blob: audio of the announcements.
CONTENT_SECURITY_POLICY = content_security_policy(media_src="'self' blob:")

bp = Blueprint(
    "display",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)


@bp.get("/")
def page() -> Response:
    response = make_response(render_template("display/index.html"))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
