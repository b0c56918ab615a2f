"""The real PbxClient against the real PBX daemon (issue 4): sign-in, directory, favorites
shared between two devices of one user, presence from a real registration, a refused
password, and a daemon restart on the same ports that the client rides out and
resynchronises after.

The daemon runs as a subprocess (tests/helpers/pbxproc.py) with its client API on a port
fixed per test, so that a restarted daemon is found at the same URL; registrations come
from a raw SIP client over UDP (tests/helpers/sipclient.py).
"""

from __future__ import annotations

import json
import socket
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from softphone.common.directory import EntryType, Presence, PresenceUpdate
from softphone.gui.contacts.local import LocalContacts
from softphone.gui.contacts.view import ContactsView
from softphone.gui.pbx_backend import PbxError, PbxState
from softphone.gui.pbx_client import PbxClient
from tests.helpers.pbxproc import DEMO_USERS, PbxProcess, free_port, write_config
from tests.helpers.sipclient import SipClient

pytestmark = pytest.mark.e2e

FAST = (0.05, 0.1, 0.2)       # reconnect backoff: the test waits on signals, not on this
WAIT_MS = 10_000


class Daemon:
    """The PBX daemon with its SIP and API ports fixed for the test's lifetime."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.sip_port = free_port()
        self.api_port = free_port(socket.SOCK_STREAM)
        self.proc: PbxProcess | None = None
        self.url = ""

    def start(self, extra_users: int = 0) -> Daemon:
        config = write_config(self.tmp_path / "pbx.toml", sip_port=self.sip_port,
                              rtp_base=24000 + (self.sip_port % 40) * 200,
                              extra_users=extra_users, extra=f"[api]\nport = {self.api_port}\n")
        self.proc = PbxProcess(config, self.tmp_path / "data", sip_port=self.sip_port).start()
        self.url = str(self.proc.wait_for("api_ready")["url"])
        assert self.url == f"http://127.0.0.1:{self.api_port}"
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            assert proc.stop() == 0

    def directory(self, user: str = "100") -> dict[str, str | None]:
        """number -> presence, as the daemon's API says now (a client of its own)."""
        login = urllib.request.Request(
            f"{self.url}/api/v1/auth/token", method="POST",
            data=json.dumps({"user": user, "password": f"pw{user}"}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(login, timeout=10) as resp:
            token = json.load(resp)["token"]
        get = urllib.request.Request(f"{self.url}/api/v1/directory",
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(get, timeout=10) as resp:
            return {e["number"]: e.get("presence") for e in json.load(resp)["entries"]}


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    d = Daemon(tmp_path).start()
    yield d
    d.stop()


@pytest.fixture
def make_client(qtbot) -> Iterator[Callable[[], PbxClient]]:
    clients: list[PbxClient] = []

    def make() -> PbxClient:
        client = PbxClient(backoff=FAST, unavailable_retry=0.5)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.disconnect()


@pytest.fixture
def sip(daemon: Daemon) -> Iterator[SipClient]:
    client = SipClient(("127.0.0.1", daemon.sip_port))
    yield client
    client.close()


def connect(qtbot, client: PbxClient, daemon: Daemon, user: str = "101") -> None:
    with qtbot.waitSignal(client.connection_state_changed, timeout=WAIT_MS,
                          check_params_cb=lambda state: state == PbxState.CONNECTED):
        client.connect_to(daemon.url, user, f"pw{user}")


def presence_is(number: str, presence: Presence) -> Callable[[PresenceUpdate], bool]:
    return lambda update: update.number == number and update.presence == presence


def register(sip: SipClient, user: str, expires: int) -> None:
    final = sip.register(user, f"pw{user}", expires=expires)
    assert final is not None and final.status == 200


def test_connects_and_loads_the_directory(qtbot, daemon, make_client) -> None:
    client = make_client()
    with qtbot.waitSignal(client.directory_changed, timeout=WAIT_MS) as loaded:
        connect(qtbot, client, daemon)
    assert client.state == PbxState.CONNECTED
    entries = loaded.args[0]
    assert {e.number: e.name for e in entries} == DEMO_USERS
    assert {e.type for e in entries} == {EntryType.USER}
    # Nobody is registered: the snapshot says offline for all four.
    assert {e.presence for e in entries} == {Presence.OFFLINE}


def test_favorites_reach_the_users_other_device(qtbot, daemon, make_client) -> None:
    desk, laptop = make_client(), make_client()
    connect(qtbot, desk, daemon)
    connect(qtbot, laptop, daemon)
    assert desk.favorites == laptop.favorites == []

    with qtbot.waitSignal(laptop.favorites_changed, timeout=WAIT_MS,
                          check_params_cb=lambda numbers: numbers == ["102"]):
        desk.request_add_favorite("102")
    assert desk.favorites == ["102"]
    with qtbot.waitSignal(laptop.favorites_changed, timeout=WAIT_MS,
                          check_params_cb=lambda numbers: numbers == ["102", "100"]):
        desk.request_add_favorite("100")
    with qtbot.waitSignal(desk.favorites_changed, timeout=WAIT_MS,
                          check_params_cb=lambda numbers: numbers == ["100"]):
        laptop.request_remove_favorite("102")
    qtbot.waitUntil(lambda: laptop.favorites == ["100"], timeout=WAIT_MS)

    # Another user's favorites are his own.
    other = make_client()
    connect(qtbot, other, daemon, user="102")
    assert other.favorites == []


def test_registration_shows_presence(qtbot, daemon, make_client, sip) -> None:
    client = make_client()
    connect(qtbot, client, daemon)
    assert client._by_number["103"].presence == Presence.OFFLINE

    with qtbot.waitSignal(client.presence_changed, timeout=WAIT_MS,
                          check_params_cb=presence_is("103", Presence.AVAILABLE)):
        register(sip, "103", 300)
    assert client._by_number["103"].presence == Presence.AVAILABLE

    with qtbot.waitSignal(client.presence_changed, timeout=WAIT_MS,
                          check_params_cb=presence_is("103", Presence.OFFLINE)):
        register(sip, "103", 0)
    assert client._by_number["103"].presence == Presence.OFFLINE


def test_wrong_password_is_auth_failed(qtbot, daemon, make_client) -> None:
    client = make_client()
    with qtbot.waitSignals([client.connection_state_changed, client.error], timeout=WAIT_MS,
                           check_params_cbs=[lambda state: state == PbxState.AUTH_FAILED,
                                             lambda code, _: code == PbxError.AUTH_FAILED]):
        client.connect_to(daemon.url, "101", "not-the-password")
    assert client.entries == []
    # The right password still works from the same address afterwards.
    connect(qtbot, client, daemon)


def test_daemon_restart_reconnects_and_resynchronises(qtbot, daemon, make_client, sip,
                                                      tmp_path) -> None:
    desk, laptop = make_client(), make_client()
    local = LocalContacts(tmp_path / "contacts.sqlite3")
    view = ContactsView(desk, local)
    qtbot.addWidget(view)
    connect(qtbot, desk, daemon)
    connect(qtbot, laptop, daemon)
    with qtbot.waitSignal(laptop.favorites_changed, timeout=WAIT_MS):
        desk.request_add_favorite("102")
    with qtbot.waitSignal(desk.presence_changed, timeout=WAIT_MS,
                          check_params_cb=presence_is("103", Presence.AVAILABLE)):
        register(sip, "103", 300)

    with qtbot.waitSignals([desk.connection_state_changed, laptop.connection_state_changed],
                           timeout=WAIT_MS, check_params_cbs=[
                               lambda state: state == PbxState.CONNECTING] * 2):
        daemon.stop()
    # The last directory stays on screen while the client reconnects, and says so.
    assert view.pbx_mode
    assert view.state_label.text() == "Connection to the PBX lost. Reconnecting…"
    assert view.model.items_for("103")

    # Back on the same ports, with one extension more in its configuration: a reconnect
    # loads the directory again instead of keeping the old one.
    with qtbot.waitSignals([desk.directory_changed, laptop.directory_changed],
                           timeout=WAIT_MS):
        daemon.start(extra_users=1)
    for client in (desk, laptop):
        qtbot.waitUntil(lambda c=client: c.state == PbxState.CONNECTED, timeout=WAIT_MS)
        assert {e.number for e in client.entries} == {*DEMO_USERS, "2000"}
        assert client.favorites == ["102"]           # kept by the PBX across its restart
        truth = daemon.directory()
        assert {e.number: e.presence for e in client.entries} == truth
    assert not view.state_label.isVisible()
    assert view.model.items_for("2000")
    assert view.model.is_favorite("102")
    # Events flow again after the reconnect.
    with qtbot.waitSignal(desk.presence_changed, timeout=WAIT_MS,
                          check_params_cb=presence_is("103", Presence.OFFLINE)):
        register(sip, "103", 0)
    view.close()
    local.close()
