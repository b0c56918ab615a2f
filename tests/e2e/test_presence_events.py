"""Issue 4: a real call between two registered phones moves a third user's view of the
callee from available to ringing to busy and back, pushed over the client API's WebSocket
by the real daemon, in that order."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.pbxproc import PbxProcess

pytestmark = pytest.mark.e2e


def register(agent: Agent, pbx: PbxProcess, user: str) -> None:
    agent.register_at(pbx.sip_port, user)


async def next_presence(ws: aiohttp.ClientWebSocketResponse, number: str) -> str:
    while True:
        msg = await ws.receive_json(timeout=10)
        if msg.get("type") == "presence" and msg["number"] == number:
            return str(msg["presence"])


async def test_call_changes_presence_seen_by_a_colleague(make_agent, pbx: PbxProcess) -> None:  # noqa: F811
    url = pbx.api_url()
    alice, bob = make_agent("alice"), make_agent("bob")
    await asyncio.to_thread(register, alice, pbx, "100")
    await asyncio.to_thread(register, bob, pbx, "101")
    async with aiohttp.ClientSession() as http:
        login = await http.post(f"{url}/api/v1/auth/token",
                                json={"user": "102", "password": "pw102"})
        assert login.status == 200
        token = (await login.json())["token"]
        headers = {"Authorization": f"Bearer {token}"}
        async with http.ws_connect(f"{url}/api/v1/events", headers=headers) as ws:
            snapshot = await ws.receive_json(timeout=10)
            assert snapshot["type"] == "snapshot"
            assert snapshot["presence"]["101"] == "available"
            assert snapshot["presence"]["103"] == "offline"

            alice.send(cmd="call", uri=f"sip:101@127.0.0.1:{pbx.sip_port}")
            assert await next_presence(ws, "101") == "ringing"
            await asyncio.to_thread(bob.wait_for, "incoming")
            bob.send(cmd="answer", code=200)
            assert await next_presence(ws, "101") == "busy"
            bob.send(cmd="hangup")
            assert await next_presence(ws, "101") == "available"

            directory = await http.get(f"{url}/api/v1/directory", params={"q": "vertrieb"},
                                       headers=headers)
            entries = (await directory.json())["entries"]
            assert [(e["number"], e["presence"]) for e in entries] == [("101", "available")]
