"""SRTP (RFC 3711, SDES keys RFC 4568) through the real PBX daemon: two pjsua2 phones that
insist on SRTP register over TLS and call each other; the PBX terminates SRTP on each leg
(its relay decrypts and re-encrypts) and each phone hears the other's tone."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.test_pbx_tls import TONES, talk
from tests.helpers.agent import Agent, make_agent  # noqa: F401  (fixture)
from tests.helpers.pbxproc import PbxProcess, start_tls_pbx

pytestmark = pytest.mark.e2e


@pytest.fixture
def srtp_pbx(request: pytest.FixtureRequest,
             tmp_path: Path) -> Iterator[tuple[PbxProcess, int, Path]]:
    """The PBX with TLS and [rtp] srtp = request.param: (process, TLS port, certificate)."""
    proc, tls_port, cert = start_tls_pbx(tmp_path, f'srtp = "{request.param}"\n')
    yield proc, tls_port, cert
    assert proc.stop() == 0


def srtp_call(new_agent: Callable[..., Agent], srtp_pbx: tuple[PbxProcess, int, Path],
              tmp_path: Path, alice_cryptos: str | None = None,
              ) -> tuple[Agent, Agent, dict[str, str]]:
    """Alice calls Bob, both on TLS with SRTP mandatory, and each hears the other: (alice,
    bob, the suite the PBX logged for each leg)."""
    pbx, tls_port, _ = srtp_pbx
    alice = new_agent("alice", transport="tls", srtp="mandatory",
                       srtp_cryptos=alice_cryptos).register_at(tls_port, "100", transport="tls")
    bob = new_agent("bob", transport="tls", srtp="mandatory").register_at(
        tls_port, "101", transport="tls")
    for agent in (alice, bob):
        agent.play_tone(TONES[agent.name], tmp_path)
    mark = len(pbx.lines)
    talk(alice, bob, f"sip:101@127.0.0.1:{tls_port}", tmp_path, "srtp")
    return alice, bob, {e["leg"]: e["suite"] for e in pbx.lines[mark:]
                        if e.get("event") == "srtp"}


@pytest.mark.parametrize("srtp_pbx", ["mandatory"], indirect=True)
def test_srtp_phones_talk_through_the_pbx(
        make_agent, srtp_pbx: tuple[PbxProcess, int, Path], tmp_path: Path) -> None:  # noqa: F811
    alice, bob, suites = srtp_call(make_agent, srtp_pbx, tmp_path)
    # The PBX says both legs carried SRTP (pjsua2 with SRTP mandatory refuses anything else),
    # with the best suite pjsua2 2.15.1 has that libsrtp has too.
    assert suites == {"a": "AES_CM_128_HMAC_SHA1_80", "b": "AES_CM_128_HMAC_SHA1_80"}
    # What each phone was given: RTP/SAVP with the PBX's own AES_CM_128_HMAC_SHA1_80 key.
    for agent in (alice, bob):
        log = agent.log_path.read_text(errors="replace")
        assert re.search(r"m=audio \d+ RTP/SAVP ", log)
        keys = set(re.findall(r"a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:(\S+)", log))
        assert len(keys) >= 2, f"{agent.name}: its own key and the PBX's, got {keys}"


@pytest.mark.parametrize("srtp_pbx", ["optional"], indirect=True)
def test_plain_udp_phone_calls_srtp_phone(
        make_agent, srtp_pbx: tuple[PbxProcess, int, Path], tmp_path: Path) -> None:  # noqa: F811
    """A UDP phone (no keys over cleartext SIP) calls a phone that uses SRTP where offered
    ("optional": RTP/AVP with a=crypto over TLS): plain RTP on one leg, SRTP on the other."""
    pbx, tls_port, _ = srtp_pbx
    alice = make_agent("alice").register_at(pbx.sip_port, "100")
    bob = make_agent("bob", transport="tls", srtp="optional").register_at(
        tls_port, "101", transport="tls")
    for agent in (alice, bob):
        agent.play_tone(TONES[agent.name], tmp_path)
    mark = len(pbx.lines)
    talk(alice, bob, f"sip:101@127.0.0.1:{pbx.sip_port}", tmp_path, "mixed")
    legs = {e.get("leg") for e in pbx.lines[mark:] if e.get("event") == "srtp"}
    assert legs == {"b"}


@pytest.mark.parametrize("srtp_pbx", ["mandatory"], indirect=True)
def test_each_leg_gets_the_suite_its_phone_offers(
        make_agent, srtp_pbx: tuple[PbxProcess, int, Path], tmp_path: Path) -> None:  # noqa: F811
    """Alice's phone offers only AES_CM_128_HMAC_SHA1_32: the PBX answers with it on her
    leg, offers every suite to Bob and uses the one his phone picks; the relay re-encrypts
    between the two suites and each hears the other. (pjsua2 2.15.1's libsrtp has no
    AES-GCM: tests/integration/test_srtp_anchor.py carries AES-GCM through the relay.)"""
    alice, bob, suites = srtp_call(make_agent, srtp_pbx, tmp_path, "AES_CM_128_HMAC_SHA1_32")
    assert suites == {"a": "AES_CM_128_HMAC_SHA1_32", "b": "AES_CM_128_HMAC_SHA1_80"}
    alice_log = alice.log_path.read_text(errors="replace")
    assert set(re.findall(r"a=crypto:\d+ (\S+) inline:", alice_log)) == {
        "AES_CM_128_HMAC_SHA1_32"}
    # Bob was offered every suite the PBX has, AES-GCM first.
    bob_log = bob.log_path.read_text(errors="replace")
    offered = re.findall(r"a=crypto:(\d+) (\S+) inline:", bob_log)
    assert offered[:4] == [("1", "AEAD_AES_256_GCM"), ("2", "AEAD_AES_128_GCM"),
                           ("3", "AES_CM_128_HMAC_SHA1_80"), ("4", "AES_CM_128_HMAC_SHA1_32")]
