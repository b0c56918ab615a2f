"""The camera's synthetic scene, drawn with numpy: a wall with a door, a moving figure, a
clock (HH:MM:SS.mmm) and a machine-readable marker.

The marker is two rows of 32 black/white 8x8 blocks at the top-left, most significant bit
first: row 0 holds the frame counter, row 1 the time the frame was drawn (Unix time in
milliseconds modulo 2**32). Blocks are aligned to JPEG's 8x8 grid and read from their
centre, so they survive compression well.
"""

from __future__ import annotations

import datetime
import math

import numpy as np

WIDTH = 640
HEIGHT = 480
BLOCK = 8
BITS = 32

_GLYPHS = {  # 5x7 bitmaps
    "0": ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    "1": ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    "2": ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    "3": ("11111", "00010", "00100", "00010", "00001", "10001", "01110"),
    "4": ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    "5": ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    "6": ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    "7": ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    "8": ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    "9": ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
    ":": ("00000", "01100", "01100", "00000", "01100", "01100", "00000"),
    ".": ("00000", "00000", "00000", "00000", "00000", "01100", "01100"),
}


def draw_marker(img: np.ndarray, row: int, value: int) -> None:
    """Write `value` (32 bits) as black/white blocks into marker row `row` of `img`."""
    shifts = np.arange(BITS - 1, -1, -1, dtype=np.uint64)
    bits = (np.uint64(value & 0xFFFFFFFF) >> shifts) & np.uint64(1)
    line = np.repeat(bits.astype(np.uint8) * 255, BLOCK)
    y = row * BLOCK
    img[y:y + BLOCK, :BITS * BLOCK] = line[None, :, None]


def read_marker(img: np.ndarray, row: int) -> int:
    """The 32-bit value in marker row `row` of a decoded frame (RGB or greyscale array)."""
    grey = img.mean(axis=2) if img.ndim == 3 else img.astype(np.float64)
    y = row * BLOCK
    band = grey[y + 2:y + BLOCK - 2, :BITS * BLOCK]
    centres = band.reshape(BLOCK - 4, BITS, BLOCK)[:, :, 2:BLOCK - 2].mean(axis=(0, 2))
    value = 0
    for bit in centres > 127:
        value = (value << 1) | int(bit)
    return value


def read_frame_marker(img: np.ndarray) -> tuple[int, int]:
    """(frame counter, drawing time in Unix milliseconds modulo 2**32) of a frame."""
    return read_marker(img, 0), read_marker(img, 1)


class Scene:
    """Draws frames; the static parts (wall, door, glyphs, figure) are prepared once."""

    def __init__(self, width: int = WIDTH, height: int = HEIGHT, scale: int = 4) -> None:
        self.width, self.height = width, height
        self._background = self._draw_background()
        self._glyphs = {
            ch: np.kron(np.array([[c == "1" for c in r] for r in rows], dtype=np.uint8),
                        np.ones((scale, scale), dtype=np.uint8)).astype(bool)
            for ch, rows in _GLYPHS.items()
        }
        self._glyph_w = 6 * scale
        self._figure = self._draw_figure()

    def _draw_background(self) -> np.ndarray:
        h, w = self.height, self.width
        img = np.empty((h, w, 3), dtype=np.uint8)
        shade = np.linspace(150, 90, h, dtype=np.float32)[:, None]
        img[:, :, 0] = shade + 20
        img[:, :, 1] = shade + 10
        img[:, :, 2] = shade
        img[int(h * 0.85):] = (70, 70, 75)  # doorstep
        dx0, dx1, dy0 = int(w * 0.62), int(w * 0.88), int(h * 0.25)
        img[dy0:int(h * 0.85), dx0:dx1] = (95, 60, 35)  # the door
        img[dy0:int(h * 0.85), dx0:dx0 + 6] = (60, 40, 25)
        img[int(h * 0.55):int(h * 0.58), dx0 + 15:dx0 + 40] = (200, 190, 120)  # handle
        return img

    def _draw_figure(self) -> np.ndarray:
        """A person's silhouette as a boolean mask (head and body)."""
        fh, fw = 220, 90
        yy, xx = np.mgrid[0:fh, 0:fw]
        head = (yy - 30) ** 2 + (xx - fw // 2) ** 2 <= 26 ** 2
        body = (yy >= 60) & (np.abs(xx - fw // 2) <= 18 + (yy - 60) // 6)
        return head | body

    def _draw_text(self, img: np.ndarray, text: str, x: int, y: int) -> None:
        for ch in text:
            glyph = self._glyphs.get(ch)
            if glyph is not None:
                gh, gw = glyph.shape
                img[y:y + gh, x:x + gw][glyph] = (255, 255, 255)
            x += self._glyph_w

    def render(self, counter: int, now: float) -> np.ndarray:
        """The frame numbered `counter`, drawn at Unix time `now`."""
        img = self._background.copy()
        fh, fw = self._figure.shape
        span = self.width - fw - 40
        fx = 20 + int((math.sin(now * 0.8) + 1) / 2 * span)
        fy = int(self.height * 0.85) - fh
        img[fy:fy + fh, fx:fx + fw][self._figure] = (30, 45, 90)
        stamp = datetime.datetime.fromtimestamp(now)
        text = stamp.strftime("%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"
        tx, ty = self.width - len(text) * self._glyph_w - 12, self.height - 40
        img[ty - 6:ty + 34, tx - 8:self.width - 6] = (0, 0, 0)
        self._draw_text(img, text, tx, ty)
        draw_marker(img, 0, counter)
        draw_marker(img, 1, int(now * 1000))
        return img
