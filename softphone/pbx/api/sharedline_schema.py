"""The OpenAPI description of the shared-line endpoints (api/sharedlines.py); openapi.py
merges it into the document."""

from __future__ import annotations

from typing import Any

from softphone.pbx.api.oas import NUMBER_PATTERN, error_response, errors, json_response, ref
from softphone.pbx.api.sharedlines import AUDIT_LIMIT_DEFAULT, AUDIT_LIMIT_MAX, INTERVAL
from softphone.pbx.features.appearances import STATES
from softphone.pbx.linelog import ACTIONS
from softphone.pbx.sharedlines import TONE_MODES

_NUMBER = {"type": "string", "pattern": NUMBER_PATTERN}
_OPTIONAL_NUMBER = {"type": ["string", "null"]}
_LINE_PARAM = {"name": "number", "in": "path", "required": True, "schema": _NUMBER,
               "description": "The shared line's number"}
_SETTINGS: dict[str, Any] = {
    "barge_in": {"type": "boolean",
                 "description": "Members may join each other's calls on the line"},
    "warning_tone": {"enum": list(TONE_MODES),
                     "description": "What the talking parties hear when someone barges in"},
    "warning_interval": {"type": "integer", "minimum": INTERVAL[0], "maximum": INTERVAL[1],
                         "description": "Seconds between repeated warning tones"},
}
_LINE_OK = json_response(ref("schemas", "SharedLine"), "The line as it is now")
_NOT_FOUND = error_response("No such shared line (unknown_line)")

SCHEMAS: dict[str, Any] = {
    "Appearance": {
        "type": "object", "required": ["index", "state", "member", "party"],
        "properties": {
            "index": {"type": "integer", "minimum": 1, "maximum": 35},
            "state": {"enum": list(STATES)},
            "member": {**_OPTIONAL_NUMBER, "description": "The member on it"},
            "party": {**_OPTIONAL_NUMBER, "description": "The other party of its call"},
        },
    },
    "SharedLine": {
        "type": "object",
        "required": ["number", "name", "members", "appearances", *_SETTINGS],
        "properties": {
            "number": _NUMBER, "name": {"type": "string"},
            "members": {"type": "array", "items": _NUMBER,
                        "description": "The first is the line's owner"},
            "appearances": {"type": "array", "items": ref("schemas", "Appearance")},
            **_SETTINGS,
        },
    },
    "SharedLinePatch": {"type": "object", "additionalProperties": False,
                        "properties": _SETTINGS,
                        "description": "Any subset; all are checked before any is stored"},
    "SharedLineAudit": {
        "type": "object", "required": ["records"],
        "properties": {"records": {"type": "array", "items": {
            "type": "object",
            "required": ["at", "line", "appearance", "action", "user", "previous", "party"],
            "properties": {
                "at": {"type": "string", "format": "date-time", "description": "UTC"},
                "line": _NUMBER, "appearance": {"type": "integer"},
                "action": {"enum": list(ACTIONS)},
                "user": {"type": "string", "description": "Who did it"},
                "previous": {"type": "string", "description": "Who was on the call"},
                "party": {"type": "string", "description": "The other party"},
            }}}},
    },
    "SharedLineEvent": {
        "type": "object", "required": ["type", "line"],
        "properties": {"type": {"const": "shared_line"}, "line": ref("schemas", "SharedLine")},
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/shared-lines/{number}": {
        "get": {"operationId": "getSharedLine",
                "summary": "A shared line's appearances and settings (members, administrators)",
                "parameters": [_LINE_PARAM],
                "responses": {"200": _LINE_OK, "404": _NOT_FOUND, **errors(401, 403)}},
        "patch": {"operationId": "patchSharedLine",
                  "summary": "Switch barge-in and the warning tone (the line's owner, "
                             "administrators); kept until the PBX restarts",
                  "parameters": [_LINE_PARAM],
                  "requestBody": {"required": True, "content": {"application/json": {
                      "schema": ref("schemas", "SharedLinePatch")}}},
                  "responses": {"200": _LINE_OK, "404": _NOT_FOUND,
                                **errors(400, 401, 403, 413, 422)}},
    },
    "/api/v1/shared-lines/{number}/appearances/{index}/private": {
        "put": {"operationId": "holdSharedLinePrivately",
                "summary": "Private hold: the held call on this appearance can be taken back "
                           "only by the member who holds it (that member only)",
                "parameters": [_LINE_PARAM, {
                    "name": "index", "in": "path", "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 35}}],
                "responses": {"200": _LINE_OK,
                              "404": error_response("No such line (unknown_line) or "
                                                    "appearance (unknown_appearance)"),
                              "409": error_response("The call is not on hold (not_held)"),
                              **errors(401, 403)}},
    },
    "/api/v1/shared-lines/{number}/audit": {
        "get": {"operationId": "getSharedLineAudit",
                "summary": "Barges, retrieves and moves on the line, newest first "
                           "(administrators)",
                "parameters": [_LINE_PARAM, {
                    "name": "limit", "in": "query", "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": AUDIT_LIMIT_MAX,
                               "default": AUDIT_LIMIT_DEFAULT}}],
                "responses": {"200": json_response(ref("schemas", "SharedLineAudit"),
                                                   "Records, newest first"),
                              "404": _NOT_FOUND, **errors(401, 403, 422)}},
    },
}
