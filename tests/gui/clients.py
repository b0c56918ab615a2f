"""The real client (softphone.gui.app.Client, the composition root) on fakes: FakeEngine
for pjsua2 and a FakePbx serving a FakePbxServer's directory and settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from softphone.gui.app import Client
from softphone.gui.credentials import CredentialStore
from softphone.gui.settings import AccountSettings, Settings
from tests.helpers.fake_engine import FakeEngine
from tests.helpers.fake_pbx import FakePbx, FakePbxServer


def started_client(qtbot: Any, config_dir: Path, server: FakePbxServer
                   ) -> tuple[Client, FakeEngine, FakePbx]:
    """The client signed in as 101 "Vertrieb" at 127.0.0.1, started (shut it down)."""
    settings = Settings(config_dir / "softphone.ini")
    settings.account = AccountSettings(display_name="Vertrieb", user="101",
                                       server="127.0.0.1", transport="udp")
    CredentialStore(settings, config_dir / "passwords.json").set_password(
        "101", "127.0.0.1", "pw101", "file")
    settings.sync()
    engine, pbx = FakeEngine(), FakePbx(server)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    client = Client(app, config_dir, engine=engine, pbx=pbx)
    qtbot.addWidget(client.window)
    client.start()
    return client, engine, pbx
