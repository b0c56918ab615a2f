"""Small builders for the OpenAPI document's pieces, shared by the modules that describe
their own endpoints (openapi.py imports those modules, so they cannot import it)."""

from __future__ import annotations

from typing import Any

NUMBER_PATTERN = "^[0-9]{2,6}$"
_REF = "#/components/"
# The shared responses in openapi.RESPONSES, by status.
SHARED_RESPONSES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                    413: "TooLarge", 422: "Unprocessable", 426: "UpgradeRequired",
                    429: "Banned"}


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"{_REF}{kind}/{name}"}


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_response(description: str) -> dict[str, Any]:
    """An error response of its own (its own description), with the shared Error body."""
    return json_response(ref("schemas", "Error"), description)


def errors(*statuses: int) -> dict[str, Any]:
    """The shared error responses; every operation can meet a ban (429)."""
    return {str(s): ref("responses", SHARED_RESPONSES[s]) for s in (*statuses, 429)}
