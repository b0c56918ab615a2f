"""Quitting the softphone or changing its account leaves no stale registration at the PBX.

pjsua forgets that it is registered as soon as it *sends* the un-REGISTER, so an engine that
waited on that flag destroyed the library before the PBX had answered: a lost un-REGISTER
was never retransmitted, the user stayed "available" and calls rang a dead device until the
binding expired.  Here the real engine, registered at the real PBX daemon through a UDP hop
that loses the first un-REGISTER (a busy Wi-Fi), is shut down as the GUI does it (the
shutdown request, SIGTERM) or switched to another account, and the PBX must have the
retransmitted un-REGISTER by the time the engine has exited (or before the new user
registers); re-saving the same user must leave it reachable.
"""

from __future__ import annotations

import select
import signal
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.helpers.agent import make_agent  # noqa: F401  (a fixture)
from tests.helpers.engineclient import EngineProcess, make_engine  # noqa: F401
from tests.helpers.pbxproc import PbxProcess

pytestmark = pytest.mark.e2e


class LossyLink(threading.Thread):
    """A UDP hop between the engine and the PBX that loses the first un-REGISTER, as a
    busy Wi-Fi would: only a retransmission can reach the PBX."""

    def __init__(self, pbx_port: int) -> None:
        super().__init__(name="lossy-link", daemon=True)
        self.pbx = ("127.0.0.1", pbx_port)
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.client: tuple[str, int] | None = None
        self.lost = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            ready, _, _ = select.select([self.front, self.back], [], [], 0.1)
            for sock in ready:
                data, source = sock.recvfrom(65535)
                if sock is self.back:
                    if self.client is not None:
                        self.front.sendto(data, self.client)
                    continue
                self.client = source
                if data.startswith(b"REGISTER ") and b"\r\nExpires: 0\r\n" in data \
                        and not self.lost:
                    self.lost += 1
                    continue
                self.back.sendto(data, self.pbx)

    def close(self) -> None:
        self.running = False
        self.join(2)
        self.front.close()
        self.back.close()


@pytest.fixture
def lossy_link(pbx: PbxProcess) -> Iterator[LossyLink]:
    link = LossyLink(pbx.sip_port)
    link.start()
    yield link
    link.close()


def register(engine: EngineProcess, pbx: PbxProcess, user: str, port: int) -> None:
    engine.request("set_account", user=user, password=f"pw{user}", server=f"127.0.0.1:{port}")
    engine.wait_event("registration", state="registered")
    pbx.wait_for("register", aor=user)


@pytest.mark.parametrize("how", ["request", "sigterm"])
def test_quitting_removes_the_registration_at_the_pbx(make_engine, pbx: PbxProcess,  # noqa: F811
                                                      lossy_link: LossyLink, how: str) -> None:
    engine = make_engine()
    register(engine, pbx, "101", lossy_link.port)
    started = time.monotonic()
    if how == "request":
        engine.request("shutdown")               # what the GUI's EngineClient.stop() sends
    else:
        engine.proc.send_signal(signal.SIGTERM)  # a logout or system shutdown
    assert engine.proc.wait(10) == 0
    # The GUI kills an engine that has not exited 1.5 s after being asked to.
    assert time.monotonic() - started < 1.5, "quitting must never hang on the registrar"
    assert lossy_link.lost == 1
    # By the time the engine is gone, the PBX has dropped the binding (it was the
    # retransmission that reached it).
    assert pbx.logged("unregister", aor="101") is not None


def test_changing_the_account_unregisters_the_old_one(make_engine, pbx: PbxProcess,  # noqa: F811
                                                      lossy_link: LossyLink) -> None:
    engine = make_engine()
    register(engine, pbx, "101", lossy_link.port)
    mark = engine.mark()
    engine.request("set_account", user="102", password="pw102",
                   server=f"127.0.0.1:{lossy_link.port}")
    engine.wait_event("registration", since=mark, state="registered")
    pbx.wait_for("register", aor="102")
    assert lossy_link.lost == 1
    # The old user is gone (by the retransmitted un-REGISTER) before the new one appears.
    events = [(line.get("event"), line.get("aor")) for line in pbx.lines]
    assert ("unregister", "101") in events
    assert events.index(("unregister", "101")) < events.index(("register", "102"))
    # The engine stays responsive meanwhile, and quits cleanly.
    engine.request("list_audio")


def test_saving_the_same_account_again_keeps_it_reachable(make_engine, make_agent,  # noqa: F811
                                                          pbx: PbxProcess,
                                                          lossy_link: LossyLink) -> None:
    # A changed display name gives a new pjsua account with the same Contact: its REGISTER
    # must not be undone by the old account's (lost, then retransmitted) un-REGISTER.
    engine = make_engine()
    register(engine, pbx, "101", lossy_link.port)
    mark = engine.mark()
    engine.request("set_account", user="101", password="pw101", display_name="Bob",
                   server=f"127.0.0.1:{lossy_link.port}")
    engine.wait_event("registration", since=mark, state="registered")
    pbx.wait_for("unregister", aor="101", timeout=3)
    assert lossy_link.lost == 1
    caller = make_agent("a100").register_at(pbx.sip_port, "100", display_name="")
    caller.send(cmd="call", uri=f"sip:101@127.0.0.1:{pbx.sip_port}")
    assert engine.wait_event("call", state="incoming")["remote_uri"]
