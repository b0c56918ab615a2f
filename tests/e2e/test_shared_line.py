"""A shared line end to end: real pjsua2 agents as the phones of 100, 101, 102 and 103,
the real PBX daemon with line 250 "Geschäftsführung" carried by 100 and 102.

101 calls 250: 100 and 102 ring with the line named; 100 answers and 102 stops ringing;
102 barges in: all three hear the other two (a tone each, measured in every stream) and
100 and 101 hear the warning tone, 102 does not; 102 hangs up and 100-101 go on;
102's next barge-in is refused once the owner switched barge-in off through the API, and the
call goes on undisturbed; 100 holds, 102 retrieves the call from the line key and talks
to 101 (tones measured both ways). 102 calls 103 as the line and 103 sees
"Geschäftsführung" 250; 103, no member, cannot call as 250."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.agent import Agent, make_agent  # noqa: F401  (make_agent is a fixture)
from tests.helpers.audio import analyse_recording, dominant_frequency, tone_present, tone_ratio
from tests.helpers.pbxproc import PbxProcess, free_port, write_config

pytestmark = pytest.mark.e2e

LINE = """
[[shared_lines]]
number = "250"
name = "Geschäftsführung"
members = ["100", "102"]
barge_in = true
warning_tone = "repeat"
warning_interval = 30
appearances = 4
"""
APPEARANCE_1 = {"Call-Info": "<sip:250@softphone.test>;appearance-index=1"}
AS_LINE = {"P-Preferred-Identity": "<sip:250@softphone.test>"}


@pytest.fixture
def pbx(tmp_path: Path) -> Iterator[PbxProcess]:
    port = free_port()
    cfg = write_config(tmp_path / "pbx.toml", sip_port=port,
                       rtp_base=24000 + (port % 40) * 200, extra=LINE)
    proc = PbxProcess(cfg, tmp_path / "data", sip_port=port).start()
    yield proc
    assert proc.stop() == 0


def api(pbx: PbxProcess, method: str, path: str, user: str,
        body: dict[str, object] | None = None) -> dict[str, object]:
    """The client API as `user` (test passwords are "pw<number>")."""
    url = pbx.api_url() + "/api/v1"
    sign_in = urllib.request.Request(url + "/auth/token", method="POST",
                                     data=json.dumps({"user": user,
                                                      "password": f"pw{user}"}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(sign_in, timeout=5) as r:
        token = json.load(r)["token"]
    req = urllib.request.Request(url + path, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req, timeout=5) as r:
        return dict(json.load(r))


def hears(agent: Agent, tmp_path: Path, freq: int, seconds: float = 2.0) -> bool:
    mark = agent.mark()
    wav = tmp_path / f"{agent.name}-{freq}-{mark}.wav"
    agent.send(cmd="record", wav=str(wav))
    time.sleep(seconds)  # the length of the recording, not a wait for an event
    agent.send(cmd="stop_record")
    agent.wait_for("recorded", since=mark)
    samples, rate = analyse_recording(wav)
    return dominant_frequency(samples, rate) == pytest.approx(freq, abs=15) and \
        tone_present(samples, rate, freq, min_ratio=0.6)


def recording(agent: Agent, tmp_path: Path, name: str) -> Path:
    wav = tmp_path / f"{agent.name}-{name}.wav"
    agent.send(cmd="record", wav=str(wav))
    return wav


def stopped(agent: Agent, wav: Path) -> dict[int, float]:
    """The share of each tone of the test in what ``agent`` recorded to ``wav``."""
    mark = agent.mark()
    agent.send(cmd="stop_record")
    agent.wait_for("recorded", since=mark)
    samples, rate = analyse_recording(wav)
    return {f: tone_ratio(samples, rate, f) for f in (600, 800, 1000, 1400)}


def test_ring_answer_barge_in_hold_and_retrieve(
        make_agent, pbx: PbxProcess, tmp_path: Path) -> None:  # noqa: F811
    phones = {n: make_agent(f"p{n}").register_at(pbx.sip_port, n).play_tone(f, tmp_path)
              for n, f in (("100", 1000), ("101", 600), ("102", 800))}
    p100, p101, p102 = phones["100"], phones["101"], phones["102"]
    line_uri = f"sip:250@127.0.0.1:{pbx.sip_port}"

    p101.send(cmd="call", uri=line_uri)
    for member in (p100, p102):
        ringing = member.wait_for("incoming")
        assert "Geschäftsführung" in ringing["to"] and "sip:250@" in ringing["to"]
    mark = p102.mark()
    p100.send(cmd="answer", code=200)
    p102.wait_for("call_state", since=mark, state="DISCONNECTED")   # stops ringing
    for agent in (p100, p101):
        agent.wait_for("media_state", active=True, hold="none")
    assert hears(p101, tmp_path, 1000) and hears(p100, tmp_path, 600)
    line = api(pbx, "GET", "/shared-lines/250", "102")
    assert line["appearances"][0] == {"index": 1, "state": "active", "member": "100",  # type: ignore[index]
                                      "party": "101"}

    # 102 barges in: all three hear each other, 100 and 101 the warning tone (1400 Hz).
    wavs = {n: recording(phones[n], tmp_path, "barge") for n in ("100", "101")}
    mark = p102.mark()
    p102.send(cmd="call", uri=line_uri, headers=APPEARANCE_1)
    p102.wait_for("media_state", since=mark, active=True, hold="none")
    wavs["102"] = recording(p102, tmp_path, "barge")
    pbx.wait_for("line_barge", by="102")
    time.sleep(2.5)  # the length of the recording, not a wait for an event
    heard = {n: stopped(phones[n], wav) for n, wav in wavs.items()}
    others = {"100": (600, 800), "101": (1000, 800), "102": (1000, 600)}
    for number, tones in others.items():
        for freq in tones:
            assert heard[number][freq] > 0.15, (number, freq, heard[number])
    assert heard["100"][1400] > 0.01 and heard["101"][1400] > 0.01, heard
    assert heard["102"][1400] < heard["100"][1400] / 5, heard
    mark = p102.mark()
    p102.send(cmd="hangup")
    p102.wait_for("call_state", since=mark, state="DISCONNECTED")
    pbx.wait_for("line_barge_end", by="102")
    assert hears(p101, tmp_path, 1000) and hears(p100, tmp_path, 600)   # the two go on

    # The owner forbids barge-in: 102's barge is refused and the call goes on.
    api(pbx, "PATCH", "/shared-lines/250", "100", {"barge_in": False})
    mark = p102.mark()
    p102.send(cmd="call", uri=line_uri, headers=APPEARANCE_1)
    refused = p102.wait_for("call_state", since=mark, state="DISCONNECTED")
    assert (refused["code"], refused["reason"]) == (403, "Barge-in is not allowed on this line")
    assert hears(p101, tmp_path, 1000) and hears(p100, tmp_path, 600)

    # 100 holds; 102 takes the held call from the line key and talks to 101.
    mark_100, mark_101 = p100.mark(), p101.mark()
    p100.send(cmd="hold")
    p101.wait_for("media_state", since=mark_101, active=False, hold="remote")
    mark_101, mark = p101.mark(), p102.mark()
    p102.send(cmd="call", uri=line_uri, headers=APPEARANCE_1)
    p102.wait_for("media_state", since=mark, active=True, hold="none")
    p100.wait_for("call_state", since=mark_100, state="DISCONNECTED")
    p101.wait_for("media_state", since=mark_101, active=True, hold="none")
    assert hears(p101, tmp_path, 800) and hears(p102, tmp_path, 600)
    retrieved = pbx.wait_for("line_retrieve")
    assert (retrieved["by"], retrieved["from"]) == ("102", "100")
    audit = api(pbx, "GET", "/shared-lines/250/audit", "100")    # 100 is an administrator
    assert [(r["action"], r["user"]) for r in audit["records"]] == \
        [("retrieve", "102"), ("barge", "102")]  # type: ignore[attr-defined]


def test_a_member_calls_as_the_line_and_others_may_not(
        make_agent, pbx: PbxProcess, tmp_path: Path) -> None:  # noqa: F811
    p102 = make_agent("p102").register_at(pbx.sip_port, "102")
    p103 = make_agent("p103").register_at(pbx.sip_port, "103")
    p102.send(cmd="call", uri=f"sip:103@127.0.0.1:{pbx.sip_port}", headers=AS_LINE)
    incoming = p103.wait_for("incoming")
    assert incoming["remote_name"] == "Geschäftsführung" and "sip:250@" in incoming["from"]
    p103.send(cmd="answer", code=486)
    p102.wait_for("call_state", state="DISCONNECTED")
    mark = p103.mark()
    p103.send(cmd="call", uri=f"sip:102@127.0.0.1:{pbx.sip_port}", headers=AS_LINE)
    refused = p103.wait_for("call_state", since=mark, state="DISCONNECTED")
    assert (refused["code"], refused["reason"]) == (403, "Not a member of this shared line")
