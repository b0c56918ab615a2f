"""Shared lines through the client API: the line's appearances, its settings, its audit.

GET /shared-lines/{number} shows a member or an administrator every appearance (state,
the member on it, the other party) and the line's settings; anyone else gets 403. PATCH
switches barge-in and the warning tone: the line's owner (its first member, the manager
the line is for) and administrators only. GET .../audit lists barges, retrieves and moves
(administrators). PUT .../appearances/{index}/private makes a held call private: only its
holder may take it back (the client's "private hold"). Every change of the line reaches
the members' WebSockets as a SharedLineEvent (sharedline_schema.py describes all of it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from softphone.pbx.api.errors import ApiError, invalid, json_type, read_json_object
from softphone.pbx.api.guard import caller
from softphone.pbx.features.appearances import LineState
from softphone.pbx.features.sharedline import SharedLines
from softphone.pbx.linelog import LineLog
from softphone.pbx.sharedlines import TONE_MODES

INTERVAL = (5, 600)          # warning_interval seconds, as the configuration accepts
AUDIT_LIMIT_DEFAULT, AUDIT_LIMIT_MAX = 50, 500
FIELDS = ("barge_in", "warning_tone", "warning_interval")


def check_patch(patch: dict[str, Any]) -> dict[str, Any]:
    """The patch's values, or ApiError (422) naming the first bad field."""
    checked: dict[str, Any] = {}
    for name, value in patch.items():
        if name not in FIELDS:
            raise invalid(f"'{name}' is not a shared line setting; settings are " +
                          ", ".join(FIELDS), field=name, code="unknown_field")
        if name == "barge_in":
            if not isinstance(value, bool):
                raise invalid(f"'barge_in' must be true or false, not {json_type(value)}",
                              field=name, code="invalid_type")
        elif name == "warning_tone":
            if value not in TONE_MODES:
                raise invalid("'warning_tone' must be one of " + ", ".join(TONE_MODES),
                              field=name, code="invalid_value")
        else:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool):
                raise invalid(f"'warning_interval' must be a whole number of seconds, not "
                              f"{json_type(value)}", field=name, code="invalid_type")
            if not INTERVAL[0] <= value <= INTERVAL[1]:
                raise invalid(f"'warning_interval' must be {INTERVAL[0]} to {INTERVAL[1]} "
                              f"seconds, not {value}", field=name, code="invalid_value")
            value = float(value)
        checked[name] = value
    return checked


def line_json(state: LineState) -> dict[str, Any]:
    out = state.snapshot()
    out["warning_interval"] = int(state.line.warning_interval)
    return out


class SharedLineHandlers:
    def __init__(self, lines: SharedLines, audit: LineLog) -> None:
        self._lines = lines
        self._audit = audit

    def _state(self, request: web.Request) -> LineState:
        number = request.match_info["number"]
        state = self._lines.states.get(number)
        if state is None:
            raise ApiError(404, "unknown_line", f"There is no shared line {number}")
        return state

    def _visible(self, request: web.Request) -> LineState:
        state, me = self._state(request), caller(request)
        if me.role != "admin" and me.number not in state.line.members:
            raise ApiError(403, "not_a_member", f"You are not a member of shared line "
                                                f"{state.line.number}")
        return state

    async def get(self, request: web.Request) -> web.Response:
        return web.json_response(line_json(self._visible(request)))

    async def patch(self, request: web.Request) -> web.Response:
        state, me = self._state(request), caller(request)
        if me.role != "admin" and me.number != state.line.members[0]:
            raise ApiError(403, "forbidden", "Only the line's owner or an administrator may "
                                             "change its settings")
        changes = check_patch(await read_json_object(request))
        if changes:
            self._lines.change(state.line.number, **changes)
        return web.json_response(line_json(state))

    async def private(self, request: web.Request) -> web.Response:
        """Private hold: the member holding an appearance keeps it to themself."""
        state, me = self._visible(request), caller(request)
        index = int(request.match_info["index"])
        if not 1 <= index <= len(state.appearances):
            raise ApiError(404, "unknown_appearance", f"Line {state.line.number} has no "
                                                      f"appearance {index}")
        a = state.appearances[index - 1]
        if a.member != me.number:
            raise ApiError(403, "not_yours", "Only the member holding the call may hold it "
                                             "privately")
        if a.state != "held-private" and not self._lines.hold_privately(a.call or "",
                                                                         me.number):
            raise ApiError(409, "not_held", "Put the call on hold first")
        return web.json_response(line_json(state))

    async def audit(self, request: web.Request) -> web.Response:
        state = self._state(request)
        if caller(request).role != "admin":
            raise ApiError(403, "forbidden", "Only an administrator may read the audit log")
        raw = request.query.get("limit", str(AUDIT_LIMIT_DEFAULT))
        if not raw.isdigit() or not 1 <= int(raw) <= AUDIT_LIMIT_MAX:
            raise invalid(f"'limit' must be a whole number from 1 to {AUDIT_LIMIT_MAX}",
                          field="limit")
        records = self._audit.records(state.line.number, int(raw))
        return web.json_response({"records": [r.to_json() for r in records]})


def line_events(send: Callable[[dict[str, Any], list[str]], None]) -> Callable[[LineState],
                                                                            None]:
    """A SharedLines listener sending each change to the line's members' WebSockets."""
    def changed(state: LineState) -> None:
        send({"type": "shared_line", "line": line_json(state)}, list(state.line.members))
    return changed


def add_routes(app: web.Application, lines: SharedLines, audit: LineLog) -> None:
    handlers = SharedLineHandlers(lines, audit)
    base = "/api/v1/shared-lines/{number:[0-9]{2,6}}"
    app.router.add_get(base, handlers.get, allow_head=False)
    app.router.add_patch(base, handlers.patch)
    app.router.add_get(base + "/audit", handlers.audit, allow_head=False)
    app.router.add_put(base + "/appearances/{index:[0-9]{1,2}}/private", handlers.private)
