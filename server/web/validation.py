"""A small JSON-Schema subset: checks request bodies and doubles as the OpenAPI schemas."""

from __future__ import annotations

from typing import Any

from ..domain.errors import Invalid

Schema = dict[str, Any]


def obj(properties: dict[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False}


def string(max_length: int = 200, **extra: Any) -> Schema:
    return {"type": "string", "minLength": 1, "maxLength": max_length, **extra}


def integer(minimum: int = 0, maximum: int = 2**53, **extra: Any) -> Schema:
    return {"type": "integer", "minimum": minimum, "maximum": maximum, **extra}


def boolean(**extra: Any) -> Schema:
    return {"type": "boolean", **extra}


def array(items: Schema, min_items: int = 0, max_items: int = 20) -> Schema:
    return {"type": "array", "items": items, "minItems": min_items, "maxItems": max_items}


_TYPE_WORDS = {"object": "an object", "string": "a string", "integer": "a whole number",
               "boolean": "true or false", "array": "a list", "number": "a number"}


def validate(value: Any, schema: Schema, where: str = "body") -> None:
    """Raise `invalid_field` naming the first field that does not fit `schema`."""
    kind = schema["type"]
    if not _is_type(value, kind):
        raise _bad(where, f"must be {_TYPE_WORDS[kind]}")
    check = _CHECKS.get(kind)
    if check is not None:
        check(value, schema, where)


def _check_object(value: dict[str, Any], schema: Schema, where: str) -> None:
    props = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            raise _bad(f"{where}.{name}", "is required")
    extra_schema = schema.get("additionalProperties", True)
    if not extra_schema:
        extra = sorted(set(value) - set(props))
        if extra:
            raise _bad(f"{where}.{extra[0]}", "is not a known field", code="unknown_field")
    if len(value) > schema.get("maxProperties", len(value)):
        raise _bad(where, f"must have at most {schema['maxProperties']} entries")
    if isinstance(extra_schema, dict):
        for name in sorted(set(value) - set(props)):
            validate(value[name], extra_schema, f"{where}.{name}")
    for name, sub in props.items():
        if name in value and not (value[name] is None and sub.get("nullable")):
            validate(value[name], sub, f"{where}.{name}")


def _check_string(value: str, schema: Schema, where: str) -> None:
    if len(value) < schema.get("minLength", 0):
        raise _bad(where, "must not be empty")
    if len(value) > schema.get("maxLength", 10_000):
        raise _bad(where, f"must be at most {schema['maxLength']} characters")
    if "enum" in schema and value not in schema["enum"]:
        raise _bad(where, "must be one of " + ", ".join(schema["enum"]))


def _check_number(value: float, schema: Schema, where: str) -> None:
    if value < schema.get("minimum", value) or value > schema.get("maximum", value):
        raise _bad(where, f"must be between {schema['minimum']} and {schema['maximum']}")


def _check_array(value: list[Any], schema: Schema, where: str) -> None:
    if len(value) < schema.get("minItems", 0):
        raise _bad(where, f"must have at least {schema['minItems']} item(s)")
    if len(value) > schema.get("maxItems", 1000):
        raise _bad(where, f"must have at most {schema['maxItems']} items")
    for i, item in enumerate(value):
        validate(item, schema["items"], f"{where}[{i}]")


_CHECKS: dict[str, Any] = {"object": _check_object, "string": _check_string,
                           "integer": _check_number, "number": _check_number,
                           "array": _check_array}


def _is_type(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    return False


def _bad(where: str, what: str, code: str = "invalid_field") -> Invalid:
    return Invalid(f"'{where}' {what}.", code, field=where)
