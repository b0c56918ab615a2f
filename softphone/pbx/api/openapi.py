"""The client API described as OpenAPI 3.1, served at /api/v1/openapi.json.

Written as data next to the code it describes; tests/integration/test_api_schemathesis.py
runs schemathesis against a live server to prove the two agree (every status, header and
body the server sends is in here, and everything in here is accepted or refused as said).
"""

from __future__ import annotations

from typing import Any

from softphone.common.directory import EntryType, Presence
from softphone.pbx.api import conference_schema, doorvideo, ringgroups, sharedline_schema
from softphone.pbx.api.doors import AUDIT_LIMIT_DEFAULT, AUDIT_LIMIT_MAX
from softphone.pbx.api.favorites import MAX_FAVORITES
from softphone.pbx.api.oas import (
    NUMBER_PATTERN,
    error_response,
    errors,
    json_response,
    ref,
)
from softphone.pbx.api.settings import AFTER_MAX, AFTER_MIN
from softphone.pbx.config import ROLES
from softphone.pbx.doorlog import DoorResult


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref("schemas", name)}}}


_NUMBER = {"type": "string", "pattern": NUMBER_PATTERN, "description": "An extension number"}
_FORWARD = {"type": ["string", "null"], "pattern": NUMBER_PATTERN,
            "description": "An extension number other than the user's own, or null for off"}
