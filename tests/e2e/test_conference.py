"""Conference rooms through the real PBX daemon with real pjsua2 phones: three callers join
the PIN room 300 and each hears the other two but not itself; a caller with a wrong PIN
three times is hung up having heard nothing of the room; the whitelist room 301 admits 100
and refuses 102 and a withheld number; the open room 302 admits its maximum and refuses
one more with 486; a G.722 and a G.711 phone hear each other; an admin switches 302 to PIN
mode through the API and the next caller is asked for the PIN."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.audio import read_wav, tone_ratio
from tests.helpers.pbxproc import PbxProcess, free_port, write_config

pytestmark = pytest.mark.e2e
ROOMS = """
[[conferences]]
number = "300"
name = "Konferenz"
access = "pin"
pin = "4711"
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


def test_three_callers_with_the_pin_each_hear_the_other_two_not_themselves(
        make_agent: Callable[..., Agent], conf_pbx: PbxProcess,  # noqa: F811
        tmp_path: Path) -> None:
    pbx = conf_pbx
    tones = {"100": 500, "101": 800, "102": 1200}
    agents = {n: make_agent(f"a{n}").register_at(pbx.sip_port, n).play_tone(f, tmp_path)
              for n, f in tones.items()}
    for number, agent in agents.items():
        join(agent, pbx, "300", "4711#")
        pbx.wait_for("conference_join", number=number)
    heard = record(list(agents.values()), tmp_path)
    for number, (samples, rate) in zip(agents, heard, strict=True):
        ratios = {n: tone_ratio(samples, rate, f) for n, f in tones.items()}
        others = [n for n in tones if n != number]
        assert all(ratios[n] > 0.3 for n in others), (number, ratios)
        assert ratios[number] < 0.02, (number, ratios)
