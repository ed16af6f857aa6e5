"""Endpoint plumbing: credentials, JSON bodies, idempotency keys and coded errors.

Every route is declared with `endpoint(...)`; the same declaration feeds the OpenAPI document.
A credential is a device's bearer token or a person's login cookie (see caller.py);
every state-changing call by a staff role is written to the audit log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from ..domain.errors import Elsewhere, Refusal, Unavailable
from ..refusals import status_of
from ..store.devices import Device
from . import audit as auditing
from . import caller
from .validation import Schema, validate

log = logging.getLogger(__name__)

STAFF_ROLES = ("staff", "manager", "admin")


class Denied(Refusal):
    """The caller may not do this (forbidden_role, forbidden_site, …)."""


class Unauthorized(Refusal):
    code = "unauthorized"


class BadRequest(Refusal):
    """The request cannot be read (invalid_json, …)."""


@dataclass
class EndpointSpec:
    method: str
    path: str
    summary: str
    roles: tuple[str, ...] | None  # None: no credential needed
    body: Schema | None = None
    query: dict[str, Schema] = field(default_factory=dict)
    idempotent: bool = False
    ok_status: int = 200
    errors: tuple[str, ...] = ()
    tag: str = "queue"


def error_response(exc: Refusal) -> Response:
    status = status_of(exc)
    body: dict[str, Any] = {"error": exc.code, "message": exc.message}
    body.update({k: v for k, v in exc.details.items() if isinstance(v, str | int | float)})
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="madoguchi"'
    if status == 429:
        response.headers["Retry-After"] = str(exc.details.get("retry_after", 1))
    return response


def store_lost_response(exc: Exception) -> Response:
    """The database went away while a request read it: 503, never a half answer."""
    log.warning("the database cannot be reached: %s", str(exc).splitlines()[0])
    return error_response(Unavailable("The database cannot be reached just now; nothing was "
                                      "changed.", "store_unavailable"))


def http_error_response(exc: HTTPException) -> Response:
    codes = {
        404: ("not_found", "There is no such address in the API."),
        405: ("method_not_allowed", f"This address does not accept {request.method}."),
        413: (
            "body_too_large",
            f"The request body is larger than {current_app.config['MAX_CONTENT_LENGTH']} bytes.",
        ),
        400: ("bad_request", "The request could not be read."),
    }
    code, message = codes.get(exc.code or 400, ("http_error", exc.description or ""))
    response = jsonify({"error": code, "message": message})
    response.status_code = exc.code or 400
    return response


def current_device() -> Device | None:
    """The caller: a device by its bearer token, or a person by their login cookie."""
    return caller.current_credential()


def authenticate() -> Device:
    device = current_device()
    if device is None:
        raise Unauthorized(
            "Send a valid credential: 'Authorization: Bearer <token>', or log "
            "in (POST /api/session)."
        )
    return device


def authorize(device: Device, roles: tuple[str, ...], site_id: str | None) -> None:
    """Refuse `device` unless it has one of `roles` and may act at `site_id`; a request made
    with the login cookie that changes anything must carry the CSRF token."""
    if caller.by_session():
        caller.check_csrf()
    if device.role not in roles:
        raise Denied(f"A {device.role} credential cannot do this.", "forbidden_role")
    if site_id is not None and device.role != "admin" and device.site_id != site_id:
        raise Denied("This credential belongs to another site.", "forbidden_site")


def require(roles: tuple[str, ...], site_id: str | None) -> Device:
    """The caller's credential, if it has one of `roles` and may act at `site_id`."""
    device = authenticate()
    authorize(device, roles, site_id)
    return device


def read_body(schema: Schema | None) -> dict[str, Any]:
    if schema is None:
        return {}
    raw = request.get_data(cache=True)
    if not raw.strip():
        body: Any = {}
    else:
        if request.mimetype != "application/json":
            raise BadRequest(
                "Send the body as JSON (Content-Type: application/json).", "unsupported_media_type"
            )
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(f"The body is not valid JSON: {exc}.", "invalid_json") from None
        except RecursionError:  # json.loads gives up on deep nesting this way
            raise BadRequest(
                "The body is not valid JSON: it is nested too deeply.", "invalid_json"
            ) from None
    validate(body, schema)
    return body  # type: ignore[no-any-return]


def idempotency(device: Device, body: dict[str, Any]) -> tuple[str | None, str]:
    """The scoped idempotency key of this request, and a hash of what it asks for."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= 100):
        raise BadRequest("Idempotency-Key must be 1 to 100 characters.", "invalid_idempotency_key")
    digest = hashlib.sha256(
        json.dumps([request.method, request.path, body], sort_keys=True).encode()
    ).hexdigest()
    scope = device.id if device.kind == "device" else f"{device.kind}:{device.id}"
    return (f"{scope}:{key}" if key else None), digest


REGISTRY: list[EndpointSpec] = []


def endpoint(bp: Blueprint, spec: EndpointSpec) -> Callable[[Callable[..., Any]], Any]:
    """Register a route: credential check, body check, then the handler."""
    REGISTRY.append(spec)
    flask_path = spec.path.replace("{", "<").replace("}", ">")
    flask_path = flask_path.replace("<ticket_id>", "<int:ticket_id>")

    def decorate(handler: Callable[..., Any]) -> Callable[..., Any]:
        def view(**params: Any) -> Any:
            audit = None
            try:
                device = None
                if spec.roles is not None:
                    device = authenticate()
                    audit = auditing.begin(device)
                    authorize(device, spec.roles, params.get("site_id"))
                body = read_body(spec.body)
                auditing.record_body(audit, body)
                result = handler(device=device, body=body, **params)
            except Elsewhere:
                raise  # a cluster's: the app passes it to the site's owner, who audits it
            except Refusal as exc:
                refusal = error_response(exc)
                if audit is not None:
                    audit.finish(refusal.status_code, exc.code)
                return refusal
            if isinstance(result, Response):
                response = result
            else:
                status, payload = result if isinstance(result, tuple) else (spec.ok_status, result)
                response = jsonify(payload)
                response.status_code = status
            if audit is not None:
                audit.finish(response.status_code)
            return response

        name = re.sub(r"\W+", "_", f"{spec.method}{spec.path}").strip("_").lower()
        view.__name__ = name
        bp.add_url_rule(flask_path, endpoint=name, view_func=view, methods=[spec.method])
        return handler

    return decorate
