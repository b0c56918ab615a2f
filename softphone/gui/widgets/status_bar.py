"""The status bar: registration (always visible), engine trouble, audio warnings, errors."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from softphone.common.engine_protocol import AudioStatus, RegistrationInfo, RegState
from softphone.gui import format as fmt
from softphone.gui.engine_backend import EngineState

ERROR_SHOW_MS = 10000
_COLORS = {"ok": "#2e7d32", "busy": "#f9a825", "bad": "#c62828", "off": "#757575"}


class StatusBar(QStatusBar):
    """Permanent: a coloured dot and the registration or engine state, an audio warning.
    Transient: errors (show_error), shown for ERROR_SHOW_MS."""

    def __init__(self, parent: QWidget | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._clock = clock
        self._registration = RegistrationInfo(RegState.NONE)
        self._retry_deadline = 0.0
        self._engine_state = EngineState.STARTING.value
        self._pbx_reachable = True
        self._dot = QLabel(self)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("registrationState")
        self.audio_label = QLabel(self)
        self.audio_label.setObjectName("audioWarning")
        self.audio_label.setStyleSheet(f"color: {_COLORS['bad']};")
        self.audio_label.hide()
        self.addPermanentWidget(self.audio_label)
        self.addPermanentWidget(self._dot)
        self.addPermanentWidget(self.state_label)
        self._countdown = QTimer(self, interval=1000)
        self._countdown.timeout.connect(self._render)
        self._audio = AudioStatus()
        self._render()

    def set_registration(self, info: RegistrationInfo) -> None:
        self._registration = info
        self._retry_deadline = self._clock() + info.retry_in if info.retry_in > 0 else 0.0
        self._render()

    def set_engine_state(self, state: str) -> None:
        self._engine_state = state
        self._render()

    def set_pbx_reachable(self, reachable: bool) -> None:
        """The PBX stopped answering (pbx_watch.py): that outranks a registration that the
        engine still believes in until its next refresh."""
        self._pbx_reachable = reachable
        self._render()

    def set_audio(self, status: AudioStatus) -> None:
        self._audio = status
        warning = fmt.audio_warning(status)
        self.audio_label.setText(warning)
        self.audio_label.setVisible(bool(warning))

    def show_error(self, text: str) -> None:
        self.showMessage(text, ERROR_SHOW_MS)

    def retranslate(self) -> None:
        self._render()
        self.set_audio(self._audio)

    def _render(self) -> None:
        if self._engine_state != EngineState.RUNNING:
            text = fmt.engine_state(self._engine_state)
            kind = "bad" if self._engine_state == EngineState.LOST else "busy"
            self._countdown.stop()
        elif not self._pbx_reachable:
            text = self.tr("PBX unreachable")
            kind = "bad"
            self._countdown.stop()
        else:
            info = self._registration
            if self._retry_deadline:
                left = max(0, round(self._retry_deadline - self._clock()))
                info = replace(info, retry_in=left)
                if left > 0:
                    self._countdown.start()
                else:
                    self._countdown.stop()
            else:
                self._countdown.stop()
            text = fmt.registration(info)
            kind = {RegState.REGISTERED: "ok", RegState.REGISTERING: "busy",
                    RegState.FAILED: "bad", RegState.RETRYING: "bad"}.get(info.state, "off")
        self.state_label.setText(text)
        self._dot.setText("●")
        self._dot.setStyleSheet(f"color: {_COLORS[kind]};")
        self._dot.setToolTip(text)
