"""Attack: forged UDP REGISTERs with wrong passwords from a victim's source address, to get
the victim banned (issue 15, point 3); and password guessing interleaved with correct
sign-ins of one's own account, which used to reset the count (point 4).

127.0.0.2 plays the victim's address: the attacker sends from it but never reads what
comes back there, as with a forged source. So it can only present nonces it got at its
own address (127.0.0.1), or made up ones.

What must hold: unproven failures are not counted, so the victim registers and signs in
to the API; failures of an attacker who completes the digest round trip ban that address
for SIP only (its API use is a separate ban); every ban and slow-down is logged with user,
address and length; a correct password does not reset an account's count, and a throttled
account is refused even the right password from any new address, but not from the address
its phone is registered from (an attacker must not lock the owner's desk out).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.helpers.pbxproc import PbxProcess, free_port, write_config
from tests.helpers.sipclient import SipClient, digest_response

VICTIM = "127.0.0.2"
PROVEN_ATTACKER = "127.0.0.3"
DESK = "127.0.0.4"     # where 101's own phone and client are
API = "/api/v1/auth/token"


@pytest.fixture
def pbx(tmp_path: Path) -> Iterator[PbxProcess]:
    port = free_port()
    config = write_config(tmp_path / "pbx.toml", sip_port=port,
                          rtp_base=24000 + (port % 40) * 200,
                          extra="[security]\nban_failures = 3\nban_window = 60\n"
                                "account_failures = 3\naccount_window = 60\n")
    proc = PbxProcess(config, tmp_path / "data", sip_port=port).start()
    try:
        yield proc
    finally:
        assert proc.stop() == 0


def forged_register(attacker: SipClient, forger: SipClient, user: str) -> None:
    """A REGISTER with a wrong password sent from ``forger``'s address, answering a
    challenge ``attacker`` got at its own."""
    uri = f"sip:{attacker.server[0]}"
    attacker.send_raw(attacker.request("REGISTER", uri, user).to_bytes())
    challenge = attacker.recv_final()
    assert challenge is not None and challenge.status == 401
    auth = digest_response(challenge.headers.get("WWW-Authenticate") or "", "REGISTER", uri,
                           user, "guess")
    forger.send_raw(forger.request("REGISTER", uri, user, cseq=2,
                                   headers=[("Authorization", auth)]).to_bytes())


async def sign_in(url: str, user: str, password: str, source: str) -> tuple[int, dict]:
    connector = aiohttp.TCPConnector(local_addr=(source, 0))
    async with aiohttp.ClientSession(connector=connector) as http, \
            http.post(url + API, json={"user": user, "password": password}) as r:
        return r.status, await r.json()


async def test_forged_failures_ban_nobody_proven_ones_ban_sip_only(pbx: PbxProcess) -> None:
    server = ("127.0.0.1", pbx.sip_port)
    attacker, forger = SipClient(server), SipClient(server, bind=VICTIM)
    victim, proven = SipClient(server, bind=VICTIM), SipClient(server, bind=PROVEN_ATTACKER)
    try:
        for _ in range(10):
            forged_register(attacker, forger, "101")
        pbx.wait_for("auth_failed", ip=VICTIM, counted=False)
        forged_register(attacker, forger, "103")            # the last one, to wait for
        pbx.wait_for("auth_failed", ip=VICTIM, user="103", counted=False)
        assert pbx.logged("ban") is None
        response = victim.register("101", "pw101")
        assert response is not None and response.status == 200
        assert (await sign_in(pbx.api_url(), "101", "pw101", VICTIM))[0] == 200

        for _ in range(3):                       # real round trips: counted
            response = proven.register("102", "guess")
            assert response is not None and response.status == 403
        ban = pbx.wait_for("ban", ip=PROVEN_ATTACKER)
        assert (ban["user"], ban["seconds"], ban["service"]) == ("102", 300, "sip")
        assert proven.register("100", "pw100") is None      # dropped: banned for SIP
        # The API keeps its own bans: the SIP ban does not reach it.
        assert (await sign_in(pbx.api_url(), "100", "pw100", PROVEN_ATTACKER))[0] == 200
    finally:
        for client in (attacker, forger, victim, proven):
            client.close()


async def test_a_correct_password_does_not_reset_an_accounts_count(pbx: PbxProcess) -> None:
    url = pbx.api_url()
    desk = SipClient(("127.0.0.1", pbx.sip_port), bind=DESK)
    response = desk.register("101", "pw101")
    assert response is not None and response.status == 200
    # The guesser owns 102 and signs in with it between guesses at 101's password.
    for _ in range(2):
        assert (await sign_in(url, "101", "guess", "127.0.0.1"))[0] == 401
        assert (await sign_in(url, "102", "pw102", "127.0.0.1"))[0] == 200
    status, body = await sign_in(url, "101", "guess", "127.0.0.1")
    assert (status, body["error"]) == (429, "account_throttled")
    logged = pbx.wait_for("account_throttled", user="101")
    assert (logged["ip"], logged["seconds"], logged["service"]) == ("127.0.0.1", 2, "api")
    # From another address, and with the right password: still refused, unchecked.
    status, body = await sign_in(url, "101", "pw101", VICTIM)
    assert (status, body["error"]) == (429, "account_throttled")
    # More guesses make the wait longer.
    await sign_in(url, "101", "guess", "127.0.0.1")
    assert pbx.wait_for("account_throttled", user="101", seconds=4)["ip"] == "127.0.0.1"
    # The same account over SIP (one count per account): 503 with the wait.
    phone = SipClient(("127.0.0.1", pbx.sip_port), bind=VICTIM)
    try:
        response = phone.register("101", "pw101")
        assert response is not None and response.status == 503
        assert int(response.headers.get("Retry-After") or 0) >= 1
        # Other accounts are untouched.
        response = phone.register("103", "pw103")
        assert response is not None and response.status == 200
        # 101's own phone keeps its registration and its client signs in.
        response = desk.register("101", "pw101")
        assert response is not None and response.status == 200
        assert (await sign_in(url, "101", "pw101", DESK))[0] == 200
    finally:
        phone.close()
        desk.close()
