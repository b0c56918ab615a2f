"""Issue 5, call pickup: a colleague takes a call ringing at someone else's phone with a
feature code (*8 in the ring group, **<ext> directed); the ringing phone stops, the caller
and the colleague hear each other."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.audio import analyse_recording, tone_present
from tests.helpers.pbxproc import PbxProcess, free_port, write_config

pytestmark = pytest.mark.e2e

GROUP = '[[ring_groups]]\nnumber = "200"\nname = "Vertrieb"\nmembers = ["101", "102"]\n'


@pytest.fixture
def pbx(tmp_path: Path) -> Iterator[PbxProcess]:
    port = free_port()
    cfg = write_config(tmp_path / "pbx.toml", sip_port=port, extra=GROUP,
                       rtp_base=24000 + (port % 40) * 200)
    proc = PbxProcess(cfg, tmp_path / "data", sip_port=port).start()
    yield proc
    assert proc.stop() == 0


def phone(make_agent, pbx: PbxProcess, user: str, tmp_path: Path, tone: int) -> Agent:  # noqa: F811
    return make_agent(f"a{user}").register_at(pbx.sip_port, user).play_tone(tone, tmp_path)


def hears(agent: Agent, freq: int, path: Path) -> bool:
    agent.send(cmd="record", wav=str(path))
    time.sleep(1.5)  # the length of the recording, not a wait for an event
    agent.send(cmd="stop_record")
    agent.wait_for("recorded", wav=str(path))
    samples, rate = analyse_recording(path)
    return tone_present(samples, rate, freq, min_ratio=0.6)


@pytest.mark.parametrize("code", ["*8", "**101"])
def test_colleague_picks_up_a_ringing_call(make_agent, pbx: PbxProcess, tmp_path: Path,  # noqa: F811
                                           code: str) -> None:
    alice = phone(make_agent, pbx, "100", tmp_path, 1000)
    bob = phone(make_agent, pbx, "101", tmp_path, 500)
    carol = phone(make_agent, pbx, "102", tmp_path, 600)
    alice.send(cmd="call", uri=f"sip:101@127.0.0.1:{pbx.sip_port}")
    bob.wait_for("incoming")
    alice.wait_for("call_state", state="EARLY")
    carol.send(cmd="call", uri=f"sip:{code}@127.0.0.1:{pbx.sip_port}")
    carol.wait_for("call_state", state="CONFIRMED")
    alice.wait_for("call_state", state="CONFIRMED")
    bob.wait_for("call_state", state="DISCONNECTED")  # Bob's phone stops ringing
    pbx.wait_for("pickup", by="102")
    assert hears(carol, 1000, tmp_path / "carol.wav")
    assert hears(alice, 600, tmp_path / "alice.wav")


def test_nothing_to_pick_up(make_agent, pbx: PbxProcess, tmp_path: Path) -> None:  # noqa: F811
    carol = phone(make_agent, pbx, "102", tmp_path, 600)
    carol.send(cmd="call", uri=f"sip:*8@127.0.0.1:{pbx.sip_port}")
    carol.wait_for("call_state", state="DISCONNECTED", code=404)


async def test_pickup_through_the_client_api(make_agent, pbx: PbxProcess,  # noqa: F811
                                             tmp_path: Path) -> None:
    """The client asks the PBX; the picker's own phone rings and takes the call."""
    url = pbx.api_url()
    alice = await asyncio.to_thread(phone, make_agent, pbx, "100", tmp_path, 1000)
    bob = await asyncio.to_thread(phone, make_agent, pbx, "101", tmp_path, 500)
    carol = await asyncio.to_thread(phone, make_agent, pbx, "102", tmp_path, 600)
    async with aiohttp.ClientSession() as http:
        login = await http.post(f"{url}/api/v1/auth/token",
                                json={"user": "102", "password": "pw102"})
        headers = {"Authorization": f"Bearer {(await login.json())['token']}"}
        nothing = await http.post(f"{url}/api/v1/calls/pickup", headers=headers)
        assert nothing.status == 404 and (await nothing.json())["error"] == "nothing_to_pick_up"
        alice.send(cmd="call", uri=f"sip:101@127.0.0.1:{pbx.sip_port}")
        await asyncio.to_thread(bob.wait_for, "incoming")
        taken = await http.post(f"{url}/api/v1/calls/pickup", headers=headers,
                                json={"number": "101"})
        assert taken.status == 202
    incoming = await asyncio.to_thread(carol.wait_for, "incoming")
    assert "sip:100@" in incoming["from"], "Carol's phone shows who is calling"
    carol.send(cmd="answer", code=200)
    await asyncio.to_thread(alice.wait_for, "call_state", state="CONFIRMED")
    await asyncio.to_thread(bob.wait_for, "call_state", state="DISCONNECTED")
    assert await asyncio.to_thread(hears, carol, 1000, tmp_path / "carol-api.wav")


async def test_ring_group_is_in_the_directory_and_can_be_a_favorite(pbx: PbxProcess) -> None:
    url = pbx.api_url()
    async with aiohttp.ClientSession() as http:
        login = await http.post(f"{url}/api/v1/auth/token",
                                json={"user": "102", "password": "pw102"})
        headers = {"Authorization": f"Bearer {(await login.json())['token']}"}
        found = await http.get(f"{url}/api/v1/directory", headers=headers,
                               params={"type": "ring_group"})
        entries = (await found.json())["entries"]
        assert [(e["number"], e["name"]) for e in entries] == [("200", "Vertrieb")]
        added = await http.post(f"{url}/api/v1/me/favorites", headers=headers,
                                json={"number": "200"})
        assert added.status == 200 and (await added.json())["favorites"] == ["200"]
