"""Errors as JSON, and reading request bodies, for every endpoint of the client API.

Every error leaves as ``{"error": code, "message": text}``: the code for programs (the
client turns it into translated words), the message for a person reading a log or curl.
aiohttp's own errors (unknown route, wrong method, body too large) are rewritten the same
way. Anything unexpected is logged with its traceback and answered 500 "internal_error":
that is a bug to fix, never a way to report bad input.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Codes for aiohttp's HTTP exceptions that carry no code of ours.
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
}
_STATUS_MESSAGES = {
    404: "There is no such API endpoint; see /api/v1/openapi.json",
    405: "This endpoint does not accept the {method} method",
    413: "The request body is too large",
}


class ApiError(Exception):
    """Raise from a handler to answer ``status`` with ``{"error": code, "message": ...}``."""

    def __init__(self, status: int, code: str, message: str,
                 headers: Mapping[str, str] | None = None,
                 fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.fields = dict(fields or {})


def invalid(message: str, field: str | None = None, code: str = "invalid_request",
            **extra: str) -> ApiError:
    """A 422: the JSON was well-formed but a value is wrong."""
    if field is not None:
        extra["field"] = field
    return ApiError(422, code, message, fields=extra)


def error_response(status: int, code: str, message: str,
                   headers: Mapping[str, str] | None = None,
                   **fields: str) -> web.Response:
    body = {"error": code, "message": message, **fields}
    return web.json_response(body, status=status, headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as err:
        return error_response(err.status, err.code, err.message, err.headers, **err.fields)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        # Keep Allow (405), Retry-After and the like; the body becomes ours.
        headers = {k: v for k, v in exc.headers.items()
                   if k.lower() not in ("content-type", "content-length")}
        template = _STATUS_MESSAGES.get(exc.status, exc.reason)
        message = template.format(method=request.method)
        code = _STATUS_CODES.get(exc.status, "http_error")
        return error_response(exc.status, code, message, headers)
    except ConnectionError:
        # The client hung up mid-request: normal life, not a bug, so no traceback. Nobody
        # reads the answer; aiohttp drops it quietly.
        log.info("client API: %s %s: the client dropped the connection", request.method,
                 request.path, extra={"event": "api_client_gone", "path": request.path})
        return error_response(400, "connection_lost", "The connection was lost")
    except Exception:
        log.exception("client API: unexpected error in %s %s", request.method, request.path)
        return error_response(500, "internal_error",
                              "The PBX failed to handle this request; the error is logged")


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object; 400 if it is not JSON, 422 if not an object."""
    raw = await request.read()
    if not raw.strip():
        raise ApiError(400, "malformed_json", "The request needs a JSON body")
    try:
        text = raw.decode("utf-8")
        data = json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_json", "The request body is not UTF-8 text") from None
    except ValueError as exc:
        raise ApiError(400, "malformed_json",
                       f"The request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "The request body is nested too deeply") from None
    if not isinstance(data, dict):
        raise invalid(f"The request body must be a JSON object, not {json_type(data)}")
    return data


def _reject_constant(name: str) -> Any:
    # json.loads accepts NaN and Infinity, which are not JSON (RFC 8259 section 6).
    raise ValueError(f"{name} is not a JSON value")


def json_type(value: object) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string",
             list: "an array", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def require_fields(data: Mapping[str, Any], required: tuple[str, ...],
                   allowed: tuple[str, ...]) -> None:
    """422 for a missing or unknown field, naming it."""
    for name in data:
        if name not in allowed:
            raise invalid(f"Unknown field '{name}'; expected " +
                          ", ".join(f"'{a}'" for a in allowed), field=name,
                          code="unknown_field")
    for name in required:
        if name not in data:
            raise invalid(f"Field '{name}' is missing", field=name, code="missing_field")
