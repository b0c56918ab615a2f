"""Door video: a real MJPEG-over-HTTP server on loopback, frames drawn with Pillow, decoded
by VideoStream with PyAV and checked as pictures (size and the colour in the centre)."""

from __future__ import annotations

import io
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QCoreApplication, QElapsedTimer, QRect, QSize
from PySide6.QtGui import QColor, QImage

from softphone.gui.video import VideoStream, VideoWidget
from softphone.gui.video.widget import fit_rect

WIDTH, HEIGHT = 640, 480
COLOURS = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
BOUNDARY = "doorcam"


def _jpeg(colour: tuple[int, int, int], number: int) -> bytes:
    img = Image.new("RGB", (WIDTH, HEIGHT), colour)
    ImageDraw.Draw(img).text((10, 10), str(number), fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    return out.getvalue()


class MjpegServer:
    """A door camera: multipart/x-mixed-replace, one JPEG every 40 ms, colours cycling.
    drop() closes every open stream, as a camera does on a network hiccup."""

    def __init__(self, boundary_param: str = BOUNDARY, newline: str = "\r\n") -> None:
        self.frames = [_jpeg(c, i) for i, c in enumerate(COLOURS)]
        self._stopping = threading.Event()
        self._generation = 0
        self.connections = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.connections += 1
                generation = server._generation
                self.send_response(200)
                self.send_header("Content-Type",
                                 f"multipart/x-mixed-replace; boundary={boundary_param}")
                self.end_headers()
                n = 0
                while not server._stopping.is_set() and generation == server._generation:
                    jpeg = server.frames[n % len(server.frames)]
                    # Every other part without Content-Length, as some cameras send them.
                    nl = newline
                    length = f"Content-Length: {len(jpeg)}{nl}" if n % 2 else ""
                    head = f"--{BOUNDARY}{nl}Content-Type: image/jpeg{nl}{length}{nl}"
                    try:
                        self.wfile.write(head.encode() + jpeg + nl.encode())
                        self.wfile.flush()
                    except OSError:
                        return
                    n += 1
                    server._stopping.wait(0.04)     # the camera's frame rate, not a test wait
                self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/video.cgi"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def drop(self) -> None:
        self._generation += 1

    def close(self) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = MjpegServer()
    yield srv
    srv.close()


@pytest.fixture
def stream(qtbot):
    s = VideoStream()
    yield s
    s.stop()


def _centre(image: QImage) -> tuple[int, int, int]:
    c = QColor(image.pixel(WIDTH // 2, HEIGHT // 2))
    return c.red(), c.green(), c.blue()


def _palette_index(rgb: tuple[int, int, int]) -> int:
    for i, want in enumerate(COLOURS):
        if all(abs(a - b) <= 12 for a, b in zip(rgb, want, strict=True)):
            return i
    raise AssertionError(f"centre pixel {rgb} is none of the colours drawn")


def test_frames_decoded_with_the_colours_drawn(qtbot, server, stream) -> None:
    images: list[QImage] = []
    stream.frame.connect(images.append)
    with qtbot.waitSignal(stream.state_changed, check_params_cb=lambda s: s == "playing",
                          timeout=5000):
        stream.start(server.url)
    qtbot.waitUntil(lambda: len(images) >= 6, timeout=5000)
    for image in images:
        assert image.size() == QSize(WIDTH, HEIGHT)
    seen = [_palette_index(_centre(image)) for image in images]
    assert set(seen) == {0, 1, 2}
    # In the order the camera sent them: red, green, blue, red...
    assert all((b - a) % 3 == 1 for a, b in itertools.pairwise(seen))


def test_dropped_stream_reconnects_and_widget_says_so(qtbot, server, stream) -> None:
    widget = VideoWidget()
    qtbot.addWidget(widget)
    # The door panel passes its own tr() strings; the widget only shows them.
    connecting, interrupted = "Connecting to the camera…", "The video was interrupted…"
    widget.set_overlay_texts({"connecting": connecting, "reconnecting": interrupted})
    widget.set_stream(stream)
    widget.show()
    assert widget.overlay_text() == ""
    states: list[str] = []
    stream.state_changed.connect(states.append)
    stream.start(server.url)
    assert widget.overlay_text() == connecting
    qtbot.waitUntil(lambda: not widget.image.isNull(), timeout=5000)
    assert stream.state == "playing"
    assert widget.overlay_text() == ""

    with qtbot.waitSignal(stream.state_changed, check_params_cb=lambda s: s == "reconnecting",
                          timeout=5000):
        server.drop()
    assert widget.state == "reconnecting"
    assert widget.overlay_text() == interrupted
    widget.repaint()                      # the overlay paints without a warning
    with qtbot.waitSignal(stream.state_changed, check_params_cb=lambda s: s == "playing",
                          timeout=5000):
        pass
    with qtbot.waitSignal(stream.frame, timeout=5000) as blocker:
        pass
    assert blocker.args[0].size() == QSize(WIDTH, HEIGHT)
    _palette_index(_centre(blocker.args[0]))
    assert server.connections >= 2
    assert states[:4] == ["connecting", "playing", "reconnecting", "playing"]
    assert widget.overlay_text() == ""


def test_unreachable_camera_keeps_retrying_and_stops_promptly(qtbot, stream) -> None:
    errors: list[str] = []
    stream.error.connect(errors.append)
    with qtbot.waitSignal(stream.state_changed, check_params_cb=lambda s: s == "reconnecting",
                          timeout=5000):
        stream.start("http://127.0.0.1:9/none")     # discard port: connection refused
    qtbot.waitUntil(lambda: "connect_failed" in errors, timeout=5000)
    timer = QElapsedTimer()
    timer.start()
    stream.stop()
    assert timer.elapsed() < 1000
    assert stream.state == "stopped"


def test_stop_while_playing_returns_within_a_second(qtbot, server, stream) -> None:
    with qtbot.waitSignal(stream.frame, timeout=5000):
        stream.start(server.url)
    late: list[QImage] = []
    timer = QElapsedTimer()
    timer.start()
    stream.stop()
    assert timer.elapsed() < 1000
    stream.frame.connect(late.append)
    # The worker's thread has ended: whatever it posted is queued now and must be dropped.
    QCoreApplication.processEvents()
    assert late == []
    assert stream.state == "stopped"


@pytest.mark.parametrize(("boundary_param", "newline"), [("--" + BOUNDARY, "\n"),
                                                         (f'"{BOUNDARY}"', "\r\n")])
def test_camera_dialects(qtbot, stream, boundary_param: str, newline: str) -> None:
    """Cameras that put "--" into the boundary parameter, quote it, or end lines with LF."""
    srv = MjpegServer(boundary_param, newline)
    try:
        images: list[QImage] = []
        stream.frame.connect(images.append)
        stream.start(srv.url)
        qtbot.waitUntil(lambda: len(images) >= 4, timeout=5000)
        assert {_palette_index(_centre(image)) for image in images} == {0, 1, 2}
    finally:
        stream.stop()
        srv.close()


def test_fit_rect_keeps_aspect_ratio() -> None:
    assert fit_rect(QSize(640, 480), QRect(0, 0, 800, 300)) == QRect(200, 0, 400, 300)
    assert fit_rect(QSize(640, 480), QRect(0, 0, 320, 480)) == QRect(0, 120, 320, 240)
    assert fit_rect(QSize(), QRect(0, 0, 10, 10)).isEmpty()
