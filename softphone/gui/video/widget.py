"""VideoWidget: the latest camera frame, scaled to fit with its aspect ratio kept, and a
message over it while the stream is connecting or reconnecting.

The messages come from the widget's owner (set_overlay_texts), translated with the owner's
tr(): "Connecting to the camera…" and "The video was interrupted – reconnecting…" for the
door panel.  The widget itself has no user-visible string, so it ships no untranslated one.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QRect, QSize, Qt, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from softphone.gui.video.worker import STOPPED, VideoStream

_BACKGROUND = QColor(Qt.GlobalColor.black)
_OVERLAY = QColor(0, 0, 0, 160)
_TEXT = QColor(Qt.GlobalColor.white)


def fit_rect(image: QSize, area: QRect) -> QRect:
    """The largest rectangle with image's aspect ratio, centred in area."""
    if image.isEmpty() or area.isEmpty():
        return QRect()
    scaled = image.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    x = area.x() + (area.width() - scaled.width()) // 2
    y = area.y() + (area.height() - scaled.height()) // 2
    return QRect(x, y, scaled.width(), scaled.height())


class VideoWidget(QWidget):
    """Shows a VideoStream (set_stream) or frames and states given to its slots."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = QImage()
        self._target = QRect()
        self._state = STOPPED
        self._stream: VideoStream | None = None
        self._texts: dict[str, str] = {}
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 120)

    def sizeHint(self) -> QSize:
        return QSize(640, 480)

    def set_stream(self, stream: VideoStream | None) -> None:
        if self._stream is not None:
            self._stream.frame.disconnect(self.show_frame)
            self._stream.state_changed.disconnect(self.set_state)
        self._stream = stream
        if stream is not None:
            stream.frame.connect(self.show_frame)
            stream.state_changed.connect(self.set_state)
            self.set_state(stream.state)

    @property
    def image(self) -> QImage:
        return self._image

    @property
    def state(self) -> str:
        return self._state

    def set_overlay_texts(self, texts: Mapping[str, str]) -> None:
        """The message shown over the picture per stream state ("connecting",
        "reconnecting"); states not given show the picture alone.  Call it again on a
        language change."""
        self._texts = dict(texts)
        self.update()

    def overlay_text(self) -> str:
        """What the overlay says now; empty while the picture plays or nothing is shown."""
        return self._texts.get(self._state, "")

    @Slot(QImage)
    def show_frame(self, image: QImage) -> None:
        if image.size() != self._image.size():
            self._target = fit_rect(image.size(), self.rect())
        self._image = image              # implicitly shared: no pixel copy
        self.update(self._target)

    @Slot(str)
    def set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            if state == STOPPED:
                self._image = QImage()
            self.update()

    def resizeEvent(self, event) -> None:
        self._target = fit_rect(self._image.size(), self.rect())
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            if self._image.isNull():
                painter.fillRect(self.rect(), _BACKGROUND)
            else:
                if self._target != self.rect():     # the bars beside the picture
                    painter.fillRect(self.rect(), _BACKGROUND)
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                painter.drawImage(self._target, self._image)
            text = self.overlay_text()
            if text:
                painter.fillRect(self.rect(), _OVERLAY)
                painter.setPen(_TEXT)
                painter.drawText(self.rect().adjusted(8, 8, -8, -8),
                                 Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
        finally:
            painter.end()
