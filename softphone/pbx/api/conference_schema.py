"""The OpenAPI description of the conference endpoints (api/conferences.py); openapi.py
merges it into the document."""

from __future__ import annotations

from typing import Any

from softphone.pbx.api.conferences import PHONE
from softphone.pbx.api.oas import NUMBER_PATTERN, error_response, errors, json_response, ref

_NUMBER = {"type": "string", "pattern": NUMBER_PATTERN}
_PIN = {"type": ["string", "null"], "pattern": "^[0-9]{4,10}$",
        "description": "4-10 digits; null: none"}
_PARAMS = [{"name": "number", "in": "path", "required": True, "schema": _NUMBER,
            "description": "The room's number"}]
_PID = {"name": "pid", "in": "path", "required": True,
        "schema": {"type": "string", "pattern": "^[0-9a-f]{12}$"},
        "description": "A participant's id (from the room's participants)"}
_PHONE = {"name": "phone", "in": "path", "required": True,
          "schema": {"type": "string", "pattern": f"^{PHONE}$"},
          "description": "An extension or an outside number"}
_SETTINGS: dict[str, Any] = {
    "name": {"type": "string"},
    "access": {"enum": ["pin", "whitelist", "open"]},
    "pin": _PIN, "moderator_pin": _PIN,
    "whitelist": {"type": "array", "items": {"type": "string", "pattern": f"^{PHONE}$"}},
    "max_participants": {"type": "integer", "minimum": 2, "maximum": 50},
    "language": {"enum": ["de", "en"]},
}
_ROOM_OK = json_response(ref("schemas", "Conference"), "The room as it is now")
_NOT_FOUND = error_response("No such room (unknown_conference), or nobody by that id in it "
                            "(not_in_room)")
_ADMIN = error_response("Only administrators may do this, or for a room in use its "
                        "moderators (forbidden)")
_SUMMARY: dict[str, Any] = {
    "number": _NUMBER, "name": {"type": "string"},
    "access": {"enum": ["pin", "whitelist", "open"]},
    "participant_control": {"type": "boolean",
                            "description": "A PIN or a whitelist decides who gets in"},
    "participant_count": {"type": "integer", "minimum": 0},
    "locked": {"type": "boolean"},
}

SCHEMAS: dict[str, Any] = {
    "ConferenceSummary": {"type": "object", "required": list(_SUMMARY), "properties": _SUMMARY},
    "ConferenceList": {"type": "object", "required": ["conferences"], "properties": {
        "conferences": {"type": "array", "items": ref("schemas", "ConferenceSummary")}}},
    "ConferenceParticipant": {
        "type": "object",
        "required": ["id", "number", "name", "joined_at", "muted", "talking", "moderator"],
        "properties": {"id": {"type": "string"}, "number": {"type": "string"},
                       "name": {"type": "string"},
                       "joined_at": {"type": ["number", "null"],
                                     "description": "Epoch seconds"},
                       "muted": {"type": "boolean"}, "talking": {"type": "boolean"},
                       "moderator": {"type": "boolean",
                                     "description": "Entered the moderator PIN"}}},
    "ConferenceSettings": {
        "type": "object", "additionalProperties": False, "properties": _SETTINGS,
        "description": "PUT: the whole room (missing settings take their defaults); PATCH: "
                       "the settings to change (null removes a moderator_pin). The PINs are "
                       "shown to administrators only."},
    "Conference": {
        "type": "object", "required": [*_SUMMARY, "participants"],
        "properties": {**_SUMMARY,
                       "participants": {"type": "array",
                                        "items": ref("schemas", "ConferenceParticipant")},
                       "settings": ref("schemas", "ConferenceSettings")}},
    "ConferenceEvent": {
        "type": "object", "required": ["type", "event", "room"],
        "description": "To the room's participants and administrators: join (participant, "
                       "count), leave (participant, number, count), mute (participant, "
                       "muted, by), lock (locked, by), talking (talking: id -> bool; at most "
                       "5 a second per room)",
        "properties": {"type": {"const": "conference"},
                       "event": {"enum": ["join", "leave", "mute", "lock", "talking"]},
                       "room": _NUMBER}},
    "ConferenceCountEvent": {
        "type": "object", "required": ["type", "room", "participants"],
        "properties": {"type": {"const": "conference_count"}, "room": _NUMBER,
                       "participants": {"type": "integer", "minimum": 0}}},
}


