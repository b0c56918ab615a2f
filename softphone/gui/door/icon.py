"""The door icon of the contacts (resources/icons/door.svg), rendered once per size.

Rendered with QSvgRenderer rather than QIcon so no image-format plugin is needed; where
the file is missing (an unusual install) a plain door is drawn instead of nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from softphone.common.resources import resource


class DoorIcon:
    """pixmap(size): the door icon as a square pixmap (cached per size)."""

    def __init__(self, path: Path | None = None) -> None:
        self._renderer = QSvgRenderer(str(path or resource("icons", "door.svg")))
        self._cache: dict[int, QPixmap] = {}

    @property
    def from_file(self) -> bool:
        return self._renderer.isValid()

    def pixmap(self, size: int) -> QPixmap:
        pixmap = self._cache.get(size)
        if pixmap is None:
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            if self._renderer.isValid():
                self._renderer.render(painter, QRectF(0, 0, size, size))
            else:
                painter.fillRect(QRectF(size * 0.2, 0, size * 0.6, size), QColor("#8d6e63"))
            painter.end()
            self._cache[size] = pixmap
        return pixmap
