"""Self-service settings: DND, call waiting, forwarding, busy-on-busy.

A user reads and changes their own (/me/settings); an admin anyone's
(/users/{number}/settings), and a user asking for someone else's gets 403. PATCH takes any
subset of the fields and checks each one, naming the field and what is wrong, before
anything is stored: a request either applies whole or not at all.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from softphone.common.directory import UserSettings
from softphone.pbx.api.errors import ApiError, invalid, json_type, read_json_object
from softphone.pbx.api.guard import caller
from softphone.pbx.api.userstore import UserStore
from softphone.pbx.config import PbxConfig

FORWARD_FIELDS = ("forward_always", "forward_busy", "forward_no_answer")
FLAG_FIELDS = ("dnd", "call_waiting", "busy_on_busy")
AFTER_FIELD = "forward_no_answer_after"
AFTER_MIN, AFTER_MAX = 5, 120
SETTINGS_FIELDS = (*FLAG_FIELDS[:2], *FORWARD_FIELDS, AFTER_FIELD, FLAG_FIELDS[2])


def settings_json(settings: UserSettings) -> dict[str, Any]:
    """The API's view: the defined fields, not the free-form ``extra``."""
    return {name: getattr(settings, name) for name in SETTINGS_FIELDS}


class SettingsValidator:
    def __init__(self, config: PbxConfig) -> None:
        self._config = config

    def apply(self, number: str, current: UserSettings, patch: dict[str, Any]) -> UserSettings:
        """``current`` with ``patch`` applied; ApiError (422) at the first bad field."""
        changes: dict[str, Any] = {}
        for name, value in patch.items():
            if name in FLAG_FIELDS:
                changes[name] = self._flag(name, value)
            elif name in FORWARD_FIELDS:
                changes[name] = self._target(name, value, number)
            elif name == AFTER_FIELD:
                changes[name] = self._seconds(value)
            else:
                raise invalid(f"'{name}' is not a setting; settings are " +
                              ", ".join(SETTINGS_FIELDS), field=name, code="unknown_field")
        return replace(current, **changes)

    @staticmethod
    def _flag(name: str, value: object) -> bool:
        if not isinstance(value, bool):
            raise invalid(f"'{name}' must be true or false, not {json_type(value)}",
                          field=name, code="invalid_type")
        return value

    def _target(self, name: str, value: object, own: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise invalid(f"'{name}' must be an extension number as a string, or null, "
                          f"not {json_type(value)}", field=name, code="invalid_type")
        if value == own:
            raise invalid(f"'{name}' cannot forward {own} to itself", field=name,
                          code="invalid_value")
        if self._config.extension(value) is None:
            shown = value if len(value) <= 20 else value[:20] + "..."
            raise invalid(f"'{name}': {shown!r} is not an extension number", field=name,
                          code="unknown_number", number=shown)
        return value

    @staticmethod
    def _seconds(value: object) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise invalid(f"'{AFTER_FIELD}' must be a whole number of seconds, "
                          f"not {json_type(value)}", field=AFTER_FIELD, code="invalid_type")
        if not AFTER_MIN <= value <= AFTER_MAX:
            raise invalid(f"'{AFTER_FIELD}' must be {AFTER_MIN} to {AFTER_MAX} seconds, "
                          f"not {value}", field=AFTER_FIELD, code="invalid_value")
        return value


class SettingsHandlers:
    def __init__(self, config: PbxConfig, users: UserStore) -> None:
        self._config = config
        self._users = users
        self._validator = SettingsValidator(config)

    def _target(self, request: web.Request) -> str:
        """Whose settings an /users/{number}/settings request is about, if it may."""
        me = caller(request)
        number = request.match_info["number"]
        if number != me.number and me.role != "admin":
            raise ApiError(403, "forbidden", "Only an administrator may see or change "
                                             "another user's settings")
        if self._config.extension(number) is None:
            raise ApiError(404, "unknown_user", f"There is no extension {number}")
        return number

    async def get_mine(self, request: web.Request) -> web.Response:
        return self._answer(caller(request).number)

    async def patch_mine(self, request: web.Request) -> web.Response:
        return await self._patch(request, caller(request).number)

    async def get_user(self, request: web.Request) -> web.Response:
        return self._answer(self._target(request))

    async def patch_user(self, request: web.Request) -> web.Response:
        return await self._patch(request, self._target(request))

    def _answer(self, number: str) -> web.Response:
        return web.json_response(settings_json(self._users.settings(number)))

    async def _patch(self, request: web.Request, number: str) -> web.Response:
        patch = await read_json_object(request)
        current = self._users.settings(number)
        updated = self._validator.apply(number, current, patch)
        # The store tells its listeners (the WebSocket, presence on a DND change).
        saved = self._users.save_settings(number, updated)
        return web.json_response(settings_json(saved))
