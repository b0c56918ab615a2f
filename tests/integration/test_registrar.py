"""Registrar behaviour a phone relies on (RFC 3261 section 10.3), against the real daemon:
several devices per extension, too-short expiry, the wildcard un-REGISTER, refresh."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator

import pytest

from softphone import __version__
from softphone.pbx.sip.message import Response
from tests.helpers.pbxproc import PbxProcess
from tests.helpers.sipclient import SipClient, digest_response


@pytest.fixture
def device(pbx: PbxProcess) -> Iterator[Callable[[], Device]]:
    made: list[Device] = []

    def make() -> Device:
        made.append(Device(pbx))
        return made[-1]

    yield make
    for d in made:
        d.client.close()


class Device:
    """One phone of extension 101: its own socket, Contact and REGISTER Call-ID."""

    def __init__(self, pbx: PbxProcess) -> None:
        self.client = SipClient(("127.0.0.1", pbx.sip_port))
        self.call_id = uuid.uuid4().hex
        self.cseq = 0
        self.contact = f"<sip:101@127.0.0.1:{self.client.port}>"

    def register(self, expires: int | None, contact: str | None = None) -> Response:
        """REGISTER with digest; `expires` None sends no Expires header."""
        headers = [] if expires is None else [("Expires", str(expires))]
        uri = "sip:127.0.0.1"
        challenge = None
        for _ in range(2):
            self.cseq += 1
            req = self.client.request("REGISTER", uri, "101", call_id=self.call_id,
                                      cseq=self.cseq, headers=headers)
            req.headers.set("Contact", contact or self.contact)
            if challenge is not None:
                req.headers.add("Authorization",
                                digest_response(challenge, "REGISTER", uri, "101", "pw101"))
            self.client.send_raw(req.to_bytes())
            resp = self.client.recv_final()
            assert resp is not None
            if resp.status != 401:
                return resp
            challenge = resp.headers.get("WWW-Authenticate")
        raise AssertionError("still challenged after authenticating")


def contacts(resp: Response) -> list[str]:
    return sorted(c.split(";")[0] for c in resp.headers.get_all("Contact"))


def test_two_devices_are_both_bound_and_one_leaves(device: Callable[[], Device]) -> None:
    desk, laptop = device(), device()
    assert desk.register(600).status == 200
    both = laptop.register(600)
    assert contacts(both) == sorted([desk.contact, laptop.contact])
    gone = laptop.register(0)
    assert gone.status == 200 and contacts(gone) == [desk.contact]


def test_too_short_expiry_gets_423_with_min_expires(device: Callable[[], Device]) -> None:
    resp = device().register(10)
    assert resp.status == 423 and resp.headers.get("Min-Expires") == "60"


def test_refresh_keeps_one_binding_and_the_wildcard_removes_all(
        device: Callable[[], Device]) -> None:
    desk, laptop = device(), device()
    desk.register(600)
    laptop.register(600)
    refreshed = desk.register(300)
    assert contacts(refreshed) == sorted([desk.contact, laptop.contact])
    (desk_binding,) = [c for c in refreshed.headers.get_all("Contact")
                       if c.startswith(desk.contact)]
    assert 295 <= int(desk_binding.split("expires=")[1]) <= 300, "the refresh set the expiry"
    wrong = desk.register(600, contact="*")
    assert wrong.status == 400, "'*' needs Expires: 0 (RFC 3261 10.3 step 6)"
    cleared = desk.register(0, contact="*")
    assert cleared.status == 200 and cleared.headers.get_all("Contact") == []


def test_version_and_help() -> None:
    out = subprocess.run([sys.executable, "-m", "softphone.pbx.daemon", "--version"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stdout.strip() == f"softphone-pbx {__version__}"
    out = subprocess.run([sys.executable, "-m", "softphone.pbx.daemon", "--help"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "--check-config" in out.stdout
