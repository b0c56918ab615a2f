"""DoorView: one door's live video and its "Open door" button, for the incoming-call panel,
the call panel and the "look at the door" window alike.

The video comes through the PBX's relay under short-lived links: the VideoStream is
started without a URL and asks for one before every connection (url_needed); the view
answers with a fresh link from the PBX (request_door_video), so a reconnect after a drop
never uses an expired link. While the stream is down the picture says so and the stream
reconnects by itself (with backoff). The open button follows the directory entry's
can_open: shown but disabled, with the reason beside it and in its tooltip, when the user
may not open this door; the PBX's answer to a click is shown in the view itself.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from softphone.common.directory import DirectoryEntry
from softphone.gui.door.messages import open_error_text, video_error_text
from softphone.gui.pbx_backend import DoorError, DoorVideoLink, PbxBackend, PbxState
from softphone.gui.video import VideoStream, VideoWidget
from softphone.gui.video.worker import RECONNECTING, STOPPED

log = logging.getLogger(__name__)

FEEDBACK_MS = 10000        # how long "Door opened" (or why not) stays
COMPACT_HEIGHT = 200       # the video's height inside a call panel
OK_STYLE = "color: #2e7d32; font-weight: bold;"
ERROR_STYLE = "color: #c62828;"
# Link answers after which asking again is pointless: the stream is stopped.
_FINAL_VIDEO_ERRORS = frozenset({DoorError.NO_VIDEO.value, DoorError.UNKNOWN.value})


class DoorView(QWidget):
    """start() plays the door's video, stop() ends it (the owner calls stop before the
    view goes away: the decoding thread must not outlive it)."""

    def __init__(self, pbx: PbxBackend, number: str, parent: QWidget | None = None, *,
                 compact: bool = False, open_visible: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName(f"door-{number}")
        self.number = number
        self._pbx = pbx
        self._waiting_link = False
        self._opening = False
        self._video_error = ""          # the code that took the picture away, if any
        self._feedback_ok = False

        self.stream = VideoStream(self)
        self.video = VideoWidget(self)
        self.video.setObjectName("doorVideo")
        self.video.set_stream(self.stream)
        if compact:
            self.video.setFixedHeight(COMPACT_HEIGHT)
        self.stream.url_needed.connect(self._ask_link)
        self.stream.error.connect(self._on_stream_error)
        self.stream.state_changed.connect(self._on_stream_state)

        self.open_button = QPushButton(self)
        self.open_button.setObjectName("openDoor")
        self.open_button.setStyleSheet(
            "QPushButton:enabled { background-color: #1565c0; color: white; }")
        self.open_button.clicked.connect(self.open_door)
        self.reason_label = QLabel(self)
        self.reason_label.setObjectName("openDoorReason")
        self.reason_label.setWordWrap(True)
        self.feedback_label = QLabel(self)
        self.feedback_label.setObjectName("openDoorFeedback")
        self.feedback_label.setWordWrap(True)
        self.feedback_label.hide()
        self._feedback_timer = QTimer(self, singleShot=True, interval=FEEDBACK_MS)
        self._feedback_timer.timeout.connect(self.feedback_label.hide)

        self.open_row = QWidget(self)
        row = QHBoxLayout(self.open_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.open_button)
        row.addWidget(self.reason_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.video, 1)
        layout.addWidget(self.open_row)
        layout.addWidget(self.feedback_label)
        self.open_row.setVisible(open_visible)

        pbx.door_opened.connect(self._on_opened)
        pbx.door_open_failed.connect(self._on_open_failed)
        pbx.door_video_link.connect(self._on_link)
        pbx.door_video_failed.connect(self._on_link_failed)
        pbx.directory_changed.connect(self._update_open)
        pbx.connection_state_changed.connect(self._update_open)
        self.retranslate()

    # -- queries -------------------------------------------------------------------------

    @property
    def entry(self) -> DirectoryEntry | None:
        return self._pbx.door(self.number)

    def feedback(self) -> str:
        """What the view says about the last opening ("" when nothing is shown)."""
        return self.feedback_label.text() if not self.feedback_label.isHidden() else ""

    # -- video ---------------------------------------------------------------------------

    def start(self) -> None:
        entry = self.entry
        if entry is not None and entry.has_video is False:
            self._video_error = DoorError.NO_VIDEO.value
            self._update_overlay()
            return
        self._video_error = ""
        self._update_overlay()
        self.stream.start()             # no URL: url_needed before each connection

    def stop(self) -> None:
        self._waiting_link = False
        self.stream.stop()

    def _ask_link(self) -> None:
        self._waiting_link = True
        self._pbx.request_door_video(self.number)

    def _on_link(self, number: str, link: DoorVideoLink) -> None:
        if number == self.number and self._waiting_link:
            self._waiting_link = False
            self.stream.provide_url(link.url)

    def _on_link_failed(self, number: str, code: str, message: str) -> None:
        if number != self.number or not self._waiting_link:
            return
        self._waiting_link = False
        log.info("no video link for door %s: %s %s", number, code, message)
        self._video_error = code
        if code in _FINAL_VIDEO_ERRORS:
            self.stream.stop()
        else:
            self.stream.url_failed(code)    # tried again after the stream's backoff
        self._update_overlay()

    def _on_stream_error(self, code: str) -> None:
        if code != "decode_failed":
            self._video_error = code
            self._update_overlay()

    def _on_stream_state(self, state: str) -> None:
        if state == "playing":      # the first picture of this connection is decoded
            self._video_error = ""
            log.info("door %s: video playing", self.number,
                     extra={"event": "door_video", "number": self.number, "state": state})
        self._update_overlay()

    def _update_overlay(self) -> None:
        interrupted = self.tr("The video was interrupted – reconnecting…")
        if self._video_error and self._video_error not in _FINAL_VIDEO_ERRORS:
            interrupted = "{}\n{}".format(video_error_text(self._video_error),
                                          self.tr("Reconnecting…"))
        texts = {"connecting": self.tr("Connecting to the camera…"),
                 RECONNECTING: interrupted}
        if self._video_error in _FINAL_VIDEO_ERRORS:
            texts[STOPPED] = video_error_text(self._video_error)
        self.video.set_overlay_texts(texts)

    # -- opening -------------------------------------------------------------------------

    def open_door(self) -> None:
        if not self.open_button.isEnabled():
            return
        self._opening = True
        self._update_open()
        self._show_feedback(self.tr("Opening the door…"), ok=True)
        self._pbx.request_open_door(self.number)

    def _on_opened(self, number: str, _seconds: float) -> None:
        if number == self.number and self._opening:
            self._opening = False
            self._update_open()
            self._show_feedback(self.tr("Door opened"), ok=True)

    def _on_open_failed(self, number: str, code: str, message: str) -> None:
        if number == self.number and self._opening:
            self._opening = False
            self._update_open()
            self._show_feedback(open_error_text(code, message), ok=False)

    def _show_feedback(self, text: str, ok: bool) -> None:
        self._feedback_ok = ok
        self.feedback_label.setText(text)
        self.feedback_label.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.feedback_label.show()
        self._feedback_timer.start()

    def open_reason(self) -> str:
        """Why the open button is disabled ("" when it is enabled)."""
        entry = self.entry
        if self._pbx.state != PbxState.CONNECTED:
            return self.tr("No connection to the PBX.")
        if entry is None:
            return self.tr("This door is not in the PBX directory.")
        if entry.can_open is False:
            return self.tr("Your role may not open this door")
        if entry.can_open is None:
            return self.tr("The PBX has not said whether you may open this door.")
        return ""

    def _update_open(self, *_args: object) -> None:
        reason = self.open_reason()
        self.open_button.setEnabled(not reason and not self._opening)
        self.reason_label.setText(reason)
        self.reason_label.setVisible(bool(reason))
        self.open_button.setToolTip(reason or self.tr("Open the door now"))

    def set_open_visible(self, visible: bool) -> None:
        self.open_row.setVisible(visible)

    # -- language ------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.open_button.setText(self.tr("Open door"))
        self.video.setAccessibleName(self.tr("Door camera"))
        self._update_open()
        self._update_overlay()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def door_view_for(pbx: PbxBackend, number: str, parent: QWidget | None = None, *,
                  compact: bool = True, open_visible: bool = True) -> DoorView | None:
    """A DoorView when `number` is a door in the directory, else None (a person calling)."""
    if not number or pbx.door(number) is None:
        return None
    return DoorView(pbx, number, parent, compact=compact, open_visible=open_visible)


__all__ = ["DoorView", "door_view_for"]
