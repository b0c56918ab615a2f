"""A user's favorites: one ordered list kept on the PBX, the same on every device.

PUT replaces the whole list (the client sends it after a drag-and-drop reorder), POST
appends one number (idempotent: adding a favorite twice keeps one), DELETE removes one.
Every answer is the resulting list, so a client never needs a second request to redraw.
Numbers that have left the directory since they were stored are left out of every answer.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from softphone.pbx.api.directory import Directory
from softphone.pbx.api.errors import invalid, json_type, read_json_object, require_fields
from softphone.pbx.api.guard import caller
from softphone.pbx.api.userstore import UserStore

MAX_FAVORITES = 100
NUMBER = re.compile(r"[0-9]{2,6}")


class Favorites:
    """Favorites as the API shows them: only numbers the directory still knows."""

    def __init__(self, users: UserStore, directory: Directory) -> None:
        self._users = users
        self._directory = directory

    def of(self, user: str) -> list[str]:
        return [n for n in self._users.favorites(user) if self._directory.known(n)]

    def check_number(self, value: object, field: str) -> str:
        if not isinstance(value, str):
            raise invalid(f"'{field}' must be a phone number as a string, not {json_type(value)}",
                          field=field, code="invalid_type")
        if not NUMBER.fullmatch(value) or not self._directory.known(value):
            shown = value if len(value) <= 20 else value[:20] + "..."
            raise invalid(f"'{shown}' is not a number in the directory", field=field,
                          code="unknown_number", number=shown)
        return value

    def replace(self, user: str, numbers: object) -> list[str]:
        if not isinstance(numbers, list):
            raise invalid(f"'favorites' must be an array of numbers, not {json_type(numbers)}",
                          field="favorites", code="invalid_type")
        if len(numbers) > MAX_FAVORITES:
            raise invalid(f"At most {MAX_FAVORITES} favorites are allowed, not {len(numbers)}",
                          field="favorites", code="too_many_favorites")
        checked = [self.check_number(n, f"favorites[{i}]") for i, n in enumerate(numbers)]
        seen: set[str] = set()
        for i, number in enumerate(checked):
            if number in seen:
                raise invalid(f"{number} is in the list twice", field=f"favorites[{i}]",
                              code="duplicate_number", number=number)
            seen.add(number)
        return self._users.set_favorites(user, checked)

    def add(self, user: str, number: object) -> list[str]:
        checked = self.check_number(number, "number")
        current = self.of(user)
        if checked in current:
            return current
        if len(current) >= MAX_FAVORITES:
            raise invalid(f"At most {MAX_FAVORITES} favorites are allowed; remove one first",
                          field="number", code="too_many_favorites")
        # Stale numbers are dropped on the way, so the list never fills up with them.
        return self._users.set_favorites(user, [*current, checked])

    def remove(self, user: str, number: str) -> list[str]:
        self._users.remove_favorite(user, number)
        return self.of(user)


class FavoritesHandlers:
    def __init__(self, favorites: Favorites) -> None:
        self._favorites = favorites

    @staticmethod
    def _answer(numbers: list[str]) -> web.Response:
        body: dict[str, Any] = {"favorites": numbers}
        return web.json_response(body)

    async def get(self, request: web.Request) -> web.Response:
        return self._answer(self._favorites.of(caller(request).number))

    async def put(self, request: web.Request) -> web.Response:
        data = await read_json_object(request)
        require_fields(data, ("favorites",), ("favorites",))
        return self._answer(self._favorites.replace(caller(request).number, data["favorites"]))

    async def post(self, request: web.Request) -> web.Response:
        data = await read_json_object(request)
        require_fields(data, ("number",), ("number",))
        return self._answer(self._favorites.add(caller(request).number, data["number"]))

    async def delete(self, request: web.Request) -> web.Response:
        number = request.match_info["number"]
        return self._answer(self._favorites.remove(caller(request).number, number))
