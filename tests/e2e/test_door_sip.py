"""The door station simulator as a SIP door station against the real PBX daemon, with a
real pjsua2 phone as the person at reception: the bell rings the phone with the door as
caller, an unanswered call gives up after --ring-timeout, the answered call carries the
visitor's 700 Hz tone, the DTMF door code opens the relay (and a wrong one does not), and
a call to the door is answered at once like on real door stations, and a wrong SIP
password is reported while the door's HTTP side keeps serving."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import numpy as np
import pytest

from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.audio import analyse_recording, dominant_frequency, tone_present
from tests.helpers.doorsim import DoorsimProcess, door_toml, sip_args
from tests.helpers.pbxproc import PbxProcess, free_port, write_config

pytestmark = pytest.mark.e2e
AUTH = {"Authorization": "Basic " + base64.b64encode(b"door:opensesame").decode()}


@pytest.fixture
def door_pbx(tmp_path: Path) -> Iterator[tuple[PbxProcess, int]]:
    """The PBX with door 150 (SIP password "pw150") whose camera and relay are a doorsim
    on the returned HTTP port."""
    port, http_port = free_port(), free_port()
    cfg = write_config(tmp_path / "pbx.toml", sip_port=port,
                       rtp_base=24000 + (port % 40) * 200, extra=door_toml(http_port))
    proc = PbxProcess(cfg, tmp_path / "data", sip_port=port).start()
    yield proc, http_port
    assert proc.stop() == 0


async def relay_log(door: DoorsimProcess) -> list[dict[str, object]]:
    async with aiohttp.ClientSession(headers=AUTH) as session, \
            session.get(door.url + "/relay/log") as resp:
        assert resp.status == 200
        return list((await resp.json())["openings"])


async def press_bell(door: DoorsimProcess) -> None:
    async with aiohttp.ClientSession() as session, session.post(door.url + "/bell") as resp:
        assert resp.status == 202


def heard(agent: Agent, path: Path, seconds: float = 1.5) -> tuple[np.ndarray, int]:
    agent.send(cmd="record", wav=str(path))
    time.sleep(seconds)  # the length of the recording, not a wait for an event
    agent.send(cmd="stop_record")
    agent.wait_for("recorded", wav=str(path))
    return analyse_recording(path)


async def test_bell_calls_reception_visitor_is_heard_and_dtmf_opens(
        make_agent: Callable[..., Agent],  # noqa: F811
        door_pbx: tuple[PbxProcess, int], tmp_path: Path) -> None:
    pbx, http_port = door_pbx
    reception = make_agent("reception").register_at(pbx.sip_port, "100")
    door = DoorsimProcess(*sip_args(pbx.sip_port, call="100", ring_timeout=3,
                                    log=tmp_path / "door-pj.log"), port=http_port).start()
    try:
        door.wait_for("sip_registered", user="150")

        # Nobody answers: the door gives up after --ring-timeout.
        await press_bell(door)
        incoming = reception.wait_for("incoming")
        assert "sip:150@" in incoming["from"] and incoming["remote_name"] == "Haustür"
        door.wait_for("call_ringing", target="100")
        ended = door.wait_for("call_ended", timeout=8)
        assert ended["reason"] == "no answer" and ended["answered"] is False
        reception.wait_for("call_state", state="DISCONNECTED")

        # The visitor rings again; reception answers and hears the door's 700 Hz tone.
        mark = reception.mark()
        await press_bell(door)
        reception.wait_for("incoming", since=mark)
        await press_bell(door)  # pressed again while it rings: ignored, like real doors
        door.wait_for("bell_ignored")
        reception.send(cmd="answer", code=200)
        reception.wait_for("media_state", since=mark, active=True)
        assert door.wait_for("call_answered")["by"] == "100"
        samples, rate = heard(reception, tmp_path / "visitor.wav")
        assert dominant_frequency(samples, rate) == pytest.approx(700, abs=15)
        assert tone_present(samples, rate, 700, min_ratio=0.8)

        # The right code opens the door once, by the phone that keyed it.
        assert await relay_log(door) == []
        reception.send(cmd="dtmf", digits="*1")
        door.wait_for("relay_open", by="dtmf:100")
        openings = await relay_log(door)
        assert [o["by"] for o in openings] == ["dtmf:100"]

        # A wrong code opens nothing.
        reception.send(cmd="dtmf", digits="*2")
        wrong = door.wait_for("dtmf_code_wrong")
        assert wrong["by"] == "100"
        assert await relay_log(door) == openings

        reception.send(cmd="hangup")
        ended = door.wait_for("call_ended", answered=True)
        assert ended["reason"] == "hung up" and ended["by"] == "100"

        # Reception calls the door (to look and talk first): it answers at once, the
        # visitor is heard, and the code opens it the same way.
        mark, seen = reception.mark(), len(door.lines)
        reception.send(cmd="call", uri=f"sip:150@127.0.0.1:{pbx.sip_port}")
        reception.wait_for("media_state", since=mark, active=True)
        assert door.wait_for("incoming_call", since=seen)["caller"] == "100"
        samples, rate = heard(reception, tmp_path / "visitor-called.wav")
        assert tone_present(samples, rate, 700, min_ratio=0.8)
        reception.send(cmd="dtmf", digits="*1")
        door.wait_for("relay_open", since=seen, by="dtmf:100")
        assert [o["by"] for o in await relay_log(door)] == ["dtmf:100", "dtmf:100"]
        reception.send(cmd="hangup")
        assert door.wait_for("call_ended", since=seen)["reason"] == "hung up"
    finally:
        assert door.stop() == 0
    assert door.wait_for("sip_unregistered", timeout=0)
    assert door.wait_for("stopped", timeout=0)


async def test_wrong_sip_password_is_reported_and_retried_while_http_serves(
        door_pbx: tuple[PbxProcess, int]) -> None:
    pbx, http_port = door_pbx
    door = DoorsimProcess(*sip_args(pbx.sip_port, password="wrong", retry=1),
                          port=http_port).start()
    try:
        failed = door.wait_for("sip_register_failed")
        assert failed["code"] in (401, 403), failed
        assert "password" in failed["message"]
        # It tries again by itself (the password may be fixed on the PBX meanwhile).
        first = door.lines.index(failed)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and sum(
                1 for x in door.lines[first:] if x.get("event") == "sip_register_failed") < 2:
            time.sleep(0.1)  # polling the subprocess's log, not a fixed wait
        assert sum(1 for x in door.lines[first:] if x.get("event") == "sip_register_failed") >= 2
        async with aiohttp.ClientSession() as session, \
                session.get(door.url + "/snapshot.jpg") as resp:
            assert resp.status == 200 and resp.content_type == "image/jpeg"
        assert await relay_log(door) == []
    finally:
        assert door.stop() == 0