def _moderation(do: str, undo: str, params: list[dict[str, Any]],
                names: tuple[str, str]) -> dict[str, Any]:
    op = {"parameters": params, "responses": {"200": _ROOM_OK, "403": _ADMIN,
                                              "404": _NOT_FOUND, **errors(401)}}
    return {"put": {**op, "operationId": names[0], "summary": do},
            "delete": {**op, "operationId": names[1], "summary": undo}}


PATHS: dict[str, Any] = {
    "/api/v1/conferences": {"get": {
        "operationId": "listConferences", "summary": "The conference rooms",
        "responses": {"200": json_response(ref("schemas", "ConferenceList"), "The rooms"),
                      **errors(401)}}},
    "/api/v1/conferences/{number}": {
        "get": {"operationId": "getConference",
                "summary": "A room and who is in it (participants and administrators)",
                "parameters": _PARAMS,
                "responses": {"200": _ROOM_OK, "404": _NOT_FOUND, "403": error_response(
                    "Not in the room and no administrator (not_a_participant)"),
                    **errors(401)}},
        "put": {"operationId": "putConference",
                "summary": "Put a number into conference mode, or replace its room "
                           "(administrators)",
                "parameters": _PARAMS,
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": ref("schemas", "ConferenceSettings")}}},
                "responses": {"200": _ROOM_OK, "403": _ADMIN, "404": error_response(
                    "Not a number of 2-6 digits (not_found)"), "409": error_response(
                    "The number is an extension, ring group or door (number_taken)"),
                    **errors(400, 401, 413, 422)}},
        "patch": {"operationId": "patchConference",
                  "summary": "Change some of a room's settings (administrators)",
                  "parameters": _PARAMS,
                  "requestBody": {"required": True, "content": {"application/json": {
                      "schema": ref("schemas", "ConferenceSettings")}}},
                  "responses": {"200": _ROOM_OK, "403": _ADMIN, "404": _NOT_FOUND,
                                **errors(400, 401, 413, 422)}},
        "delete": {"operationId": "deleteConference",
                   "summary": "Take the number out of conference mode (administrators)",
                   "parameters": _PARAMS,
                   "responses": {"204": {"description": "Done"}, "403": _ADMIN,
                                 "404": _NOT_FOUND, **errors(401)}},
    },
    "/api/v1/conferences/{number}/whitelist/{phone}": {
        "put": {"operationId": "addConferenceWhitelist", "summary": "Add a number",
                "parameters": [*_PARAMS, _PHONE],
                "responses": {"200": _ROOM_OK, "403": _ADMIN, "404": _NOT_FOUND,
                              **errors(401, 422)}},
        "delete": {"operationId": "removeConferenceWhitelist", "summary": "Remove a number",
                   "parameters": [*_PARAMS, _PHONE],
                   "responses": {"200": _ROOM_OK, "403": _ADMIN, "404": _NOT_FOUND,
                                 **errors(401, 422)}},
    },
    "/api/v1/conferences/{number}/lock": _moderation(
        "Lock the room: nobody else gets in", "Unlock the room", _PARAMS,
        ("conferenceLock", "conferenceUnlock")),
    "/api/v1/conferences/{number}/mute": _moderation(
        "Mute everyone in the room", "Unmute everyone", _PARAMS,
        ("conferenceMuteAll", "conferenceUnmuteAll")),
    "/api/v1/conferences/{number}/participants/{pid}/mute": _moderation(
        "Mute a participant", "Unmute a participant", [*_PARAMS, _PID],
        ("conferenceMute", "conferenceUnmute")),
    "/api/v1/conferences/{number}/participants/{pid}": {"delete": {
        "operationId": "removeConferenceParticipant", "summary": "Remove a participant "
                                                                 "(the PBX hangs up)",
        "parameters": [*_PARAMS, _PID],
        "responses": {"200": _ROOM_OK, "403": _ADMIN, "404": _NOT_FOUND, **errors(401)}}},
}
