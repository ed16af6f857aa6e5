"""`/api/docs`: the OpenAPI document shown as a browsable reference page (Swagger UI).

Swagger UI comes from npm (swagger-ui-dist, pinned in package-lock.json) and is served from
/static/vendor like the other browser libraries; the page's policy lets it load nothing
from anywhere but this server.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

bp = Blueprint("api_reference", __name__, template_folder="templates")

# Swagger UI sets style attributes as it draws, so inline styles are allowed; scripts only
# from this server, and every request (the document, "Try it out") only to it.
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@bp.get("/docs")
def reference_page() -> Response:
    response = Response(render_template("api/docs.html"))
    response.headers["Content-Security-Policy"] = POLICY
    return response