_SETTING_PROPERTIES: dict[str, Any] = {
    "dnd": {"type": "boolean", "description": "Do not disturb: callers get busy"},
    "call_waiting": {"type": "boolean", "description": "A second call may ring during a call"},
    "forward_always": _FORWARD,
    "forward_busy": _FORWARD,
    "forward_no_answer": _FORWARD,
    "forward_no_answer_after": {"type": "integer", "minimum": AFTER_MIN, "maximum": AFTER_MAX,
                                "description": "Seconds of ringing before forward_no_answer"},
    "busy_on_busy": {"type": "boolean", "description": "While in a call, new callers get busy"},
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "Code for programs, e.g. "
                                                       "invalid_credentials, token_expired"},
            "message": {"type": "string", "description": "Explanation for people"},
            "field": {"type": "string", "description": "The request field at fault"},
            "number": {"type": "string", "description": "The number at fault"},
        },
    },
    "TokenRequest": {
        "type": "object", "required": ["user", "password"], "additionalProperties": False,
        "properties": {"user": {"type": "string", "maxLength": 64},
                       "password": {"type": "string", "maxLength": 1024}},
    },
    "User": {
        "type": "object", "required": ["number", "name", "role"],
        "properties": {"number": _NUMBER, "name": {"type": "string"},
                       "role": {"enum": list(ROLES)}},
    },
    "Token": {
        "type": "object", "required": ["token", "expires_in", "user"],
        "properties": {"token": {"type": "string"},
                       "expires_in": {"type": "integer", "description": "Seconds"},
                       "user": ref("schemas", "User")},
    },
    "DirectoryEntry": {
        "type": "object", "required": ["type", "number", "name", "department", "presence",
                                       "can_open", "has_video", "access",
                                       "participant_control", "participants"],
        "properties": {
            "type": {"enum": [t.value for t in EntryType]},
            "number": {"type": "string"}, "name": {"type": "string"},
            "department": {"type": "string"},
            "presence": {"enum": [*(p.value for p in Presence), None],
                         "description": "Users and doors"},
            "can_open": {"type": ["boolean", "null"],
                         "description": "Doors only: may the asking user open it"},
            "has_video": {"type": ["boolean", "null"],
                          "description": "Doors only: has a camera"},
            "access": {"enum": ["pin", "whitelist", "open", None],
                       "description": "Conference rooms only: how callers get in"},
            "participant_control": {"type": ["boolean", "null"],
                                    "description": "Conference rooms only: a PIN or a "
                                                   "whitelist decides who gets in"},
            "participants": {"type": ["integer", "null"], "minimum": 0,
                             "description": "Conference rooms only: how many are in now"},
        },
    },
    "Directory": {
        "type": "object", "required": ["entries"],
        "properties": {"entries": {"type": "array", "items": ref("schemas", "DirectoryEntry")}},
    },
    "Favorites": {
        "type": "object", "required": ["favorites"], "additionalProperties": False,
        "properties": {"favorites": {"type": "array", "items": _NUMBER, "uniqueItems": True,
                                     "maxItems": MAX_FAVORITES,
                                     "description": "Numbers from the directory, in order"}},
    },
    "FavoriteAdd": {
        "type": "object", "required": ["number"], "additionalProperties": False,
        "properties": {"number": _NUMBER},
    },
    "Settings": {
        "type": "object", "required": list(_SETTING_PROPERTIES),
        "properties": _SETTING_PROPERTIES,
    },
    "PickupRequest": {
        "type": "object", "additionalProperties": False,
        "properties": {"number": _NUMBER},
        "description": "Empty: a call ringing in one of the user's ring groups; with number: "
                       "a call ringing at that extension",
    },
    "PickupAccepted": {
        "type": "object", "required": ["status", "message"],
        "properties": {"status": {"const": "ringing"}, "message": {"type": "string"}},
    },
    "SettingsPatch": {
        "type": "object", "additionalProperties": False, "properties": _SETTING_PROPERTIES,
        "description": "Any subset of the settings; all are checked before any is stored",
    },
    "DoorOpened": {
        "type": "object", "required": ["door", "opened", "seconds"],
        "properties": {
            "door": _NUMBER, "opened": {"const": True},
            "seconds": {"type": ["number", "null"], "minimum": 0,
                        "description": "How long the door stays open, if its relay says"},
        },
    },
    "DoorAuditRecord": {
        "type": "object", "required": ["id", "at", "user", "door", "result", "reason"],
        "properties": {
            "id": {"type": "integer", "minimum": 1,
                   "description": "Grows with each record; ?before=id pages on"},
            "at": {"type": "string", "format": "date-time", "description": "UTC"},
            "user": _NUMBER, "door": _NUMBER,
            "result": {"enum": [r.value for r in DoorResult],
                       "description": "opened; refused (no right, relay untouched); failed "
                                      "(no relay, or the relay did not open); opening "
                                      "(recorded before the relay, outcome not recorded)"},
            "reason": {"type": "string", "description": "Why, when not opened"},
        },
    },
    "DoorAudit": {
        "type": "object", "required": ["records", "next"],
        "properties": {"next": {"type": ["integer", "null"],
                                "description": "Pass as ?before= for the next (older) page; "
                                               "null on the last page"},
                       "records": {"type": "array", "maxItems": AUDIT_LIMIT_MAX,
                                   "items": ref("schemas", "DoorAuditRecord"),
                                   "description": "Newest first"}},
    },
    "SnapshotEvent": {
        "type": "object", "required": ["type", "presence", "favorites", "settings"],
        "properties": {
            "type": {"const": "snapshot"},
            "presence": {"type": "object", "additionalProperties":
                         {"enum": [p.value for p in Presence]}},
            "favorites": {"type": "array", "items": _NUMBER},
            "settings": ref("schemas", "Settings"),
        },
    },
    "PresenceEvent": {
        "type": "object", "required": ["type", "number", "presence", "since"],
        "properties": {"type": {"const": "presence"}, "number": _NUMBER,
                       "presence": {"enum": [p.value for p in Presence]},
                       "since": {"type": "number", "description": "Epoch seconds"}},
    },
    "FavoritesEvent": {
        "type": "object", "required": ["type", "favorites"],
        "properties": {"type": {"const": "favorites"},
                       "favorites": {"type": "array", "items": _NUMBER}},
    },
    "SettingsEvent": {
        "type": "object", "required": ["type", "settings"],
        "properties": {"type": {"const": "settings"}, "settings": ref("schemas", "Settings")},
    },
}

RESPONSES: dict[str, Any] = {
    "BadRequest": error_response("The body is not JSON (malformed_json)"),
    "Unauthorized": {
        **error_response("No token, a bad one (invalid_token), an expired one "
                         "(token_expired), or wrong credentials (invalid_credentials)"),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    },
    "Forbidden": error_response("Only an administrator may do this (forbidden)"),
    "NotFound": error_response("No such endpoint, user or door (unknown_door)"),
    "TooLarge": error_response("The body is too large"),
    "Unprocessable": error_response("JSON of the wrong shape or a wrong value; 'field' names it"),
    "UpgradeRequired": error_response("Not a WebSocket handshake"),
    "Conflict": error_response("The user has no registered phone to ring (no_device)"),
    "DoorNoRelay": error_response("The door has no relay to open it with (door_no_relay)"),
    "DoorFailed": error_response("The door's relay did not answer (door_unreachable) or "
                                 "refused the PBX's credentials (door_refused)"),
    "Banned": {
        **error_response("Too many failed sign-ins from this address (banned)"),
        "headers": {"Retry-After": {"required": True, "description": "Seconds",
                                    "schema": {"type": "string", "pattern": "^[0-9]+$"}}},
    },
}

