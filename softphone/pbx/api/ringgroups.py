"""Ring groups through the client API: see a group, change its settings, log in and out.

GET /ring-groups/{number} shows any signed-in user the group: its settings (the
configuration's, with the administrator's changes) and each member with logged_in.
PATCH changes the settings (administrators only), checking every field before storing
any. A member logs themself out of a group and in again with DELETE / PUT
/ring-groups/{number}/members/me/login (others get 403); an administrator does it for any
member with /members/{ext}/login. Changes take effect on the next call to the group.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from softphone.pbx.api.errors import ApiError, invalid, json_type, read_json_object
from softphone.pbx.api.guard import caller
from softphone.pbx.api.oas import NUMBER_PATTERN, error_response, errors, json_response, ref
from softphone.pbx.config import PbxConfig
from softphone.pbx.groupstore import GroupStore
from softphone.pbx.ringgroups import STRATEGIES, RingGroup

# The ranges the configuration accepts (softphone/pbx/ringgroups.py).
SECONDS = {"timeout": (5, 600), "ring_time": (5, 120)}
SETTINGS_FIELDS = ("strategy", "timeout", "ring_time", "busy_on_busy")


def group_json(group: RingGroup, groups: GroupStore) -> dict[str, Any]:
    out = groups.logged_out(group.number)
    return {
        "number": group.number, "name": group.name,
        "members": [{"number": m, "logged_in": m not in out} for m in group.members],
        "settings": {"strategy": group.strategy, "timeout": int(group.timeout),
                     "ring_time": int(group.ring_time), "busy_on_busy": group.busy_on_busy},
        "no_answer": group.no_answer, "busy": group.busy,
    }


def check_settings(patch: dict[str, Any]) -> dict[str, Any]:
    """The patch's values, or ApiError (422) naming the first bad field."""
    checked: dict[str, Any] = {}
    for name, value in patch.items():
        if name not in SETTINGS_FIELDS:
            raise invalid(f"'{name}' is not a ring group setting; settings are " +
                          ", ".join(SETTINGS_FIELDS), field=name, code="unknown_field")
        if name == "strategy":
            if not isinstance(value, str):
                raise invalid(f"'strategy' must be a string, not {json_type(value)}",
                              field=name, code="invalid_type")
            if value not in STRATEGIES:
                shown = value if len(value) <= 20 else value[:20] + "..."
                raise invalid(f"'strategy' must be one of {', '.join(STRATEGIES)}, not "
                              f"{shown!r}", field=name, code="invalid_value")
        elif name == "busy_on_busy":
            if not isinstance(value, bool):
                raise invalid(f"'busy_on_busy' must be true or false, not {json_type(value)}",
                              field=name, code="invalid_type")
        else:
            low, high = SECONDS[name]
            if isinstance(value, float) and value.is_integer():
                value = int(value)    # JSON Schema: 33.0 is an integer
            if not isinstance(value, int) or isinstance(value, bool):
                raise invalid(f"'{name}' must be a whole number of seconds, not "
                              f"{json_type(value)}", field=name, code="invalid_type")
            if not low <= value <= high:
                raise invalid(f"'{name}' must be {low} to {high} seconds, not {value}",
                              field=name, code="invalid_value")
        checked[name] = value
    return checked


class RingGroupHandlers:
    def __init__(self, config: PbxConfig, groups: GroupStore) -> None:
        self._config = config
        self._groups = groups

    def _group(self, request: web.Request) -> RingGroup:
        number = request.match_info["number"]
        group = self._groups.group(number)
        if group is None:
            raise ApiError(404, "unknown_group", f"There is no ring group {number}")
        return group

    def _answer(self, group: RingGroup) -> web.Response:
        return web.json_response(group_json(group, self._groups))

    async def get(self, request: web.Request) -> web.Response:
        return self._answer(self._group(request))

    async def patch(self, request: web.Request) -> web.Response:
        group = self._group(request)
        if caller(request).role != "admin":
            raise ApiError(403, "forbidden", "Only an administrator may change a ring "
                                             "group's settings")
        changes = check_settings(await read_json_object(request))
        updated = self._groups.change_settings(group.number, changes)
        return self._answer(updated if updated is not None else group)

    def _member(self, request: web.Request, group: RingGroup) -> str:
        """Whose login a /members/{member}/login request is about, if the caller may."""
        me = caller(request)
        member = request.match_info.get("member", me.number)
        if member == me.number:
            if member not in group.members:
                raise ApiError(403, "not_a_member", f"You are not a member of ring group "
                                                    f"{group.number}")
            return member
        if me.role != "admin":
            raise ApiError(403, "forbidden", "Only an administrator may log another member "
                                             "in or out")
        if member not in group.members:
            raise ApiError(404, "unknown_member", f"{member} is not a member of ring group "
                                                  f"{group.number}")
        return member

    async def login(self, request: web.Request) -> web.Response:
        return self._set(request, True)

    async def logout(self, request: web.Request) -> web.Response:
        return self._set(request, False)

    def _set(self, request: web.Request, logged_in: bool) -> web.Response:
        group = self._group(request)
        self._groups.set_logged_in(group.number, self._member(request, group), logged_in)
        return self._answer(group)


