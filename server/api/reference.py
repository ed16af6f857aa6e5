"""`/api/docs`: the OpenAPI document shown as a browsable reference page (Swagger UI).

Swagger UI comes from npm (swagger-ui-dist, pinned in package-lock.json) and is served from
/static/vendor like the other browser libraries; the page's policy lets it load nothing
from anywhere but this server.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from ..headers import content_security_policy

bp = Blueprint("api_reference", __name__, template_folder="templates")

# Swagger UI sets style attributes as it draws, so inline styles are allowed; scripts only
# from this server, and every request (the document, "Try it out") only to it.
POLICY = content_security_policy(
    default_src="'none'", style_src="'self' 'unsafe-inline'", font_src="'self' data:",
    media_src=None, object_src=None)


@bp.get("/docs")
def reference_page() -> Response:
    response = Response(render_template("api/docs.html"))
    response.headers["Content-Security-Policy"] = POLICY
    return response
