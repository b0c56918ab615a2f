"""The door intercom end to end, as the receptionist meets it: nothing here is a fake.

The PBX daemon with door 150 and the bell group 210; the door simulator registered as 150
(camera, relay, 700 Hz visitor tone, key code *1); the real window with the real engine,
signed in as 100 (admin, so allowed to open), its speaker recorded by ``--test-audio``.

The bell is pressed over HTTP. The window rings with the door's live picture before
anyone answers (the simulator's frame counter read from decoded frames, and advancing);
answered, the speaker plays the visitor's tone; the Open door button opens the relay (the
simulator's log) and the PBX's audit names 100; the key code typed on the call's keypad
opens it too; hanging up ends the door's call and its video.
"""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from softphone.common.engine_protocol import CallState, RegistrationInfo, RegState
from softphone.gui import format as fmt
from softphone.gui.app import Client
from softphone.gui.credentials import CredentialStore
from softphone.gui.door.view import DoorView
from softphone.gui.settings import AccountSettings, Settings
from softphone.gui.widgets.call_panel import CallPanel
from softphone.gui.widgets.incoming_panel import IncomingPanel
from tests.gui.doors import marker
from tests.helpers.audio import speaker_plays, write_tone_wav
from tests.helpers.doorsim import DoorsimProcess, door_toml, sip_args
from tests.helpers.pbxproc import PbxProcess, free_port, write_config

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]

VISITOR_HZ = 700      # the door simulator's default visitor audio
WAIT_MS = 15_000
BELL_GROUP = '[[ring_groups]]\nnumber = "210"\nname = "Türklingel"\nmembers = ["100", "101"]\n'


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[PbxProcess, DoorsimProcess]]:
    sip_port, http_port = free_port(), free_port()
    config = write_config(tmp_path / "pbx.toml", sip_port=sip_port,
                          rtp_base=26000 + (sip_port % 20) * 200,
                          extra=door_toml(http_port) + BELL_GROUP)
    pbx = PbxProcess(config, tmp_path / "data", sip_port=sip_port).start()
    door = DoorsimProcess(*sip_args(sip_port, call="210"), port=http_port)
    try:
        door.start()
        door.wait_for("sip_registered", timeout=10)
        yield pbx, door
    finally:
        door.stop()
        pbx.stop()


@pytest.fixture
def window(qtbot: Any, site: tuple[PbxProcess, DoorsimProcess],
           tmp_path: Path) -> Iterator[tuple[Client, Path]]:
    """The client as `softphone --config-dir ...` builds it, signed in as 100."""
    pbx, _ = site
    audio = tmp_path / "engine-audio"
    audio.mkdir()
    write_tone_wav(audio / "mic.wav", 500, 1.0)
    config = tmp_path / "config"
    server = f"127.0.0.1:{pbx.sip_port}"
    settings = Settings(config / "softphone.ini")
    settings.account = AccountSettings(display_name="Empfang", user="100", server=server,
                                       transport="udp")
    settings.api_port = int(pbx.api_url().rsplit(":", 1)[1])
    CredentialStore(settings, config / "passwords.json").set_password(
        "100", server, "pw100", "file")
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    client = Client(app, config, engine_args=[
        "--test-audio", str(audio), "--bind", "127.0.0.1",
        "--log-file", str(tmp_path / "engine.log")])
    qtbot.addWidget(client.window)
    client.start()
    yield client, audio
    client.shutdown()


def playing(view: DoorView) -> bool:
    return view.stream.state == "playing" and not view.video.image.isNull()


def http_json(url: str, method: str = "GET", *, body: dict[str, Any] | None = None,
              headers: dict[str, str] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def audit(pbx: PbxProcess) -> list[dict[str, Any]]:
    """The PBX's door audit, as an administrator reads it."""
    api = pbx.api_url()
    token = http_json(f"{api}/api/v1/auth/token", "POST", body={"user": "100", "password": "pw100"})
    return list(http_json(f"{api}/api/v1/doors/audit?door=150", headers={
        "Authorization": f"Bearer {token['token']}"})["records"])


def relay_log(door: DoorsimProcess) -> list[dict[str, Any]]:
    """The door's own record of its relay switching."""
    login = base64.b64encode(b"door:opensesame").decode()
    return list(http_json(f"{door.url}/relay/log",
                          headers={"Authorization": f"Basic {login}"})["openings"])


def test_bell_video_talk_open_and_key_code(qtbot: Any, site: tuple[PbxProcess, DoorsimProcess],
                                           window: tuple[Client, Path]) -> None:
    pbx, door = site
    client, audio = window
    registered = fmt.registration(RegistrationInfo(RegState.REGISTERED))
    qtbot.waitUntil(lambda: client.window.status.state_label.text() == registered,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: client.pbx.door("150") is not None, timeout=WAIT_MS)

    # The bell: the window rings with the door's picture before anyone answers.
    assert http_json(f"{door.url}/bell", "POST") == {"rang": True}
    qtbot.waitUntil(lambda: any(isinstance(p, IncomingPanel) for p in client.window.panels
                                .values()), timeout=WAIT_MS)
    call_id, ringing = next((cid, p) for cid, p in client.window.panels.items()
                            if isinstance(p, IncomingPanel))
    view = ringing.door_view
    assert isinstance(view, DoorView)
    qtbot.waitUntil(lambda: playing(view), timeout=WAIT_MS)
    first, _ = marker(view.video.image)
    qtbot.waitUntil(lambda: marker(view.video.image)[0] > first, timeout=5000)  # live
    assert not view.open_button.isVisible()           # nothing to open before answering

    # Answered: the visitor is heard, the same video goes on, the door can be opened.
    qtbot.mouseClick(ringing.answer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(client.window.panels.get(call_id), CallPanel),
                    timeout=WAIT_MS)
    panel = client.window.panels[call_id]
    assert isinstance(panel, CallPanel) and panel.door_view is view
    qtbot.waitUntil(lambda: door.logged("call_answered", by="100") is not None,
                    timeout=WAIT_MS)     # the PBX names the group's member who answered
    qtbot.waitUntil(lambda: panel.info.state == CallState.ACTIVE, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: speaker_plays(audio, VISITOR_HZ, min_ratio=0.6), timeout=WAIT_MS)
    seen = marker(view.video.image)[0]
    qtbot.waitUntil(lambda: marker(view.video.image)[0] > seen, timeout=5000)

    assert view.open_button.isVisible() and view.open_button.isEnabled()
    with qtbot.waitSignal(client.pbx.door_opened, timeout=WAIT_MS):
        view.open_button.click()
    assert view.feedback() == "Door opened"
    openings = relay_log(door)
    assert [o["by"] for o in openings] == ["door"]    # the PBX, with the relay's login
    records = audit(pbx)
    assert [(r["user"], r["door"], r["result"]) for r in records] == [("100", "150", "opened")]

    # The key code on the call's keypad, as on a desk phone.
    panel.send_dtmf("*1")
    qtbot.waitUntil(lambda: door.logged("relay_open", by="dtmf:100") is not None,
                    timeout=WAIT_MS)

    # Hanging up ends the door's call and stops its video.
    panel.hang_up()
    qtbot.waitUntil(lambda: door.logged("call_ended", reason="hung up") is not None,
                    timeout=WAIT_MS)
    qtbot.waitUntil(lambda: call_id not in client.window.panels, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.stream.state != "playing", timeout=WAIT_MS)
