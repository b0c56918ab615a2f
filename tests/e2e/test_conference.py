"""Conference rooms through the real PBX daemon with real pjsua2 phones: three callers join
the PIN room 300 and each hears the other two but not itself; a caller with a wrong PIN
three times is hung up having heard nothing of the room; the whitelist room 301 admits 100
and refuses 102 and a withheld number; the open room 302 admits its maximum and refuses
one more with 486; a G.722 and a G.711 phone hear each other; an admin switches 302 to PIN
mode through the API and the next caller is asked for the PIN."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest

from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.audio import goertzel_power, read_wav, tone_ratio
from tests.helpers.pbxproc import PbxProcess, free_port, start_tls_pbx, write_config

pytestmark = pytest.mark.e2e
ROOMS = """
[[conferences]]
number = "300"
name = "Konferenz"
access = "pin"
pin = "4711"
moderator_pin = "9876"
language = "en"

[[conferences]]
number = "301"
name = "Vorstand"
access = "whitelist"
whitelist = ["100", "101"]

[[conferences]]
number = "302"
name = "Offene Runde"
access = "open"
max_participants = 10
"""


@pytest.fixture
def conf_pbx(tmp_path: Path) -> Iterator[PbxProcess]:
    port = free_port()
    cfg = write_config(tmp_path / "pbx.toml", sip_port=port,
                       rtp_base=24000 + (port % 40) * 200, extra=ROOMS)
    proc = PbxProcess(cfg, tmp_path / "data", sip_port=port).start()
    yield proc
    assert proc.stop() == 0


def join(agent: Agent, pbx: PbxProcess, room: str, digits: str = "",
         **call: object) -> dict[str, object]:
    """Call `room`, wait for the answer and media, key `digits`; the call_state event."""
    mark = agent.mark()
    agent.send(cmd="call", uri=f"sip:{room}@127.0.0.1:{pbx.sip_port}", **call)
    answered = agent.wait_for("call_state", since=mark, state="CONFIRMED")
    agent.wait_for("media_state", since=mark, active=True)
    if digits:
        agent.send(cmd="dtmf", digits=digits, call_id=answered["call_id"])
    return answered


def record(agents: list[Agent], directory: Path,
           seconds: float = 2.0) -> list[tuple[np.ndarray, int]]:
    """What each agent hears over the same `seconds` (all record at once: a pjsua agent
    that never recorded sends at a lower level, which would skew comparisons)."""
    paths = [directory / f"heard-{agent.name}-{time.monotonic_ns()}.wav" for agent in agents]
    for agent, path in zip(agents, paths, strict=True):
        agent.send(cmd="record", wav=str(path))
    time.sleep(seconds)  # the length of the recording, not a wait for an event
    out = []
    for agent, path in zip(agents, paths, strict=True):
        agent.send(cmd="stop_record")
        agent.wait_for("recorded", wav=str(path))
        samples, rate = read_wav(path)
        out.append((samples[int(0.3 * rate):], rate))
    return out


def tone_blocks(samples: np.ndarray, rate: int, freq: float, level: float = 0.05) -> float:
    """Share of 50 ms blocks in which a tone at `freq` of at least `level` (of full scale)
    is heard: a participant's continuous tone is in nearly all of them, a prompt's speech
    in few."""
    block = int(0.05 * rate)
    found = [goertzel_power(samples[i:i + block], freq, rate) ** 0.5 >= level
             for i in range(0, len(samples) - block + 1, block)]
    return sum(found) / max(1, len(found))


def test_three_callers_with_the_pin_each_hear_the_other_two_not_themselves(
        make_agent: Callable[..., Agent], conf_pbx: PbxProcess,  # noqa: F811
        tmp_path: Path) -> None:
    pbx = conf_pbx
    tones = {"100": 500, "101": 800, "102": 1200}
    agents = {n: make_agent(f"a{n}").register_at(pbx.sip_port, n).play_tone(f, tmp_path)
              for n, f in tones.items()}
    for number, agent in agents.items():
        answered = join(agent, pbx, "300")
        # The PIN by RFC 4733 telephone-events, and by SIP INFO from the third phone.
        method = "info" if number == "102" else "rfc4733"
        since = len(pbx.lines)
        agent.send(cmd="dtmf", digits="4711#", call_id=answered["call_id"], method=method)
        # A loaded test machine has lost a keyed digit now and then (the room then says
        # "wrong PIN" and asks again, as it would a person): key it once more, as a person
        # would; a second wrong PIN fails the test.
        if pbx.wait_for(("conference_join", "conference_wrong_pin"), since=since,
                            number=number)["event"] == "conference_wrong_pin":
            agent.send(cmd="dtmf", digits="4711#", call_id=answered["call_id"], method=method)
        pbx.wait_for("conference_join", number=number)
    heard = record(list(agents.values()), tmp_path)
    for number, (samples, rate) in zip(agents, heard, strict=True):
        ratios = {n: tone_ratio(samples, rate, f) for n, f in tones.items()}
        others = [n for n in tones if n != number]
        assert all(ratios[n] > 0.3 for n in others), (number, ratios)
        assert ratios[number] < 0.02, (number, ratios)


def test_three_wrong_pins_hang_up_and_nothing_crosses_before_the_pin(
        make_agent: Callable[..., Agent], conf_pbx: PbxProcess,  # noqa: F811
        tmp_path: Path) -> None:
    pbx = conf_pbx
    inside = make_agent("inside").register_at(pbx.sip_port, "100").play_tone(600, tmp_path)
    join(inside, pbx, "300", "4711#")
    pbx.wait_for("conference_join", number="100")
    guesser = make_agent("guesser").register_at(pbx.sip_port, "102").play_tone(1000, tmp_path)
    join(guesser, pbx, "300")
    paths = {agent.name: tmp_path / f"{agent.name}.wav" for agent in (inside, guesser)}
    for agent in (inside, guesser):
        agent.send(cmd="record", wav=str(paths[agent.name]))
    for attempt in (1, 2, 3):
        guesser.send(cmd="dtmf", digits="1234#")
        pbx.wait_for("conference_wrong_pin", number="102", attempt=attempt, timeout=15)
    # "Wrong PIN, goodbye", then the PBX hangs up.
    ended = guesser.wait_for("call_state", state="DISCONNECTED", timeout=15)
    assert ended["code"] == 200 or ended["reason"], ended
    for agent in (inside, guesser):
        agent.send(cmd="stop_record")
        agent.wait_for("recorded", wav=str(paths[agent.name]))
    heard, rate = read_wav(paths["guesser"])
    assert len(heard) > 3 * rate                          # prompts were played to it ...
    assert tone_blocks(heard, rate, 600) < 0.1            # ... but nothing of the room
    room, rate = read_wav(paths["inside"])
    assert tone_blocks(room, rate, 1000) < 0.1            # nor the room of the guesser
    assert not [x for x in pbx.lines if "1234" in str(x) or "4711" in str(x)]  # no PIN logged


def test_the_whitelist_admits_100_and_refuses_102_and_a_withheld_number(
        make_agent: Callable[..., Agent], conf_pbx: PbxProcess) -> None:  # noqa: F811
    pbx = conf_pbx
    member = make_agent("member").register_at(pbx.sip_port, "100")
    join(member, pbx, "301")
    pbx.wait_for("conference_join", number="100", room="301")
    stranger = make_agent("stranger").register_at(pbx.sip_port, "102")
    stranger.send(cmd="call", uri=f"sip:301@127.0.0.1:{pbx.sip_port}")
    stranger.wait_for("call_state", state="EARLY", code=183)      # the prompt says why
    ended = stranger.wait_for("call_state", state="DISCONNECTED", timeout=15)
    assert (ended["code"], ended["reason"]) == (403, "Number not on the conference whitelist")
    hidden = make_agent("hidden").register_at(pbx.sip_port, "101")
    hidden.send(cmd="call", uri=f"sip:301@127.0.0.1:{pbx.sip_port}",
                headers={"Privacy": "id"})
    ended = hidden.wait_for("call_state", state="DISCONNECTED", timeout=15)
    assert (ended["code"], ended["reason"]) == (403, "Anonymous callers are not admitted")
    refused = [x["number"] for x in pbx.lines if x.get("event") == "conference_refused"]
    assert refused == ["102", "101"]


def test_the_open_room_admits_its_maximum_and_refuses_one_more(
        make_agent: Callable[..., Agent], conf_pbx: PbxProcess) -> None:  # noqa: F811
    pbx = conf_pbx
    # A pjsua2 agent holds four calls at most: three phones make the ten participants.
    phones = [make_agent(f"phone{n}").register_at(pbx.sip_port, n) for n in ("101", "102", "103")]
    for count in range(1, 11):
        join(phones[(count - 1) // 4], pbx, "302")
        pbx.wait_for("conference_join", room="302", count=count)
    phone = phones[2]
    mark = phone.mark()
    phone.send(cmd="call", uri=f"sip:302@127.0.0.1:{pbx.sip_port}")
    ended = phone.wait_for("call_state", since=mark, state="DISCONNECTED", timeout=15)
    assert (ended["code"], ended["reason"]) == (486, "The conference is full")


def test_a_g722_and_a_g711_phone_hear_each_other(
        make_agent: Callable[..., Agent], conf_pbx: PbxProcess,  # noqa: F811
        tmp_path: Path) -> None:
    pbx = conf_pbx
    wide = make_agent("wide", codecs="G722").register_at(pbx.sip_port, "100")
    narrow = make_agent("narrow", codecs="PCMU").register_at(pbx.sip_port, "101")
    for agent, freq in ((wide, 700), (narrow, 1100)):
        agent.play_tone(freq, tmp_path)
        join(agent, pbx, "302")
        assert agent.events("media_state")[-1]["codec"] == (
            "G722/16000" if agent is wide else "PCMU/8000")
    (wide_heard, wide_rate), (narrow_heard, narrow_rate) = record([wide, narrow], tmp_path)
    assert tone_ratio(wide_heard, wide_rate, 1100) > 0.6
    assert tone_ratio(narrow_heard, narrow_rate, 700) > 0.6
    # *6 mutes oneself (with a short prompt to oneself alone) and *6 again unmutes.
    narrow.send(cmd="dtmf", digits="*6")
    pbx.wait_for("conference_mute", number="101", muted=True)
    (wide_heard, wide_rate), _ = record([wide, narrow], tmp_path)
    assert tone_blocks(wide_heard, wide_rate, 1100) == 0
    narrow.send(cmd="dtmf", digits="*6")
    pbx.wait_for("conference_mute", number="101", muted=False)
    (wide_heard, wide_rate), _ = record([wide, narrow], tmp_path)
    assert tone_ratio(wide_heard, wide_rate, 1100) > 0.5


def test_ten_wrong_pins_shut_the_guesser_out_and_nobody_else(
        make_agent: Callable[..., Agent], conf_pbx: PbxProcess,  # noqa: F811
        tmp_path: Path) -> None:
    pbx = conf_pbx
    # Its microphone (a tone) keeps pjsua's audio clock running, which sends the digits.
    guesser = make_agent("guesser").register_at(pbx.sip_port, "102").play_tone(900, tmp_path)
    for digits in ("1#2#3#", "1#2#3#", "1#2#3#", "1#"):     # ten wrong PINs in four calls
        mark = guesser.mark()
        call = join(guesser, pbx, "300", digits)
        if digits == "1#":
            pbx.wait_for("conference_pin_lockout", number="102", timeout=15)
            guesser.send(cmd="hangup", call_id=call["call_id"])
        guesser.wait_for("call_state", since=mark, state="DISCONNECTED", timeout=20)
    mark = guesser.mark()
    guesser.send(cmd="call", uri=f"sip:300@127.0.0.1:{pbx.sip_port}")
    ended = guesser.wait_for("call_state", since=mark, state="DISCONNECTED", timeout=15)
    assert (ended["code"], ended["reason"]) == (403, "Too many wrong PINs, try again later")
    # A colleague calling from the same address is asked for the PIN as usual.
    colleague = make_agent("colleague").register_at(pbx.sip_port, "101")
    join(colleague, pbx, "300", "4711#")
    pbx.wait_for("conference_join", number="101")


class Api:
    """The daemon's client API, signed in per user (test users' passwords: "pw<number>")."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http, self.url, self.tokens = http, url + "/api/v1", {}

    async def token(self, user: str) -> str:
        if user not in self.tokens:
            async with self.http.post(self.url + "/auth/token",
                                      json={"user": user, "password": f"pw{user}"}) as r:
                assert r.status == 200
                self.tokens[user] = (await r.json())["token"]
        return str(self.tokens[user])

    async def call(self, user: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {await self.token(user)}"}
        async with self.http.request(method, self.url + path, headers=headers, **kwargs) as r:
            return r.status, (await r.json() if r.status != 204 else None)


async def next_event(ws: aiohttp.ClientWebSocketResponse, kind: str,
                     **match: object) -> dict[str, Any]:
    """The next WebSocket message of type `kind` with the given fields."""
    while True:
        message = json.loads((await asyncio.wait_for(ws.receive(), 10)).data)
        if message["type"] == kind and all(message.get(k) == v for k, v in match.items()):
            return dict(message)


async def test_admins_change_rooms_through_the_api_and_see_who_is_in(
        make_agent: Callable[..., Agent], conf_pbx: PbxProcess,  # noqa: F811
        tmp_path: Path) -> None:
    pbx = conf_pbx
    async with aiohttp.ClientSession() as http:
        api = Api(http, pbx.api_url())
        ws = await http.ws_connect(api.url + f"/events?token={await api.token('100')}")
        await next_event(ws, "snapshot")
        status, body = await api.call("101", "GET", "/directory", params={"type": "conference"})
        assert status == 200
        assert [(e["number"], e["access"], e["participant_control"], e["participants"])
                for e in body["entries"]] == [("300", "pin", True, 0),
                                              ("302", "open", False, 0),
                                              ("301", "whitelist", True, 0)]
        # Only administrators change rooms; every change is checked, no PIN repeated.
        assert (await api.call("101", "PATCH", "/conferences/302",
                               json={"access": "pin", "pin": "2468"}))[0] == 403
        status, body = await api.call("100", "PATCH", "/conferences/302",
                                      json={"access": "pin", "pin": "24a8"})
        assert (status, body["field"]) == (422, "pin") and "24a8" not in body["message"]
        assert (await api.call("100", "PUT", "/conferences/101", json={}))[0] == 409
        status, body = await api.call("100", "PATCH", "/conferences/302",
                                      json={"access": "pin", "pin": "2468"})
        assert status == 200 and body["settings"]["pin"] == "2468"

        # The next caller to 302 is asked for the PIN: answered, but not in the room ...
        caller = make_agent("caller").register_at(pbx.sip_port, "101").play_tone(500, tmp_path)
        join(caller, pbx, "302")
        status, body = await api.call("100", "GET", "/conferences/302")
        assert (status, body["access"], body["participants"]) == (200, "pin", [])
        # ... until the PIN and hash.
        caller.send(cmd="dtmf", digits="2468#")
        joined = await next_event(ws, "conference", event="join", room="302")
        assert joined["participant"]["number"] == "101"
        status, body = await api.call("101", "GET", "/conferences/302")   # a participant
        assert status == 200 and "settings" not in body       # sees who is in, no PIN
        [me] = body["participants"]
        assert (me["number"], me["name"], me["muted"]) == ("101", "Vertrieb", False)
        assert (await api.call("102", "GET", "/conferences/302"))[0] == 403
        # The caller's tone makes it a talker; the admin mutes it, which stops that.
        talking = await next_event(ws, "conference", event="talking", room="302")
        assert talking["talking"] == {me["id"]: True}
        status, body = await api.call("100", "PUT", f"/conferences/302/participants/"
                                                    f"{me['id']}/mute")
        assert status == 200 and body["participants"][0]["muted"] is True
        await next_event(ws, "conference", event="mute", room="302", muted=True)
        assert (await next_event(ws, "conference", event="talking"))["talking"] == {
            me["id"]: False}
        # Removed by the admin: the PBX hangs up.
        status, body = await api.call("100", "DELETE",
                                      f"/conferences/302/participants/{me['id']}")
        assert status == 200 and body["participants"] == []
        caller.wait_for("call_state", state="DISCONNECTED")
        await next_event(ws, "conference_count", room="302", participants=0)
        assert (await api.call("100", "DELETE", "/conferences/302"))[0] == 204
        assert (await api.call("100", "GET", "/conferences/302"))[0] == 404

        # A participant who entered the moderator PIN moderates through the API too; the
        # others may not.
        boss = make_agent("boss").register_at(pbx.sip_port, "102").play_tone(700, tmp_path)
        join(boss, pbx, "300", "9876#")
        await next_event(ws, "conference", event="join", room="300")
        guest = make_agent("guest").register_at(pbx.sip_port, "103")
        join(guest, pbx, "300", "4711#")
        await next_event(ws, "conference", event="join", room="300")
        assert (await api.call("103", "PUT", "/conferences/300/lock"))[0] == 403
        status, body = await api.call("102", "PUT", "/conferences/300/lock")
        assert status == 200 and body["locked"] is True
        assert [p["moderator"] for p in body["participants"]] == [True, False]
        await ws.close()


def test_an_srtp_phone_and_a_plain_phone_hear_each_other(
        make_agent: Callable[..., Agent], tmp_path: Path) -> None:  # noqa: F811
    """SRTP ends at the room like at a relayed call's leg: a phone that insists on SRTP
    (keys by SDES over TLS) and a plain UDP phone talk in one room."""
    pbx, tls_port, _ = start_tls_pbx(tmp_path, 'srtp = "optional"\n', extra=ROOMS)
    try:
        secure = make_agent("secure", transport="tls", srtp="mandatory").register_at(
            tls_port, "100", transport="tls").play_tone(700, tmp_path)
        plain = make_agent("plain").register_at(pbx.sip_port, "101").play_tone(1100, tmp_path)
        mark = secure.mark()
        secure.send(cmd="call", uri=f"sip:302@127.0.0.1:{tls_port}")
        secure.wait_for("media_state", since=mark, active=True)
        join(plain, pbx, "302")
        pbx.wait_for("conference_join", number="101")
        (secure_heard, secure_rate), (plain_heard, plain_rate) = record([secure, plain],
                                                                        tmp_path)
        assert tone_ratio(secure_heard, secure_rate, 1100) > 0.6
        assert tone_ratio(plain_heard, plain_rate, 700) > 0.6
        log = secure.log_path.read_text(errors="replace")
        # The room's own answer: RTP/SAVP with its key (pjsua2 insists, or no call at all).
        answer = re.search(r"s=softphone conference\r?\n(?:.*\n){0,3}?m=audio \d+ RTP/SAVP "
                           r"(?:.*\n){0,8}?a=crypto:\d+ AES_CM_128_HMAC_SHA1_80", log)
        assert answer is not None
    finally:
        assert pbx.stop() == 0
