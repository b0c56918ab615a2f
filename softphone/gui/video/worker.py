"""VideoStream: an MJPEG camera decoded with PyAV on its own QThread.

Requests go down (start/stop from the GUI thread), events come up: the decoding worker
lives in the video thread and only emits signals; VideoStream (a GUI-thread object)
receives them over queued connections and re-emits them, so no GUI object is touched
from the video thread.  Each start() gets a new generation number carried by every
signal, so late events of a stopped stream are dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import av
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QImage

from softphone.gui.video.mjpeg import MjpegConnection, StreamError

CONNECTING = "connecting"
PLAYING = "playing"
RECONNECTING = "reconnecting"
STOPPED = "stopped"

BACKOFF_FIRST = 0.5      # seconds; doubled after each failed attempt
BACKOFF_MAX = 5.0
STOP_WAIT_MS = 1000


def decode_to_qimage(codec: av.CodecContext, jpeg: bytes) -> QImage | None:
    """The last picture in one JPEG, as an RGB888 QImage that owns its pixels."""
    image = None
    for frame in codec.decode(av.Packet(jpeg)):
        rgb = frame.to_ndarray(format="rgb24")
        height, width = rgb.shape[:2]
        # QImage only borrows the buffer: copy() before the array goes away.
        image = QImage(rgb.data, width, height, rgb.strides[0], QImage.Format.Format_RGB888).copy()
    return image


class _Worker(QObject):
    """Runs in the video thread: connect, split, decode, reconnect with backoff."""

    frame = Signal(int, QImage)
    state_changed = Signal(int, str)
    error = Signal(int, str)

    def __init__(self, generation: int, url: str, headers: Mapping[str, str] | None) -> None:
        super().__init__()
        self._generation = generation
        self._url = url
        self._headers = dict(headers or {})
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._conn: MjpegConnection | None = None

    def request_stop(self) -> None:
        """Thread-safe: called from the GUI thread; unblocks a pending read at once."""
        self._stop.set()
        with self._lock:
            conn = self._conn
        if conn is not None:
            conn.close()

    @Slot()
    def run(self) -> None:
        gen = self._generation
        backoff = BACKOFF_FIRST
        self.state_changed.emit(gen, CONNECTING)
        while not self._stop.is_set():
            try:
                if self._play_once():
                    backoff = BACKOFF_FIRST      # it played: the next drop starts afresh
            except StreamError as exc:
                if self._stop.is_set():
                    break
                self.error.emit(gen, exc.code)
            if self._stop.is_set():
                break
            self.state_changed.emit(gen, RECONNECTING)
            if self._stop.wait(backoff):
                break
            backoff = min(backoff * 2, BACKOFF_MAX)
        self.state_changed.emit(gen, STOPPED)

    def _play_once(self) -> bool:
        """One connection, until it ends; returns whether any frame was shown."""
        conn = MjpegConnection(self._url, self._headers)
        with self._lock:
            self._conn = conn
        if self._stop.is_set():          # stop() came before we stored the connection
            return False
        played = False
        try:
            conn.open()
            codec = av.CodecContext.create("mjpeg", "r")
            for jpeg in conn.parts():
                if self._stop.is_set():
                    break
                try:
                    image = decode_to_qimage(codec, jpeg)
                except av.FFmpegError:
                    self.error.emit(self._generation, "decode_failed")   # skip one bad part
                    continue
                if image is None:
                    continue
                if not played:
                    played = True
                    self.state_changed.emit(self._generation, PLAYING)
                self.frame.emit(self._generation, image)
        finally:
            conn.close()
            with self._lock:
                self._conn = None
        if not played and not self._stop.is_set():
            raise StreamError("no_frames")
        return played


class VideoStream(QObject):
    """One camera stream.  frame(QImage), state_changed(str) with connecting, playing,
    reconnecting or stopped, error(str code): all emitted in the GUI thread."""

    frame = Signal(QImage)
    state_changed = Signal(str)
    error = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._state = STOPPED

    @property
    def state(self) -> str:
        return self._state

    def start(self, url: str, headers: Mapping[str, str] | None = None) -> None:
        self.stop()
        self._generation += 1
        thread = QThread(self)
        worker = _Worker(self._generation, url, headers)
        worker.moveToThread(thread)
        queued = Qt.ConnectionType.QueuedConnection
        worker.frame.connect(self._on_frame, queued)
        worker.state_changed.connect(self._on_state, queued)
        worker.error.connect(self._on_error, queued)
        thread.started.connect(worker.run)
        thread.finished.connect(worker.deleteLater)
        self._thread, self._worker = thread, worker
        self._set_state(CONNECTING)
        thread.start()

    def stop(self) -> None:
        """Ends the stream; returns once the video thread has finished (well under 1 s)."""
        thread, worker = self._thread, self._worker
        self._thread = self._worker = None
        self._generation += 1            # whatever the old worker still sends is stale
        if worker is not None:
            worker.request_stop()
        if thread is not None:
            thread.quit()
            if not thread.wait(STOP_WAIT_MS):
                self.error.emit("stop_timeout")
            thread.deleteLater()
        self._set_state(STOPPED)

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    @Slot(int, QImage)
    def _on_frame(self, generation: int, image: QImage) -> None:
        if generation == self._generation:
            self.frame.emit(image)

    @Slot(int, str)
    def _on_state(self, generation: int, state: str) -> None:
        if generation == self._generation:
            self._set_state(state)

    @Slot(int, str)
    def _on_error(self, generation: int, code: str) -> None:
        if generation == self._generation:
            self.error.emit(code)
