"""Shared pieces of the door GUI tests: a directory with doors, a FakePbx whose video links
point at a real door simulator's camera, and reading the simulator's marker from a frame."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import numpy as np
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from softphone.common.directory import DirectoryEntry, EntryType, Presence
from softphone.doorsim.scene import read_frame_marker
from tests.helpers.fake_pbx import FakePbx, FakePbxServer

DOOR = "150"          # the user may open it; it has a camera
GATE = "151"          # the user may not open it
USER = "101"
W = TypeVar("W", bound=QWidget)


def door_directory() -> list[DirectoryEntry]:
    return [
        DirectoryEntry(EntryType.USER, "100", "Empfang", "Empfang", Presence.AVAILABLE),
        DirectoryEntry(EntryType.USER, USER, "Anna Müller", "Vertrieb", Presence.AVAILABLE),
        DirectoryEntry(EntryType.DOOR, DOOR, "Haustür", "Empfang", Presence.AVAILABLE,
                       can_open=True, has_video=True),
        DirectoryEntry(EntryType.DOOR, GATE, "Hoftor", "", Presence.AVAILABLE,
                       can_open=False, has_video=True),
    ]


def door_pbx(camera_url: str, **server: object) -> FakePbx:
    """A connected FakePbx; both doors' links lead to `camera_url` (a doorsim's MJPEG)."""
    pbx = FakePbx(FakePbxServer(entries=door_directory(),
                                video_urls={DOOR: camera_url, GATE: camera_url},
                                **server))  # type: ignore[arg-type]
    pbx.connect_to("http://pbx.invalid:8080", USER, "secret")
    return pbx


def pixels(image: QImage) -> np.ndarray:
    """The frame as an RGB array (height, width, 3)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = rgb.width(), rgb.height()
    data = np.frombuffer(rgb.constBits(), np.uint8, rgb.sizeInBytes())
    return data.reshape(height, rgb.bytesPerLine())[:, :width * 3].reshape(height, width, 3)


def marker(image: QImage) -> tuple[int, int]:
    """(frame counter, drawing time in ms mod 2**32) the door simulator drew into it."""
    return read_frame_marker(pixels(image).copy())


@contextmanager
def shown(qtbot, widget: W, width: int, height: int, stop: Callable[[], object]
          ) -> Iterator[W]:
    """`widget` shown at that size; `stop` afterwards (no video thread outlives a test)."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    try:
        yield widget
    finally:
        stop()
