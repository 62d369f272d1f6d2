"""The OpenAPI document declares the real error bodies (api/errors.py) on every operation.

FastAPI lists only its own 422 (HTTPValidationError, a `detail` list) which the app never answers; here
every operation gets ErrorOut for 4XX/5XX, ValidationErrorOut-compatible 422, and 401/403/404 where they
apply, so clients and schemathesis see the shape the server really sends.
"""
from typing import Any

from fastapi import FastAPI

VALIDATION_PROBLEM = {
    "type": "object",
    "title": "ValidationProblem",
    "description": "One invalid field: pydantic's error type as `code` and its context as `params`.",
    "required": ["field", "code", "params", "message"],
    "properties": {
        "field": {"type": "string", "description": "dotted location, e.g. 'reason' or 'query.size_m'"},
        "code": {"type": "string", "description": "missing, string_too_long, greater_than, …"},
        "params": {"type": "object", "description": "max_length, min_length, limit, …"},
        "message": {"type": "string"},
    },
}

ERROR_OUT = {
    "type": "object",
    "title": "ErrorOut",
    "description": "Every error: an English `detail` for administrators, a stable `code` (docs/ERRORS.md) "
                   "the UI picks its Chinese text by, and the `params` that text needs.",
    "required": ["detail", "code", "params"],
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "stable dotted code, see docs/ERRORS.md"},
        "params": {"type": "object"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationProblem"}},
        # the few errors with more for a program to act on (api.errors.ApiError extra=…)
        "location": {"type": ["array", "null"], "items": {"type": "number"},
                     "description": "geometry.*: [lon, lat] of the problem"},
        "current_version": {"type": "integer", "description": "beat.version_stale: the version to send"},
        "problems": {"type": "array", "items": {"type": "object"},
                     "description": "plan.checks_failed: the blocking problems of GET /api/plans/{id}/check"},
        "dispute_status": {"type": "string", "description": "dispute.*: the dispute's current status"},
        "level": {"type": "string", "description": "dispute.*: the dispute's level"},
        "allowed": {"type": "array", "items": {"type": "string"}, "description": "transitions allowed now"},
        "allowed_events": {"type": "array", "items": {"type": "string"}, "description": "events allowed now"},
    },
}

VALIDATION_ERROR_OUT = {
    "type": "object",
    "title": "ValidationErrorOut",
    "description": "422: request validation (code request.validation, with `errors`) or a domain check.",
    "required": ["detail", "code", "params"],
    "properties": ERROR_OUT["properties"],
}

_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _response(description: str, schema: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def declare_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Add the error responses to every operation of an OpenAPI document (in place) and return it."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas.update(ErrorOut=ERROR_OUT, ValidationErrorOut=VALIDATION_ERROR_OUT,
                   ValidationProblem=VALIDATION_PROBLEM)
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            _json_text_models(responses)
            params = operation.get("parameters", [])
            responses["422"] = _response("Invalid input", "ValidationErrorOut")
            if operation.get("security"):
                responses.setdefault("401", _response("Not signed in, or the session has ended", "ErrorOut"))
                responses.setdefault("403", _response("The role may not do this", "ErrorOut"))
            if any(p.get("in") == "path" for p in params):
                responses.setdefault("404", _response("Not found, or not in the user's scope", "ErrorOut"))
            responses.setdefault("4XX", _response("Any other refusal (409, 412, 413, 428, 429, …)", "ErrorOut"))
            responses.setdefault("5XX", _response("Database unreachable or busy (503)", "ErrorOut"))
    return document


def _json_text_models(responses: dict[str, Any]) -> None:
    """A model declared for JSON text sent as application/geo+json is that model, not also a string.

    (FastAPI adds `type: string` next to the `$ref` for media types it does not know as JSON.)
    """
    for response in responses.values():
        for media, content in response.get("content", {}).items():
            schema = content.get("schema", {})
            if media.endswith("+json") and "$ref" in schema and schema.get("type") == "string":
                del schema["type"]


def install_openapi(app: FastAPI) -> None:
    """Make app.openapi() return the document with the real error shapes (built once, then cached)."""

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            declare_errors(generate())  # FastAPI's own document, which it caches in app.openapi_schema
        return app.openapi_schema

    app.openapi = openapi
