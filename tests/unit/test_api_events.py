"""The events hub with fake sockets: snapshot first, fan-out, slow clients cut off."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from softphone.common.directory import Presence, UserSettings
from softphone.pbx.api.directory import Directory
from softphone.pbx.api.events import CLOSE_GOING_AWAY, CLOSE_TOO_SLOW, EventHub
from softphone.pbx.api.favorites import Favorites
from softphone.pbx.api.userstore import UserStore
from tests.helpers.apiserver import FakePresence, api_config


class FakeSocket:
    def __init__(self, stuck: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self._stuck = stuck
        self.received = asyncio.Event()

    async def send(self, text: str) -> None:
        if self._stuck:
            await asyncio.Event().wait()       # a peer that never reads
        self.sent.append(json.loads(text))
        self.received.set()

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


class World:
    def __init__(self, tmp_path: Path) -> None:
        config = api_config()
        self.presence = FakePresence(list(config.extensions))
        self.users = UserStore(tmp_path / "users.sqlite3")
        self.hub = EventHub(self.presence, self.users,
                            Favorites(self.users, Directory(config, self.presence)),
                            max_queue=8)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    w = World(tmp_path)
    w.hub.start()
    yield w
    await w.hub.stop()
    w.users.close()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_snapshot_comes_first(world: World) -> None:
    world.users.set_favorites("101", ["102", "100"])
    world.users.save_settings("101", UserSettings(dnd=True))
    world.presence.states["102"] = Presence.BUSY
    sock = FakeSocket()
    world.hub.connect("101", sock)
    world.presence.set("100", Presence.AVAILABLE, since=5.0)
    await settle()
    snapshot, update = sock.sent
    assert snapshot["type"] == "snapshot"
    assert snapshot["presence"] == {"100": "offline", "101": "offline", "102": "busy",
                                    "200": "offline"}
    assert snapshot["favorites"] == ["102", "100"]
    assert snapshot["settings"]["dnd"] is True and "extra" not in snapshot["settings"]
    assert update == {"type": "presence", "number": "100", "presence": "available",
                      "since": 5.0}


async def test_user_changes_go_to_that_users_connections_only(world: World) -> None:
    mine, also_mine, theirs = FakeSocket(), FakeSocket(), FakeSocket()
    world.hub.connect("101", mine)
    world.hub.connect("101", also_mine)
    world.hub.connect("102", theirs)
    world.users.add_favorite("101", "200")
    world.users.save_settings("101", UserSettings(call_waiting=False))
    await settle()
    for sock in (mine, also_mine):
        assert [m["type"] for m in sock.sent] == ["snapshot", "favorites", "settings"]
        assert sock.sent[1]["favorites"] == ["200"]
        assert sock.sent[2]["settings"]["call_waiting"] is False
    assert [m["type"] for m in theirs.sent] == ["snapshot"]


async def test_slow_client_is_closed_and_does_not_hold_up_others(world: World) -> None:
    slow, fast = FakeSocket(stuck=True), FakeSocket()
    world.hub.connect("101", slow)
    world.hub.connect("102", fast)
    for i in range(50):
        world.presence.set("100", Presence.BUSY if i % 2 else Presence.AVAILABLE, float(i))
        await asyncio.sleep(0)
    await settle()
    assert slow.closed == (CLOSE_TOO_SLOW, "too slow: events were dropped")
    assert len(fast.sent) == 51 and fast.closed is None


async def test_stop_closes_everyone_and_unsubscribes(world: World) -> None:
    sock = FakeSocket()
    world.hub.connect("101", sock)
    assert world.hub.client_count == 1
    await world.hub.stop()
    assert sock.closed == (CLOSE_GOING_AWAY, "server shutting down")
    assert world.presence.listeners == []
    assert world.hub.client_count == 0


async def test_disconnect_forgets_the_client(world: World) -> None:
    sock = FakeSocket()
    client = world.hub.connect("101", sock)
    await settle()
    world.hub.disconnect(client)
    await client.wait_closed()
    world.presence.set("100", Presence.BUSY)
    await settle()
    assert world.hub.client_count == 0
    assert [m["type"] for m in sock.sent] == ["snapshot"]
