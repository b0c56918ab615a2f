"""Issue 14 item 3: a PBX outage is visible within 5 s and heals by itself. The real client
(app.py's composition root with the real PbxClient) against the real PBX daemon, which is
killed (a crash) or stopped with SIGSTOP (a hang: only the WebSocket's keep-alive notices),
then brought back. The engine is the FakeEngine, which ends a call when asked to hang up
as the real one does."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from softphone.common.engine_protocol import CallState, Direction
from softphone.gui.app import Client
from softphone.gui.contacts.model import UNKNOWN
from softphone.gui.contacts.roles import PRESENCE_ROLE
from softphone.gui.credentials import CredentialStore
from softphone.gui.pbx_backend import PbxState
from softphone.gui.pbx_client import PbxClient
from softphone.gui.settings import AccountSettings, Settings
from tests.gui.test_pbx_client_real_api import FAST, WAIT_MS, Daemon
from tests.helpers.fake_engine import FakeEngine

OUTAGE_MS = 5000        # the promise: "PBX unreachable" within 5 s


class HangingUpEngine(FakeEngine):
    def _send(self, cmd: str, **args: object) -> None:
        super()._send(cmd, **args)
        if cmd == "hangup":
            self.call(str(args["call_id"]), CallState.ENDED, ended_at=2000.0)


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    d = Daemon(tmp_path).start()
    yield d
    if d.proc is not None and d.proc.proc is not None:
        os.kill(d.proc.proc.pid, signal.SIGCONT)
    d.stop()


@pytest.fixture
def client(qtbot: Any, tmp_path: Path, daemon: Daemon) -> Iterator[tuple[Client, FakeEngine]]:
    config = tmp_path / "client"
    settings = Settings(config / "softphone.ini")
    settings.account = AccountSettings(display_name="Vertrieb", user="101",
                                       server="127.0.0.1", transport="udp")
    settings.api_port = daemon.api_port
    CredentialStore(settings, config / "passwords.json").set_password(
        "101", "127.0.0.1", "pw101", "file")
    settings.sync()
    engine, pbx = HangingUpEngine(), PbxClient(backoff=FAST)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    c = Client(app, config, engine=engine, pbx=pbx)
    qtbot.addWidget(c.window)
    with qtbot.waitSignal(pbx.connection_state_changed, timeout=WAIT_MS,
                          check_params_cb=lambda state: state == PbxState.CONNECTED):
        c.start()
    yield c, engine
    c.shutdown()


def presences(client: Client) -> set[str]:
    model = client.contacts_view.model
    return {model.items_for(n)[0].data(PRESENCE_ROLE) for n in ("100", "102", "103")}


def kill(daemon: Daemon) -> None:
    assert daemon.proc is not None and daemon.proc.proc is not None
    daemon.proc.proc.kill()
    daemon.proc.stop()            # reaps it (exit code -9: not a clean stop)
    daemon.proc = None


def test_a_crashed_pbx_is_shown_its_calls_end_and_all_comes_back(qtbot, client, daemon) -> None:
    c, engine = client
    engine.call("c1", CallState.ACTIVE, direction=Direction.OUT, remote_number="102",
                connected_at=1000.0)
    assert UNKNOWN not in presences(c)
    with qtbot.waitSignals([c.pbx_watch.reachable_changed, c.pbx_watch.call_lost],
                           timeout=OUTAGE_MS, order="strict"):
        kill(daemon)
    assert c.window.status.state_label.text() == "PBX unreachable"
    assert presences(c) == {UNKNOWN}                    # grey "unknown", not frozen
    assert c.window.calls() == [] and not c.window.panels   # no ghost call
    assert "the PBX is unreachable" in c.window.status.currentMessage()
    assert [e.number for e in c.history.entries()] == ["102"]

    with qtbot.waitSignal(c.pbx_watch.reachable_changed, timeout=WAIT_MS,
                          check_params_cb=lambda reachable: reachable):
        daemon.start()
    qtbot.waitUntil(lambda: UNKNOWN not in presences(c), timeout=WAIT_MS)
    assert c.window.status.state_label.text() != "PBX unreachable"


def test_a_hanging_pbx_is_found_by_the_keep_alive(qtbot, client, daemon) -> None:
    c, _engine = client
    assert daemon.proc is not None and daemon.proc.proc is not None
    pid = daemon.proc.proc.pid
    with qtbot.waitSignal(c.pbx_watch.reachable_changed, timeout=OUTAGE_MS,
                          check_params_cb=lambda reachable: not reachable):
        os.kill(pid, signal.SIGSTOP)       # the TCP stream stays open: only pings tell
    assert c.window.status.state_label.text() == "PBX unreachable"
    with qtbot.waitSignal(c.pbx_watch.reachable_changed, timeout=WAIT_MS,
                          check_params_cb=lambda reachable: reachable):
        os.kill(pid, signal.SIGCONT)
    assert c.window.status.state_label.text() != "PBX unreachable"
