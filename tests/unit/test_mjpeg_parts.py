"""The PBX's MJPEG splitter on the framings cameras really send (no network here: the
bytes go into aiohttp's own StreamReader, in chunks that cut anywhere)."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import StreamReader
from aiohttp.base_protocol import BaseProtocol

from softphone.pbx.media.mjpeg import MAX_PART_BYTES, MjpegError, MjpegParts, boundary_of

JPEG_A = b"\xff\xd8A-frame with --frame inside but not at a line start\xff\xd9"
JPEG_B = b"\xff\xd8" + bytes(range(256)) * 40 + b"\xff\xd9"


async def split(data: bytes, boundary: bytes = b"frame", chunk: int = 7) -> list[bytes]:
    # All fed at once, so a limit that never asks the (absent) transport to pause.
    reader = StreamReader(BaseProtocol(asyncio.get_running_loop()), 2**30)
    for i in range(0, len(data), chunk):
        reader.feed_data(data[i:i + chunk])
    reader.feed_eof()
    return [part async for part in MjpegParts(reader, boundary)]


def part(body: bytes, length: bool = True, eol: bytes = b"\r\n") -> bytes:
    head = b"--frame" + eol + b"Content-Type: image/jpeg" + eol
    if length:
        head += b"Content-Length: %d" % len(body) + eol
    return head + eol + body + eol


@pytest.mark.parametrize("chunk", [1, 7, 4096])
@pytest.mark.parametrize("length", [True, False])
@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
async def test_parts_with_or_without_length_crlf_or_lf(chunk: int, length: bool,
                                                       eol: bytes) -> None:
    data = b"preamble" + eol + part(JPEG_A, length, eol) + part(JPEG_B, length, eol)
    data += part(JPEG_A, length, eol) + b"--frame--" + eol
    assert await split(data, chunk=chunk) == [JPEG_A, JPEG_B, JPEG_A]


async def test_the_close_delimiter_and_a_cut_off_part_end_the_stream() -> None:
    assert await split(part(JPEG_A) + b"--frame--\r\n" + part(JPEG_B)) == [JPEG_A]
    # A part cut off by the camera's end is dropped, not passed on half.
    assert await split(part(JPEG_A) + part(JPEG_B)[:-100]) == [JPEG_A]
    assert await split(part(JPEG_A) + part(JPEG_B, length=False)[:-100]) == [JPEG_A]
    assert await split(b"") == []


async def test_bad_lengths_fall_back_to_the_boundary() -> None:
    data = (b"--frame\r\nContent-Length: lots\r\n\r\n" + JPEG_A + b"\r\n" + part(JPEG_B))
    assert await split(data) == [JPEG_A, JPEG_B]


async def test_sizes_are_bounded() -> None:
    huge = b"--frame\r\nContent-Length: %d\r\n\r\n" % (MAX_PART_BYTES + 1)
    with pytest.raises(MjpegError, match="8 MB"):
        await split(huge, chunk=4096)
    endless = b"--frame\r\n\r\n" + b"x" * (MAX_PART_BYTES + 70_000)
    with pytest.raises(MjpegError, match="8 MB"):
        await split(endless, chunk=65536)
    with pytest.raises(MjpegError, match="too long"):
        await split(b"--frame\r\nX-Junk: " + b"y" * 20_000 + b"\r\n\r\n", chunk=4096)


@pytest.mark.parametrize(("header", "boundary"), [
    ("multipart/x-mixed-replace; boundary=frame", b"frame"),
    ('multipart/x-mixed-replace;boundary="--myboundary"', b"myboundary"),
    ("Multipart/X-Mixed-Replace; charset=x; Boundary=ipcam", b"ipcam"),
])
def test_boundary_of(header: str, boundary: bytes) -> None:
    assert boundary_of(header) == boundary


@pytest.mark.parametrize("header", ["image/jpeg", "multipart/x-mixed-replace",
                                    "multipart/x-mixed-replace; boundary=", ""])
def test_boundary_of_refuses_what_is_not_mjpeg(header: str) -> None:
    with pytest.raises(MjpegError):
        boundary_of(header)
