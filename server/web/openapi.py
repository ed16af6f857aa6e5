"""The OpenAPI document, built from the same declarations the routes use."""

from __future__ import annotations

import re
from typing import Any

from ..refusals import CATALOGUE
from .endpoints import REGISTRY, EndpointSpec

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "A stable code, such as site_closed"},
        "message": {"type": "string", "description": "What went wrong, for a person"},
    },
}


def _parameters(spec: EndpointSpec) -> list[dict[str, Any]]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer"} if name == "ticket_id" else {"type": "string"},
        }
        for name in re.findall(r"{(\w+)}", spec.path)
    ]
    params += [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in spec.query.items()
    ]
    if spec.idempotent:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "A retry with the same key gets the first answer back.",
                "schema": {"type": "string", "maxLength": 100},
            }
        )
    return params


def _responses(spec: EndpointSpec) -> dict[str, Any]:
    error = {"description": "", "content": {"application/json": {"schema": ERROR_SCHEMA}}}
    responses: dict[str, Any] = {
        str(spec.ok_status): {
            "description": "OK",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
    by_status: dict[int, list[str]] = {}
    errors = list(spec.errors)
    # Codes every route of a kind can answer with, whatever its own list says.
    if "{site_id}" in spec.path and "unknown_site" not in errors:
        errors.insert(0, "unknown_site")
    if spec.idempotent:
        errors += ["invalid_idempotency_key", "idempotency_key_reused"]
    for code in errors:
        status = CATALOGUE[code].status or 400
        by_status.setdefault(status, []).append(code)
    if spec.body is not None:
        by_status.setdefault(400, []).extend(["invalid_json", "unsupported_media_type"])
        by_status.setdefault(422, []).extend(["invalid_field", "unknown_field"])
        by_status.setdefault(413, []).append("body_too_large")
    if spec.roles is not None:
        by_status.setdefault(401, []).append("unauthorized")
        by_status.setdefault(403, []).extend(["forbidden_role", "forbidden_site"])
    for status, codes in sorted(by_status.items()):
        responses[str(status)] = {**error, "description": "Error codes: " + ", ".join(codes)}
    return responses


def openapi_document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for spec in REGISTRY:
        operation: dict[str, Any] = {
            "summary": spec.summary,
            "tags": [spec.tag],
            "parameters": _parameters(spec),
            "responses": _responses(spec),
        }
        if spec.roles is not None:
            operation["security"] = [{"bearer": []}]
            operation["description"] = "Allowed for: " + ", ".join(spec.roles)
        if spec.body is not None:
            operation["requestBody"] = {
                "required": False,
                "content": {"application/json": {"schema": spec.body}},
            }
        paths.setdefault("/api" + spec.path, {})[spec.method.lower()] = operation
    paths["/api/openapi.json"] = {
        "get": {
            "summary": "This document",
            "tags": ["system"],
            "responses": {"200": {"description": "OK"}},
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "madoguchi",
            "version": "0.1.0",
            "description": "Reception, ticketing and calling for public service counters.",
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }
