"""POST /api/v1/calls/pickup: take a call ringing in one's group from the client.

The PBX rings the user's own phones as well; the first of them to answer takes the call
from the devices that were ringing (issue 5: pickup by feature code and by API). With
{"number": "101"} it is a directed pickup of a call ringing at 101.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum

from aiohttp import web

from softphone.pbx.api.errors import ApiError, invalid, json_type, read_json_object
from softphone.pbx.api.guard import caller

_NUMBER = re.compile(r"[0-9]{2,6}")


class PickupResult(StrEnum):
    RINGING = "ringing"          # the user's phones ring now
    NOTHING = "nothing"          # no call is ringing that the user may take
    NO_DEVICE = "no_device"      # the user has no registered phone to ring


Pickup = Callable[[str, str | None], PickupResult]


class CallsHandlers:
    def __init__(self, pickup: Pickup) -> None:
        self.pickup = pickup

    async def post_pickup(self, request: web.Request) -> web.Response:
        number: str | None = None
        if (await request.read()).strip():
            body = await read_json_object(request)
            unknown = set(body) - {"number"}
            if unknown:
                raise invalid(f"unknown field '{sorted(unknown)[0]}'", sorted(unknown)[0])
            value = body.get("number")
            if value is not None:
                if not isinstance(value, str) or not _NUMBER.fullmatch(value):
                    raise invalid(f"'number' must be an extension number as a string, not "
                                  f"{json_type(value)}", "number")
                number = value
        result = self.pickup(caller(request).number, number)
        if result == PickupResult.NOTHING:
            raise ApiError(404, "nothing_to_pick_up", "No call is ringing that you may take")
        if result == PickupResult.NO_DEVICE:
            raise ApiError(409, "no_device", "None of your phones is registered")
        return web.json_response(
            {"status": "ringing", "message": "Your phones ring: answer to take the call"},
            status=202)
