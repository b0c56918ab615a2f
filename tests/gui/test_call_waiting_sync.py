"""Issue 5, item 7: the client's "Call waiting" setting is the extension's setting on our
PBX: it follows the PBX at login and when another device changes it, and a change in the
client goes to the PBX (which then gives callers busy itself)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from softphone.common.directory import UserSettings
from softphone.gui.app import Client
from tests.gui.clients import started_client
from tests.helpers.fake_engine import FakeEngine
from tests.helpers.fake_pbx import FakePbx, FakePbxServer


@pytest.fixture
def setup(qtbot: Any, tmp_path: Path) -> Iterator[tuple[Client, FakePbx, FakeEngine]]:
    server = FakePbxServer(settings={"101": UserSettings(call_waiting=False)})
    client, engine, pbx = started_client(qtbot, tmp_path, server)
    yield client, pbx, engine
    client.shutdown()


def test_login_takes_the_pbx_setting(setup: tuple[Client, FakePbx, FakeEngine]) -> None:
    client, _, _ = setup
    assert client.settings.call_waiting is False
    assert client.window.call_waiting is False


def test_client_change_goes_to_the_pbx(setup: tuple[Client, FakePbx, FakeEngine]) -> None:
    client, pbx, _ = setup
    client.settings.call_waiting = True
    client.apply_call_settings()
    assert ("settings_update", ({"call_waiting": True},)) in pbx.requests
    assert pbx.server.settings["101"].call_waiting is True


def test_change_on_another_device_reaches_the_client(
        qtbot: Any, setup: tuple[Client, FakePbx, FakeEngine]) -> None:
    client, pbx, _ = setup
    pbx.server.settings["101"] = UserSettings(call_waiting=True)
    pbx.resync()  # what the WebSocket's settings event delivers
    qtbot.waitUntil(lambda: client.window.call_waiting is True)
    assert client.settings.call_waiting is True
