"""Digest challenges per phone against the real daemon (RFC 8760 section 2.4): baresip 1.0,
which gives up on any 401 holding a SHA-256 challenge, is offered MD5 alone; other phones
SHA-256 first; and only a right password changes what an account's device is offered."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from softphone.pbx.sip.message import Response
from tests.helpers.pbxproc import PbxProcess
from tests.helpers.sipclient import SipClient, digest_response

URI = "sip:127.0.0.1"


@pytest.fixture
def client(pbx: PbxProcess) -> Iterator[SipClient]:
    c = SipClient(("127.0.0.1", pbx.sip_port))
    yield c
    c.close()


def register(client: SipClient, user: str, agent: str, password: str | None = None,
             algorithm: str | None = None) -> tuple[list[str], Response]:
    """REGISTER as `user` with User-Agent `agent`: the algorithms of the 401, and (when a
    password is given) the final response to the answer of the `algorithm` challenge."""
    call_id = uuid.uuid4().hex
    headers = [("User-Agent", agent)]
    client.send_raw(client.request("REGISTER", URI, user, call_id=call_id,
                                   headers=headers).to_bytes())
    first = client.recv_final()
    assert first is not None and first.status == 401
    challenges = first.headers.get_all("WWW-Authenticate")
    offered = [c.split("algorithm=")[1].split(",")[0] for c in challenges]
    if password is None:
        return offered, first
    chosen = next(c for c in challenges if f"algorithm={algorithm}," in c)
    auth = digest_response(chosen, "REGISTER", URI, user, password)
    client.send_raw(client.request("REGISTER", URI, user, call_id=call_id, cseq=2,
                                   headers=[*headers, ("Authorization", auth)]).to_bytes())
    final = client.recv_final()
    assert final is not None
    return offered, final


def test_baresip_gets_md5_alone_and_other_phones_sha256_first(client: SipClient) -> None:
    assert register(client, "101", "baresip v1.0.0 (x86_64/linux)")[0] == ["MD5"]
    assert register(client, "101", "Acme/1")[0] == ["SHA-256", "MD5"]
    # The same answer for an unknown extension: the challenge tells nothing about accounts.
    assert register(client, "999", "baresip v1.0.0 (x86_64/linux)")[0] == ["MD5"]


def test_only_a_right_password_moves_an_account_to_md5_first(client: SipClient) -> None:
    # An attacker answering MD5 with a wrong password changes nothing for 101.
    _, refused = register(client, "101", "OldPhone/2", "guess", "MD5")
    assert refused.status == 403
    assert register(client, "101", "OldPhone/2")[0] == ["SHA-256", "MD5"]
    # The phone itself, which knows MD5 only, gets in and is then offered MD5 first.
    _, ok = register(client, "101", "OldPhone/2", "pw101", "MD5")
    assert ok.status == 200
    assert register(client, "101", "OldPhone/2")[0] == ["MD5", "SHA-256"]
    assert register(client, "102", "OldPhone/2")[0] == ["SHA-256", "MD5"]
