"""The client's door view with real parts only: the PBX daemon (its door API and video
relay under short-lived links), the door simulator (camera and relay), PbxClient.

What a user sees: the door's picture through the PBX (the simulator's marker read from the
decoded frames), "Door opened" after a click, and the simulator's relay switched; a user
without the right sees the button disabled with its reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from softphone.gui.door.view import DoorView
from softphone.gui.pbx_backend import PbxState
from softphone.gui.pbx_client import PbxClient
from tests.gui.doors import marker
from tests.helpers.doorsim import DoorsimProcess, door_toml
from tests.helpers.pbxproc import PbxProcess, free_port, write_config

pytestmark = pytest.mark.e2e
WAIT_MS = 10_000


@pytest.fixture
def site(tmp_path: Path, doorsim: DoorsimProcess) -> Iterator[str]:
    sip_port = free_port()
    config = write_config(tmp_path / "pbx.toml", sip_port=sip_port,
                          rtp_base=24000 + (sip_port % 40) * 200,
                          extra=door_toml(doorsim.port, department="Empfang",
                                          dtmf_code="", open_roles=("admin",)))
    pbx = PbxProcess(config, tmp_path / "data", sip_port=sip_port).start()
    try:
        yield pbx.api_url()
    finally:
        pbx.stop()


def signed_in(qtbot, url: str, user: str) -> PbxClient:
    client = PbxClient(backoff=(0.05, 0.1, 0.2))
    with qtbot.waitSignal(client.connection_state_changed, timeout=WAIT_MS,
                          check_params_cb=lambda state: state == PbxState.CONNECTED):
        client.connect_to(url, user, f"pw{user}")
    return client


def test_door_view_through_the_real_pbx(qtbot, site: str, doorsim: DoorsimProcess) -> None:
    client = signed_in(qtbot, site, "103")
    view = DoorView(client, "150")
    qtbot.addWidget(view)
    try:
        assert client.door("150") is not None and client.door("150").can_open is True
        view.start()
        qtbot.waitUntil(lambda: view.stream.state == "playing"
                        and not view.video.image.isNull(), timeout=WAIT_MS)
        count, _ = marker(view.video.image)
        qtbot.waitUntil(lambda: marker(view.video.image)[0] > count, timeout=5000)

        assert view.open_button.isEnabled()
        with qtbot.waitSignal(client.door_opened, timeout=WAIT_MS):
            view.open_button.click()
        assert view.feedback() == "Door opened"
        doorsim.wait_for("relay_open", timeout=5)
    finally:
        view.stop()
        client.disconnect()


def test_user_without_the_right_sees_why(qtbot, site: str) -> None:
    client = signed_in(qtbot, site, "101")
    view = DoorView(client, "150")
    qtbot.addWidget(view)
    try:
        assert not view.open_button.isEnabled()
        assert view.reason_label.text() == "Your role may not open this door"
    finally:
        view.stop()
        client.disconnect()
