"""VideoStream: an MJPEG camera decoded with PyAV on its own QThread.

Requests go down (start/stop from the GUI thread), events come up: the decoding worker
lives in the video thread and only emits signals; VideoStream (a GUI-thread object)
receives them over queued connections and re-emits them, so no GUI object is touched
from the video thread.  Each start() gets a new generation number carried by every
signal, so late events of a stopped stream are dropped.

A camera reached through short-lived links (the PBX's door video relay: each link is
good for one connection within a minute) is started without a URL: before every
connection attempt the stream emits url_needed(), and its owner answers with
provide_url(url) or url_failed(code). The stream itself knows nothing of where URLs come
from.
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
URL_WAIT = 20.0          # seconds the worker waits for its owner's answer to url_needed


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
    url_needed = Signal(int)

    def __init__(self, generation: int, url: str | None,
                 headers: Mapping[str, str] | None) -> None:
        super().__init__()
        self._generation = generation
        self._url = url
        self._headers = dict(headers or {})
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._answered = threading.Condition(self._lock)
        self._answer: tuple[str, str] | None = None      # (url, "") or ("", error code)
        self._conn: MjpegConnection | None = None

    def request_stop(self) -> None:
        """Thread-safe: called from the GUI thread; unblocks a pending read at once."""
        self._stop.set()
        with self._lock:
            conn = self._conn
            self._answered.notify_all()
        if conn is not None:
            conn.close()

    def answer_url(self, url: str, code: str = "") -> None:
        """Thread-safe: the owner's answer to url_needed (a URL, or an error code)."""
        with self._lock:
            self._answer = (url, code)
            self._answered.notify_all()

    def _next_url(self) -> str:
        if self._url is not None:
            return self._url
        with self._lock:
            self._answer = None          # an answer to an earlier question is stale
        self.url_needed.emit(self._generation)
        with self._lock:
            self._answered.wait_for(lambda: self._answer is not None or self._stop.is_set(),
                                    URL_WAIT)
            answer, self._answer = self._answer, None
        if self._stop.is_set():
            raise StreamError("stopped")
        if answer is None:
            raise StreamError("no_url", "no answer to url_needed")
        url, code = answer
        if code or not url:
            raise StreamError(code or "no_url")
        return url

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
        conn = MjpegConnection(self._next_url(), self._headers)
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
    reconnecting or stopped, error(str code), url_needed() (started without a URL: answer
    with provide_url or url_failed): all emitted in the GUI thread."""

    frame = Signal(QImage)
    state_changed = Signal(str)
    error = Signal(str)
    url_needed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self._state = STOPPED

    @property
    def state(self) -> str:
        return self._state

    def start(self, url: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        """Play `url`; without one, ask for a URL before every connection (url_needed)."""
        self.stop()
        self._generation += 1
        thread = QThread(self)
        worker = _Worker(self._generation, url, headers)
        worker.moveToThread(thread)
        queued = Qt.ConnectionType.QueuedConnection
        worker.frame.connect(self._on_frame, queued)
        worker.state_changed.connect(self._on_state, queued)
        worker.error.connect(self._on_error, queued)
        worker.url_needed.connect(self._on_url_needed, queued)
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

    def provide_url(self, url: str) -> None:
        """The answer to url_needed: connect to `url` (once; the next attempt asks again)."""
        if self._worker is not None:
            self._worker.answer_url(url)

    def url_failed(self, code: str) -> None:
        """The answer to url_needed when there is no URL: reported as error(code), and
        retried after the backoff like a failed connection."""
        if self._worker is not None:
            self._worker.answer_url("", code)

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

    @Slot(int)
    def _on_url_needed(self, generation: int) -> None:
        if generation == self._generation:
            self.url_needed.emit()

    @Slot(int, str)
    def _on_error(self, generation: int, code: str) -> None:
        if generation == self._generation:
            self.error.emit(code)
