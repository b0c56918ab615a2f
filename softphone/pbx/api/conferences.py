"""Conference rooms through the client API.

Everyone signed in sees the rooms (GET /conferences: access mode, whether participant
control is active, how many are in). GET /conferences/{number} adds who is in (number,
name, joined at, muted, talking) for the room's participants and administrators; others
get 403. Administrators also see the settings, PINs included (nobody else ever does),
and change them: PUT puts a number into conference mode (or replaces its room), PATCH
changes some settings, DELETE takes the number out of conference mode, PUT/DELETE
.../whitelist/{phone} add and remove whitelist entries. Every change is checked by the
same rules as the configuration (conferences.check_room) and counts from the next
caller; people already in stay in. Administrators, and participants who entered the
room's moderator PIN, moderate a room in use: lock and unlock it, mute and unmute one
participant or everyone, remove a participant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from aiohttp import web

from softphone.common.directory import DirectoryEntry, EntryType
from softphone.pbx.api.errors import ApiError, invalid, read_json_object
from softphone.pbx.api.guard import caller
from softphone.pbx.conferences import Room, RoomError, check_room, room_settings
from softphone.pbx.conferencestore import ConferenceStore
from softphone.pbx.config import PbxConfig

PHONE = r"\+?[0-9]{2,15}"
EDITABLE = ("name", "access", "pin", "moderator_pin", "whitelist", "max_participants",
            "language")


Send = Callable[[dict[str, Any], Iterable[str] | None], None]


class LiveRooms(Protocol):
    """What the API needs of the rooms in use (features/confservice.Conferences)."""

    def view(self, number: str) -> dict[str, Any] | None: ...
    def lock(self, number: str, locked: bool, by: str) -> bool: ...
    def mute(self, number: str, pid: str | None, muted: bool, by: str) -> bool: ...
    def kick(self, number: str, pid: str, by: str) -> bool: ...
    def subscribe(self, listener: Callable[[str, str, dict[str, Any]], None]
                  ) -> Callable[[], None]: ...


class NoLiveRooms:
    """An API without a PBX behind it (tests): no room is ever in use."""

    def view(self, number: str) -> dict[str, Any] | None:
        return None

    def lock(self, number: str, locked: bool, by: str) -> bool:
        return False

    def mute(self, number: str, pid: str | None, muted: bool, by: str) -> bool:
        return False

    def kick(self, number: str, pid: str, by: str) -> bool:
        return False

    def subscribe(self, listener: Callable[[str, str, dict[str, Any]], None]
                  ) -> Callable[[], None]:
        return lambda: None


def directory_entries(store: ConferenceStore, live: LiveRooms) -> list[DirectoryEntry]:
    """The rooms as the directory lists them (to everyone: no PINs, no names inside)."""
    out = []
    for room in store.rooms():
        s = summary(room, live.view(room.number))
        out.append(DirectoryEntry(EntryType.CONFERENCE, room.number, room.name,
                                  access=room.access, participant_control=room.controlled,
                                  participants=s["participant_count"]))
    return out


def summary(room: Room, live: dict[str, Any] | None) -> dict[str, Any]:
    return {"number": room.number, "name": room.name, "access": room.access,
            "participant_control": room.controlled,
            "participant_count": len(live["participants"]) if live else 0,
            "locked": bool(live and live["locked"])}


class ConferenceHandlers:
    def __init__(self, store: ConferenceStore, live: LiveRooms) -> None:
        self._store = store
        self._live = live

    def _room(self, request: web.Request) -> Room:
        number = request.match_info["number"]
        room = self._store.room(number)
        if room is None:
            raise ApiError(404, "unknown_conference", f"{number} is no conference room")
        return room

    @staticmethod
    def _admin(request: web.Request, what: str) -> str:
        me = caller(request)
        if me.role != "admin":
            raise ApiError(403, "forbidden", f"Only an administrator may {what}")
        return me.number

    def _answer(self, request: web.Request, room: Room) -> web.Response:
        live = self._live.view(room.number)
        me = caller(request)
        people = live["participants"] if live else []
        if me.role != "admin" and me.number not in {p["number"] for p in people}:
            raise ApiError(403, "not_a_participant", "Only the room's participants and "
                                                     "administrators see who is in it")
        body = {**summary(room, live), "participants": [
            {k: p[k] for k in ("id", "number", "name", "joined_at", "muted", "talking",
                               "moderator")}
            for p in people]}
        if me.role == "admin":
            body["settings"] = {k: v for k, v in room_settings(room).items() if k != "number"}
        return web.json_response(body)

    async def list(self, request: web.Request) -> web.Response:
        rooms = self._store.rooms()
        return web.json_response({"conferences": [summary(r, self._live.view(r.number))
                                                  for r in rooms]})

    async def get(self, request: web.Request) -> web.Response:
        return self._answer(request, self._room(request))

    async def put(self, request: web.Request) -> web.Response:
        self._admin(request, "set up conference rooms")
        number = request.match_info["number"]
        if self._store.taken(number):
            raise ApiError(409, "number_taken", f"{number} is an extension, ring group or "
                                                f"door")
        body = await read_json_object(request)
        return self._store_room(request, {**_fields(body), "number": number})

    async def patch(self, request: web.Request) -> web.Response:
        self._admin(request, "change conference rooms")
        room = self._room(request)
        body = await read_json_object(request)
        settings = {**room_settings(room), **_fields(body)}
        return self._store_room(request, {k: v for k, v in settings.items() if v is not None})

    async def delete(self, request: web.Request) -> web.Response:
        self._admin(request, "remove conference rooms")
        room = self._room(request)
        self._store.remove(room.number)
        return web.Response(status=204)

    async def add_to_whitelist(self, request: web.Request) -> web.Response:
        return self._whitelist(request, add=True)

    async def remove_from_whitelist(self, request: web.Request) -> web.Response:
        return self._whitelist(request, add=False)

    def _whitelist(self, request: web.Request, add: bool) -> web.Response:
        self._admin(request, "change a whitelist")
        room = self._room(request)
        phone = request.match_info["phone"]
        entries = [e for e in room.whitelist if e != phone] + ([phone] if add else [])
        return self._store_room(request, {**room_settings(room), "whitelist": entries})

    def _store_room(self, request: web.Request, settings: dict[str, Any]) -> web.Response:
        try:
            room = check_room(settings)
        except RoomError as exc:
            # The message never holds a PIN (check_room does not repeat them).
            raise invalid(exc.message, field=exc.key.split("[")[0],
                          code="invalid_value") from None
        self._store.put(room)
        return self._answer(request, room)

    # -- moderating a room in use ------------------------------------------------------

    async def lock(self, request: web.Request) -> web.Response:
        return self._moderate(request, lambda n, by: self._live.lock(n, True, by))

    async def unlock(self, request: web.Request) -> web.Response:
        return self._moderate(request, lambda n, by: self._live.lock(n, False, by))

    async def mute_all(self, request: web.Request) -> web.Response:
        return self._moderate(request, lambda n, by: self._live.mute(n, None, True, by))

    async def unmute_all(self, request: web.Request) -> web.Response:
        return self._moderate(request, lambda n, by: self._live.mute(n, None, False, by))

    async def mute(self, request: web.Request) -> web.Response:
        pid = request.match_info["pid"]
        return self._moderate(request, lambda n, by: self._live.mute(n, pid, True, by))

    async def unmute(self, request: web.Request) -> web.Response:
        pid = request.match_info["pid"]
        return self._moderate(request, lambda n, by: self._live.mute(n, pid, False, by))

    async def kick(self, request: web.Request) -> web.Response:
        pid = request.match_info["pid"]
        return self._moderate(request, lambda n, by: self._live.kick(n, pid, by))

    def _moderate(self, request: web.Request, action: Any) -> web.Response:
        """Administrators, and the room's moderators (who entered its moderator PIN)."""
        room = self._room(request)
        me = caller(request)
        live = self._live.view(room.number)
        moderators = {p["number"] for p in live["participants"] if p.get("moderator")} \
            if live else set()
        by = me.number if me.number in moderators else self._admin(
            request, "moderate a conference (or a moderator in the room)")
        if not action(room.number, by):
            raise ApiError(404, "not_in_room", "Nobody by that id is in the room (or "
                                               "nobody at all)")
        return self._answer(request, room)


