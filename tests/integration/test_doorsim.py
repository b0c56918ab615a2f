"""The door station simulator as a real process over loopback: its MJPEG camera (frames
decoded and their markers read), snapshot, relay behind HTTP Basic credentials, and bell."""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import time
from collections.abc import Iterator

import aiohttp
import numpy as np
import pytest
from PIL import Image

from softphone.doorsim.scene import HEIGHT, WIDTH, Scene, read_frame_marker
from tests.helpers.doorsim import DoorsimProcess, mjpeg_parts

FPS = 15


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


AUTH = basic("door", "opensesame")


@pytest.fixture(scope="module")
def doorsim() -> Iterator[DoorsimProcess]:
    proc = DoorsimProcess("--fps", str(FPS), "--open-seconds", "2").start()
    try:
        yield proc
    finally:
        assert proc.stop() == 0


def decode(jpeg: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(jpeg)) as img:
        assert img.format == "JPEG"
        assert img.size == (WIDTH, HEIGHT)
        return np.asarray(img.convert("RGB"))


def test_marker_survives_strong_compression() -> None:
    scene = Scene()
    for counter in (0, 1, 0x5A5A5A5A, 0xFFFFFFFF):
        now = time.time()
        buf = io.BytesIO()
        Image.fromarray(scene.render(counter, now)).save(buf, "JPEG", quality=25)
        assert read_frame_marker(decode(buf.getvalue())) == (
            counter, int(now * 1000) & 0xFFFFFFFF)


async def read_frames(url: str, count: int) -> list[tuple[dict[str, str], np.ndarray, float]]:
    frames = []
    async with aiohttp.ClientSession() as session, session.get(url + "/video.mjpg") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "multipart/x-mixed-replace; boundary=frame"
        async for headers, body, arrived in mjpeg_parts(resp):
            assert headers["content-type"] == "image/jpeg"
            frames.append((headers, decode(body), arrived))
            if len(frames) == count:
                break
    return frames


async def test_mjpeg_stream_frames_count_up_at_the_frame_rate(doorsim: DoorsimProcess) -> None:
    frames = await read_frames(doorsim.url, 10)
    markers = [read_frame_marker(img) for _, img, _ in frames]
    counters = [c for c, _ in markers]
    assert all(b > a for a, b in itertools.pairwise(counters)), counters
    for (headers, _, _), (counter, drawn_ms) in zip(frames, markers, strict=True):
        assert int(headers["x-frame-counter"]) == counter
        stamp = float(headers["x-timestamp"])
        assert abs(((int(stamp * 1000) - drawn_ms + 2**31) % 2**32) - 2**31) <= 2
        assert abs(time.time() - stamp) < 5
    # The producer's rate, from the markers' drawing times...
    drawn = (markers[-1][1] - markers[0][1]) % 2**32 / 1000
    assert abs((counters[-1] - counters[0]) / drawn - FPS) <= 0.3 * FPS
    # ...and the rate frames arrive at (the first arrives at once; time the other nine).
    arrivals = [t for _, _, t in frames]
    received = (len(arrivals) - 2) / (arrivals[-1] - arrivals[1])
    assert abs(received - FPS) <= 0.3 * FPS, received


async def test_two_viewers_share_one_camera(doorsim: DoorsimProcess) -> None:
    a, b = await asyncio.gather(read_frames(doorsim.url, 4), read_frames(doorsim.url, 4))
    seen_a = {read_frame_marker(img)[0] for _, img, _ in a}
    seen_b = {read_frame_marker(img)[0] for _, img, _ in b}
    assert seen_a & seen_b  # the same frames, not a camera per viewer


async def test_snapshot_is_one_jpeg(doorsim: DoorsimProcess) -> None:
    async with aiohttp.ClientSession() as session, \
            session.get(doorsim.url + "/snapshot.jpg") as resp:
        assert resp.status == 200
        assert resp.content_type == "image/jpeg"
        img = decode(await resp.read())
    counter, _ = read_frame_marker(img)
    assert counter == int(resp.headers["X-Frame-Counter"])


@pytest.mark.parametrize("auth", [
    {}, basic("door", "wrong"), basic("intruder", "opensesame"), {"Authorization": "Basic !!"},
    {"Authorization": "Bearer opensesame"}], ids=["none", "wrong-password", "wrong-user",
                                                   "garbage", "other-scheme"])
async def test_relay_refuses_without_the_right_credentials(
        doorsim: DoorsimProcess, auth: dict[str, str]) -> None:
    async with aiohttp.ClientSession() as session:
        for method, path in (("POST", "/relay/open"), ("GET", "/relay/log"),
                             ("GET", "/relay/state")):
            async with session.request(method, doorsim.url + path, headers=auth) as resp:
                assert resp.status == 401
                assert resp.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert doorsim.wait_for("relay_denied", path="/relay/open")
    assert not [x for x in doorsim.lines if x.get("event") == "relay_open"
                and x.get("by") != "door"]


async def test_relay_opens_for_a_while_and_logs_it(doorsim: DoorsimProcess) -> None:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        async with session.post(doorsim.url + "/relay/open") as resp:
            assert resp.status == 200
            assert await resp.json() == {"opened": True, "seconds": 2}
        line = doorsim.wait_for("relay_open", by="door")
        assert line["at"].endswith("+00:00")
        async with session.get(doorsim.url + "/relay/state") as resp:
            state = await resp.json()
            assert state["open"] is True and 0 < state["remaining"] <= 2
        async with session.get(doorsim.url + "/relay/log") as resp:
            assert resp.status == 200
            openings = (await resp.json())["openings"]
        assert openings[-1] == line
        assert {"event", "by", "at"} <= set(openings[-1])


async def test_bell_is_accepted_and_logged(doorsim: DoorsimProcess) -> None:
    async with aiohttp.ClientSession() as session, session.post(doorsim.url + "/bell") as resp:
        assert resp.status == 202
    assert doorsim.wait_for("bell")["at"]


async def test_stops_promptly_while_someone_watches() -> None:
    proc = DoorsimProcess("--fps", "5").start()
    try:
        async with aiohttp.ClientSession() as session, \
                session.get(proc.url + "/video.mjpg") as resp:
            async for _ in mjpeg_parts(resp):
                break
            started = time.monotonic()
            assert await asyncio.to_thread(proc.stop) == 0
            assert time.monotonic() - started < 3
            assert proc.wait_for("stopped", timeout=0)
    finally:
        proc.stop()


async def test_bell_runs_the_on_bell_hook() -> None:
    """In process: the hook the SIP call will hang on (plain and async callables)."""
    from aiohttp.test_utils import TestClient, TestServer

    from softphone.doorsim.camera import Camera
    from softphone.doorsim.server import DoorStation

    events: list[dict[str, object]] = []
    rung = asyncio.Event()

    async def ring() -> None:
        rung.set()

    station = DoorStation(Camera(fps=5), sink=events.append, on_bell=ring)
    async with TestClient(TestServer(station.make_app(), host="127.0.0.1")) as client:
        resp = await client.post("/bell")
        assert resp.status == 202
        await asyncio.wait_for(rung.wait(), 2)
        calls: list[str] = []
        station.on_bell = lambda: calls.append("rang")
        assert (await client.post("/bell")).status == 202
        assert calls == ["rang"]
    assert [e["event"] for e in events] == ["bell", "bell"]