def add_routes(app: web.Application, config: PbxConfig, groups: GroupStore) -> None:
    handlers = RingGroupHandlers(config, groups)
    base = "/api/v1/ring-groups/{number:[0-9]{2,6}}"
    r = app.router
    r.add_get(base, handlers.get, allow_head=False)
    r.add_patch(base, handlers.patch)
    for member in ("me", "{member:[0-9]{2,6}}"):
        r.add_put(f"{base}/members/{member}/login", handlers.login)
        r.add_delete(f"{base}/members/{member}/login", handlers.logout)


# -- the OpenAPI description (openapi.py merges it) ---------------------------------------

_NUMBER = {"type": "string", "pattern": NUMBER_PATTERN}
_GROUP_PARAM = {"name": "number", "in": "path", "required": True, "schema": _NUMBER,
                "description": "The ring group's number"}
_MEMBER_PARAM = {"name": "member", "in": "path", "required": True, "schema": _NUMBER,
                 "description": "A member's extension number"}
_SETTINGS: dict[str, Any] = {
    "strategy": {"enum": list(STRATEGIES),
                 "description": "ring-all: every member at once; hunt: one after the other"},
    "timeout": {"type": "integer", "minimum": SECONDS["timeout"][0],
                "maximum": SECONDS["timeout"][1],
                "description": "ring-all: seconds before the call goes to no_answer"},
    "ring_time": {"type": "integer", "minimum": SECONDS["ring_time"][0],
                  "maximum": SECONDS["ring_time"][1],
                  "description": "hunt: seconds each member rings"},
    "busy_on_busy": {"type": "boolean",
                     "description": "While any member talks, callers hear busy"},
}
_GROUP_OK = json_response(ref("schemas", "RingGroup"), "The group as it is now")
_NOT_FOUND = error_response("No such ring group (unknown_group) or member (unknown_member)")
_LOGIN_FORBIDDEN = error_response("The user is not a member (not_a_member), or not an "
                                  "administrator logging in someone else (forbidden)")

SCHEMAS: dict[str, Any] = {
    "RingGroupSettings": {"type": "object", "required": list(_SETTINGS),
                          "properties": _SETTINGS},
    "RingGroupSettingsPatch": {
        "type": "object", "additionalProperties": False, "properties": _SETTINGS,
        "description": "Any subset of the settings; all are checked before any is stored"},
    "RingGroup": {
        "type": "object",
        "required": ["number", "name", "members", "settings", "no_answer", "busy"],
        "properties": {
            "number": _NUMBER, "name": {"type": "string"},
            "members": {"type": "array", "description": "In hunt order", "items": {
                "type": "object", "required": ["number", "logged_in"],
                "properties": {"number": _NUMBER, "logged_in": {
                    "type": "boolean",
                    "description": "Logged-out members are not rung by the group"}}}},
            "settings": ref("schemas", "RingGroupSettings"),
            "no_answer": {"type": ["string", "null"],
                          "description": "Where calls go when nobody answers or everyone "
                                         "is logged out"},
            "busy": {"type": ["string", "null"],
                     "description": "Where calls go when every member is busy"},
        },
    },
    "RingGroupEvent": {
        "type": "object", "required": ["type", "group"],
        "properties": {"type": {"const": "ring_group"}, "group": ref("schemas", "RingGroup")},
    },
}


def _login_ops(who: str, params: list[dict[str, Any]], suffix: str) -> dict[str, Any]:
    return {
        "put": {"operationId": f"ringGroupLogin{suffix}",
                "summary": f"Log {who} into the group (idempotent)", "parameters": params,
                "responses": {"200": _GROUP_OK, "403": _LOGIN_FORBIDDEN, "404": _NOT_FOUND,
                              **errors(401)}},
        "delete": {"operationId": f"ringGroupLogout{suffix}",
                   "summary": f"Log {who} out of the group: calls to the group no longer "
                              "ring there (idempotent)", "parameters": params,
                   "responses": {"200": _GROUP_OK, "403": _LOGIN_FORBIDDEN,
                                 "404": _NOT_FOUND, **errors(401)}},
    }


PATHS: dict[str, Any] = {
    "/api/v1/ring-groups/{number}": {
        "get": {"operationId": "getRingGroup",
                "summary": "A ring group: members (logged in or not) and settings",
                "parameters": [_GROUP_PARAM],
                "responses": {"200": _GROUP_OK, "404": _NOT_FOUND, **errors(401)}},
        "patch": {"operationId": "patchRingGroup",
                  "summary": "Change a ring group's settings (administrators)",
                  "parameters": [_GROUP_PARAM],
                  "requestBody": {"required": True, "content": {"application/json": {
                      "schema": ref("schemas", "RingGroupSettingsPatch")}}},
                  "responses": {"200": _GROUP_OK, "404": _NOT_FOUND,
                                **errors(400, 401, 403, 413, 422)}},
    },
    "/api/v1/ring-groups/{number}/members/me/login": _login_ops(
        "the signed-in member", [_GROUP_PARAM], "Me"),
    "/api/v1/ring-groups/{number}/members/{member}/login": _login_ops(
        "a member (administrators, or the member)", [_GROUP_PARAM, _MEMBER_PARAM], ""),
}
