"""The GUI half of bench/client.py's click-to-ringing: ``python -m bench.client_gui DIR N NUMBER``.

Builds the real client in this process (softphone.gui.app.Client: main window, tray,
EngineClient and the real engine process it starts) on the offscreen platform, with the
account in DIR, and waits until it is registered. Then N times: types NUMBER into the number
field and clicks Call (QPushButton.click(): the clicked signal, as a mouse click gives it),
waits for the call to ring at the far end (ringing_out), hangs up and waits for the end.

For each call it notes (CLOCK_MONOTONIC, the same clock in every process here):
    click     just before the click
    queued    when click() returned: request_call has queued the request on the socket
    written   when QLocalSocket said the bytes went to the OS (bytesWritten): what the GUI
              adds before the engine can see the request
    ringing   when the GUI heard ringing_out
and prints them as one JSON line on stdout. bench/client.py pairs `click` with the callee
agent's own "incoming" time.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from softphone.common.engine_protocol import CallInfo, CallState, RegistrationInfo, RegState
from softphone.gui.app import Client
from softphone.gui.engine_client import EngineClient

PAUSE_MS = 300        # between one call's end and the next click
TIMEOUT_MS = 60000


class ClickDriver:
    def __init__(self, client: Client, count: int, number: str) -> None:
        self.client, self.count, self.number = client, count, number
        self.samples: list[dict[str, float]] = []
        self.current: dict[str, float] = {}
        self.call_id = ""
        self.started = False
        self.error = ""
        engine = client.engine
        engine.registration_changed.connect(self.on_registration)
        engine.call_changed.connect(self.on_call)
        engine.request_failed.connect(lambda cmd, code, _d: self.fail(f"{cmd}: {code}"))

    def on_registration(self, info: RegistrationInfo) -> None:
        if info.state == RegState.REGISTERED and not self.started:
            self.started = True
            QTimer.singleShot(PAUSE_MS, self.click)

    def click(self) -> None:
        engine = self.client.engine
        # The socket is EngineClient's own; watched here only to time the write.
        sock = engine._socket if isinstance(engine, EngineClient) else None
        if sock is None:
            self.fail("engine not connected")
            return
        window = self.client.window
        window.number_edit.setText(self.number)
        self.current = {}
        sock.bytesWritten.connect(self.on_written)
        self.current["click"] = time.monotonic()
        window.call_button.click()
        self.current["queued"] = time.monotonic()

    def on_written(self, _count: int) -> None:
        if "written" not in self.current:
            self.current["written"] = time.monotonic()
            sock = getattr(self.client.engine, "_socket", None)
            if sock is not None:
                sock.bytesWritten.disconnect(self.on_written)

    def on_call(self, info: CallInfo) -> None:
        if info.state == CallState.RINGING_OUT and "ringing" not in self.current:
            self.current["ringing"] = time.monotonic()
            self.call_id = info.call_id
            self.client.engine.request_hangup(info.call_id)
        elif info.state == CallState.ENDED and info.call_id == self.call_id:
            self.call_id = ""
            self.samples.append(self.current)
            if len(self.samples) >= self.count:
                QApplication.quit()
            else:
                QTimer.singleShot(PAUSE_MS, self.click)

    def fail(self, why: str) -> None:
        self.error = self.error or why
        QApplication.quit()


def main(argv: list[str]) -> int:
    config_dir, count, number = Path(argv[0]), int(argv[1]), argv[2]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication([sys.argv[0]])
    client = Client(app, config_dir, engine_args=["--bind", "127.0.0.1"])
    driver = ClickDriver(client, count, number)
    QTimer.singleShot(TIMEOUT_MS, lambda: driver.fail("timed out"))
    client.start()
    app.exec()          # Client.shutdown() runs on aboutToQuit
    result: dict[str, Any] = {"samples": driver.samples, "error": driver.error}
    print(json.dumps(result), flush=True)
    return 0 if not driver.error else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