def _fields(body: dict[str, Any]) -> dict[str, Any]:
    for name in body:
        if name not in EDITABLE:
            raise invalid(f"'{name}' is not a conference setting; settings are " +
                          ", ".join(EDITABLE), field=name, code="unknown_field")
    most = body.get("max_participants")
    if isinstance(most, float) and most.is_integer():
        body = {**body, "max_participants": int(most)}    # JSON Schema: 6.0 is an integer
    return dict(body)


def add_routes(app: web.Application, store: ConferenceStore, live: LiveRooms) -> None:
    h = ConferenceHandlers(store, live)
    base = "/api/v1/conferences/{number:[0-9]{2,6}}"
    pid = base + "/participants/{pid:[0-9a-f]{12}}"
    r = app.router
    r.add_get("/api/v1/conferences", h.list, allow_head=False)
    r.add_get(base, h.get, allow_head=False)
    r.add_put(base, h.put)
    r.add_patch(base, h.patch)
    r.add_delete(base, h.delete)
    r.add_put(base + "/whitelist/{phone:" + PHONE + "}", h.add_to_whitelist)
    r.add_delete(base + "/whitelist/{phone:" + PHONE + "}", h.remove_from_whitelist)
    r.add_put(base + "/lock", h.lock)
    r.add_delete(base + "/lock", h.unlock)
    r.add_put(base + "/mute", h.mute_all)
    r.add_delete(base + "/mute", h.unmute_all)
    r.add_put(pid + "/mute", h.mute)
    r.add_delete(pid + "/mute", h.unmute)
    r.add_delete(pid, h.kick)


class ConferenceEvents:
    """Room events to the WebSocket clients: join, leave, mute, lock and talking go to
    the room's participants and to administrators; every client hears the new count when
    someone joins or leaves (the directory shows it)."""

    def __init__(self, config: PbxConfig, live: LiveRooms, send: Send) -> None:
        self._admins = {e.number for e in config.users() if e.role == "admin"}
        self._live = live
        self._send = send

    def __call__(self, room: str, event: str, fields: dict[str, Any]) -> None:
        view = self._live.view(room)
        inside = {p["number"] for p in view["participants"]} if view else set()
        if event == "leave":
            inside.add(fields["number"])
        self._send({"type": "conference", "event": event, "room": room, **fields},
                   self._admins | inside)
        if event in ("join", "leave"):
            self._send({"type": "conference_count", "room": room,
                        "participants": fields["count"]}, None)