_NUMBER_PARAM = {"name": "number", "in": "path", "required": True, "schema": _NUMBER}
_SETTINGS_OK = json_response(ref("schemas", "Settings"), "The settings")
_FAVORITES_OK = json_response(ref("schemas", "Favorites"), "The favorites, in order")

PATHS: dict[str, Any] = {
    "/api/v1/auth/token": {"post": {
        "operationId": "signIn", "summary": "Trade the SIP credentials for a token",
        "security": [], "requestBody": _body("TokenRequest"),
        "responses": {"200": json_response(ref("schemas", "Token"), "Signed in"),
                      "403": error_response("Right credentials, but of a door station: "
                                            "doors have no access to the client API (forbidden)"),
                      **errors(400, 401, 413, 422)},
    }},
    "/api/v1/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document", "security": [],
        "responses": {"200": json_response({"type": "object"}, "The OpenAPI document"),
                      **errors()},
    }},
    "/api/v1/directory": {"get": {
        "operationId": "directory", "summary": "Everyone and everything that can be called",
        "parameters": [
            {"name": "q", "in": "query", "required": False,
             "description": "Part of a name or number; case, umlauts and accents ignored",
             "schema": {"type": "string", "maxLength": 100}},
            {"name": "type", "in": "query", "required": False,
             "schema": {"enum": [t.value for t in EntryType]}},
        ],
        "responses": {"200": json_response(ref("schemas", "Directory"),
                                           "Matching entries, by name"),
                      **errors(401, 422)},
    }},
    "/api/v1/me": {"get": {
        "operationId": "me", "summary": "The signed-in user's own directory entry",
        "responses": {"200": json_response(ref("schemas", "DirectoryEntry"), "The entry"),
                      **errors(401)},
    }},
    "/api/v1/me/favorites": {
        "get": {"operationId": "getFavorites", "summary": "The user's favorites",
                "responses": {"200": _FAVORITES_OK, **errors(401)}},
        "put": {"operationId": "putFavorites", "summary": "Replace the whole ordered list",
                "requestBody": _body("Favorites"),
                "responses": {"200": _FAVORITES_OK, **errors(400, 401, 413, 422)}},
        "post": {"operationId": "addFavorite", "summary": "Append a number (idempotent)",
                 "requestBody": _body("FavoriteAdd"),
                 "responses": {"200": _FAVORITES_OK, **errors(400, 401, 413, 422)}},
    },
    "/api/v1/me/favorites/{number}": {"delete": {
        "operationId": "removeFavorite", "summary": "Remove a number (idempotent)",
        "parameters": [_NUMBER_PARAM],
        "responses": {"200": _FAVORITES_OK, **errors(401, 404)},
    }},
    "/api/v1/me/settings": {
        "get": {"operationId": "getMySettings", "summary": "The user's own settings",
                "responses": {"200": _SETTINGS_OK, **errors(401)}},
        "patch": {"operationId": "patchMySettings", "summary": "Change some settings",
                  "requestBody": _body("SettingsPatch"),
                  "responses": {"200": _SETTINGS_OK, **errors(400, 401, 413, 422)}},
    },
    "/api/v1/users/{number}/settings": {
        "get": {"operationId": "getUserSettings",
                "summary": "A user's settings (administrators, or the user)",
                "parameters": [_NUMBER_PARAM],
                "responses": {"200": _SETTINGS_OK, **errors(401, 403, 404)}},
        "patch": {"operationId": "patchUserSettings",
                  "summary": "Change a user's settings (administrators, or the user)",
                  "parameters": [_NUMBER_PARAM], "requestBody": _body("SettingsPatch"),
                  "responses": {"200": _SETTINGS_OK,
                                **errors(400, 401, 403, 404, 413, 422)}},
    },
    "/api/v1/calls/pickup": {"post": {
        "operationId": "pickup",
        "summary": "Take a ringing call: the user's own phones ring, the first to answer has it",
        "requestBody": {"required": False, "content": {
            "application/json": {"schema": ref("schemas", "PickupRequest")}}},
        "responses": {
            "202": json_response(ref("schemas", "PickupAccepted"), "The user's phones ring"),
            "409": ref("responses", "Conflict"),
            **errors(400, 401, 404, 413, 422)},
    }},
    "/api/v1/doors/{number}/open": {"post": {
        "operationId": "openDoor",
        "summary": "Open a door through its relay (users with the right to)",
        "description": "Every attempt on a configured door is written to the audit log. "
                       "403 door_forbidden says why the user may not; the relay is not "
                       "touched then.",
        "parameters": [_NUMBER_PARAM],
        "responses": {
            "200": json_response(ref("schemas", "DoorOpened"), "The relay opened the door"),
            "403": error_response("The user may not open this door (door_forbidden), or is "
                                  "not allowed to use the API (forbidden)"),
            "409": ref("responses", "DoorNoRelay"),
            "502": ref("responses", "DoorFailed"),
            "429": error_response("Too many attempts by this user within a minute "
                                  "(door_rate_limited; security.door_opens_per_minute)"),
            "503": error_response("The opening cannot be recorded in the audit log, so the "
                                  "door stays shut (door_audit_unavailable)"),
            **errors(401, 404)},
    }},
    "/api/v1/doors/audit": {"get": {
        "operationId": "doorAudit", "summary": "Who opened or tried to open which door "
                                               "(administrators)",
        "parameters": [
            {"name": "door", "in": "query", "required": False, "schema": _NUMBER},
            {"name": "user", "in": "query", "required": False, "schema": _NUMBER},
            {"name": "result", "in": "query", "required": False,
             "schema": {"enum": [r.value for r in DoorResult]}},
            {"name": "since", "in": "query", "required": False,
             "schema": {"type": "string", "format": "date-time"},
             "description": "Records at or after this time (with its offset)"},
            {"name": "until", "in": "query", "required": False,
             "schema": {"type": "string", "format": "date-time"},
             "description": "Records before this time"},
            {"name": "before", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1},
             "description": "Records older than this id: the previous page's next"},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": AUDIT_LIMIT_MAX,
                        "default": AUDIT_LIMIT_DEFAULT}},
        ],
        "responses": {"200": json_response(ref("schemas", "DoorAudit"), "Records, newest first"),
                      **errors(401, 403, 422)},
    }},
    "/api/v1/events": {"get": {
        "operationId": "events",
        "summary": "WebSocket of pushed events",
        "description": (
            "Upgrade to a WebSocket (RFC 6455). The token goes in the Authorization header "
            "or, for browsers, in ?token=. The server sends JSON text messages: first a "
            "SnapshotEvent, then PresenceEvent, FavoritesEvent and SettingsEvent as things "
            "change, and RingGroupEvent to the members of a ring group when someone logs in "
            "or out of it or its settings change, SharedLineEvent to the members of a shared "
            "line when one of its appearances or its settings change. Close codes: 4001 "
            "token expired (sign in again), 1013 the client read too slowly (reconnect), "
            "1001 the server is shutting down."),
        "parameters": [{"name": "token", "in": "query", "required": False,
                        "schema": {"type": "string"}}],
        "responses": {"101": {"description": "Switched to WebSocket"},
                      **errors(401, 426)},
    }},
}


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "softphone-pbx client API", "version": "1",
            "description": "Directory, presence, favorites, self-service settings, "
                           "ring groups, conference rooms and doors. Sign in "
                           "with the SIP credentials at /api/v1/auth/token, then send "
                           "'Authorization: Bearer <token>'. Every error is "
                           "{\"error\": code, \"message\": text}.",
        },
        "paths": {**PATHS, **doorvideo.PATHS, **ringgroups.PATHS, **conference_schema.PATHS,
                  **sharedline_schema.PATHS},
        "components": {
            "schemas": {**SCHEMAS, **doorvideo.SCHEMAS, **ringgroups.SCHEMAS,
                        **conference_schema.SCHEMAS, **sharedline_schema.SCHEMAS},
            "responses": RESPONSES,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
    if server_url is not None:
        doc["servers"] = [{"url": server_url}]
    return doc
