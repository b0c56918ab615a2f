"""The doors' cameras through the PBX's client API: a real API server (in-process, as in
test_api.py), the real door simulator as a subprocess, frames decoded and their markers read.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
from PIL import Image

from softphone.doorsim.scene import HEIGHT, WIDTH, read_frame_marker
from softphone.pbx.api.doorvideo import VIDEO_RELAY
from softphone.pbx.media.videorelay import LINGER
from tests.helpers.apiserver import PASSWORDS, ApiHarness, api_config
from tests.helpers.doorsim import DoorsimProcess, door_toml, mjpeg_parts
from tests.helpers.pbxproc import PbxProcess, free_port, write_config

API = "/api/v1"
FPS = 25


class MovableClock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def doors_toml(camera: int, dead: int) -> str:
    """Doors with the camera on port `camera` (153 lets clients watch it directly), 152
    without one, 154 with a camera nobody answers for on port `dead`; no relays."""
    def door(port: int | None, number: str, name: str, direct: bool = False) -> str:
        return door_toml(port, number=number, name=name, password=f"door{number}",
                         direct_video=direct, relay=False, dtmf_code="", open_users=())

    return (door(camera, "150", "Front door") + door(camera, "151", "Back door")
            + door(None, "152", "Gate") + door(camera, "153", "Yard", direct=True)
            + door(dead, "154", "Shed"))


@pytest.fixture(scope="module")
def camera() -> Iterator[DoorsimProcess]:
    proc = DoorsimProcess("--fps", str(FPS)).start()
    try:
        yield proc
    finally:
        assert proc.stop() == 0


@pytest.fixture
def own_camera() -> Iterator[DoorsimProcess]:
    """A camera for one test, to be stopped or killed by it."""
    proc = DoorsimProcess("--fps", str(FPS)).start()
    try:
        yield proc
    finally:
        proc.stop()     # whatever the test left of it (SIGTERM if still running)


Harness = Callable[[DoorsimProcess], Awaitable[ApiHarness]]


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def make_api(tmp_path: Path, clock: MovableClock) -> AsyncIterator[Harness]:
    started: list[ApiHarness] = []

    async def make(cam: DoorsimProcess) -> ApiHarness:
        h = ApiHarness(tmp_path / f"api{len(started)}",
                       config=api_config(doors_toml(cam.port, free_port())), clock=clock)
        h.data_dir.mkdir()
        started.append(h)
        await h.start()
        return h

    yield make
    for h in started:
        await h.stop()


@pytest.fixture
async def api(make_api: Harness, camera: DoorsimProcess) -> ApiHarness:
    return await make_api(camera)


async def login(http: aiohttp.ClientSession, api: ApiHarness, user: str = "101") -> str:
    async with http.post(api.url + API + "/auth/token",
                         json={"user": user, "password": PASSWORDS[user]}) as r:
        assert r.status == 200, await r.text()
        return str((await r.json())["token"])


async def link(http: aiohttp.ClientSession, api: ApiHarness, door: str = "150",
               user: str = "101") -> tuple[int, dict[str, Any]]:
    token = await login(http, api, user)
    async with http.post(f"{api.url}{API}/doors/{door}/video",
                         headers={"Authorization": f"Bearer {token}"}) as r:
        return r.status, await r.json()


async def video_url(http: aiohttp.ClientSession, api: ApiHarness, door: str = "150") -> str:
    status, body = await link(http, api, door)
    assert status == 200, body
    return str(body["url"])


def decode(jpeg: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(jpeg)) as img:
        assert (img.format, img.size) == ("JPEG", (WIDTH, HEIGHT))
        return np.asarray(img.convert("RGB"))


async def frames(response: aiohttp.ClientResponse, count: int) -> list[int]:
    """The frame counters read from the next ``count`` decoded frames (fewer if the stream
    ends first)."""
    got = []
    async for headers, body, _ in mjpeg_parts(response):
        assert headers["content-type"] == "image/jpeg"
        assert int(headers["content-length"]) == len(body)
        got.append(body)
        if len(got) == count:
            break
    # Decoded afterwards: decoding blocks the event loop the relay runs on too.
    return [read_frame_marker(decode(body))[0] for body in got]


def established_to(port: int) -> int:
    """Open TCP connections to ``port`` on this host, counted as the kernel sees them."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in itertools.islice(f, 1, None):
                fields = line.split()
                if fields[3] == "01" and int(fields[2].rsplit(":", 1)[1], 16) == port:
                    count += 1
    return count


async def until(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_a_signed_in_user_gets_a_link_and_sees_the_live_camera(
        api: ApiHarness, http: aiohttp.ClientSession) -> None:
    status, body = await link(http, api)
    assert status == 200, body
    assert body["expires_in"] == 60
    assert body["direct_url"] is None
    assert body["url"].startswith(f"{api.url}{API}/doors/150/video.mjpg?token=")
    async with http.get(body["url"]) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("multipart/x-mixed-replace; boundary=")
        assert "no-store" in r.headers["Cache-Control"]
        counters = await frames(r, 6)
    # Live: the camera's frame counter advances.
    assert all(b > a for a, b in itertools.pairwise(counters)), counters


async def test_link_errors(api: ApiHarness, http: aiohttp.ClientSession,
                           camera: DoorsimProcess) -> None:
    assert await link(http, api, "999") == (404, {"error": "unknown_door",
                                                  "message": "There is no door 999"})
    status, body = await link(http, api, "152")
    assert (status, body["error"]) == (404, "door_no_video")
    status, body = await link(http, api, "153")
    assert status == 200
    assert body["direct_url"] == camera.url + "/video.mjpg"
    async with http.post(f"{api.url}{API}/doors/150/video") as r:
        assert r.status == 401
    # A door station has no business here: it gets no API token at all.
    async with http.post(api.url + API + "/auth/token",
                         json={"user": "150", "password": "door150"}) as r:
        assert r.status == 403


async def refused(http: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with http.get(url) as r:
        assert r.content_type == "application/json"
        assert r.headers["WWW-Authenticate"].startswith("Bearer ")
        body = await r.json()
        assert body["message"]
        return r.status, body["error"]


async def test_an_expired_link_is_refused(api: ApiHarness, http: aiohttp.ClientSession,
                                          clock: MovableClock) -> None:
    url = await video_url(http, api)
    clock.offset = 60.0
    assert await refused(http, url) == (401, "token_expired")


async def test_bad_links_are_refused(api: ApiHarness, http: aiohttp.ClientSession) -> None:
    url = await video_url(http, api, "150")
    # Door 150's link opens neither door 151's camera...
    other = url.replace("/doors/150/", "/doors/151/")
    assert await refused(http, other) == (401, "invalid_token")
    # ...nor anything without its token or with a changed one.
    base, _, token = url.partition("?token=")
    assert await refused(http, base) == (401, "invalid_token")
    assert await refused(http, base + "?token=") == (401, "invalid_token")
    assert await refused(http, base + "?token=" + token[:-3] + "AAA") == (401, "invalid_token")
    # The hour-long API token is no video link either.
    api_token = await login(http, api)
    assert await refused(http, f"{base}?token={api_token}") == (401, "invalid_token")
    relay = api.server.app[VIDEO_RELAY] if api.server else None
    assert relay is not None and relay.connections == 0    # the camera was never asked


async def test_two_viewers_share_one_camera_connection(
        api: ApiHarness, http: aiohttp.ClientSession, camera: DoorsimProcess) -> None:
    assert api.server is not None
    relay = api.server.app[VIDEO_RELAY]
    before = established_to(camera.port)
    async with http.get(await video_url(http, api)) as first, \
            http.get(await video_url(http, api)) as second:
        assert (first.status, second.status) == (200, 200)
        a, b = await asyncio.gather(frames(first, 5), frames(second, 5))
        assert established_to(camera.port) - before == 1
        assert relay.connections == 1
    for counters in (a, b):
        assert all(y > x for x, y in itertools.pairwise(counters)), counters
    # Both see the same stream: their frames overlap.
    assert set(a) & set(b)
    # The camera connection lingers briefly for a viewer coming back, then closes.
    await asyncio.sleep(LINGER / 3)
    assert established_to(camera.port) - before == 1
    await until(lambda: established_to(camera.port) == before, LINGER + 3)


def small_window(addr_info: Any) -> socket.socket:
    """A client socket with a small receive buffer: a viewer on a slow line, whose
    kernel cannot soak up seconds of video while the program reading it stalls."""
    family, kind, proto, _, _ = addr_info
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
    return sock


async def test_a_slow_viewer_gets_the_newest_frame_not_a_backlog(api: ApiHarness) -> None:
    connector = aiohttp.TCPConnector(socket_factory=small_window)
    async with aiohttp.ClientSession(connector=connector, read_bufsize=4096) as slow:
        url = await video_url(slow, api)
        async with slow.get(url) as r:
            await frames(r, 1)
            await asyncio.sleep(1.5)      # the viewer stalls for ~37 frames
            counters = await frames(r, 20)
    # A few frames were in flight; then it skips ahead instead of replaying the stall.
    print("after the stall:", counters)
    assert max(b - a for a, b in itertools.pairwise(counters)) >= FPS // 2, counters


async def test_unreachable_camera_is_502(make_api: Harness, own_camera: DoorsimProcess,
                                         http: aiohttp.ClientSession) -> None:
    api = await make_api(own_camera)
    url = await video_url(http, api)
    assert own_camera.stop() == 0
    async with http.get(url) as r:
        assert r.status == 502
        assert (await r.json())["error"] == "door_unreachable"
    # A door whose camera never answered (nothing listens at its address): the same.
    async with http.get(await video_url(http, api, "154")) as r:
        assert (r.status, (await r.json())["error"]) == (502, "door_unreachable")


async def test_viewers_streams_end_when_the_camera_dies(
        make_api: Harness, own_camera: DoorsimProcess, http: aiohttp.ClientSession) -> None:
    api = await make_api(own_camera)
    async with http.get(await video_url(http, api)) as first, \
            http.get(await video_url(http, api)) as second:
        await asyncio.gather(frames(first, 2), frames(second, 2))
        assert own_camera.proc is not None
        own_camera.proc.kill()
        started = time.monotonic()
        # The rest of each stream is at most the frames in flight, then its end.
        rest = await asyncio.wait_for(
            asyncio.gather(frames(first, 1000), frames(second, 1000)), 5)
        assert all(len(got) < FPS for got in rest)
        print(f"viewers' streams ended {time.monotonic() - started:.2f} s after the kill")
    # Reconnecting with a fresh link now finds the camera gone.
    async with http.get(await video_url(http, api)) as r:
        assert (r.status, (await r.json())["error"]) == (502, "door_unreachable")


async def test_shutdown_ends_open_streams_promptly(
        make_api: Harness, camera: DoorsimProcess, http: aiohttp.ClientSession) -> None:
    api = await make_api(camera)
    async with http.get(await video_url(http, api)) as r:
        await frames(r, 2)
        started = time.monotonic()
        assert api.server is not None
        await api.server.stop()
        assert time.monotonic() - started < 2.0
        rest = await asyncio.wait_for(frames(r, 1000), 5)
        assert len(rest) < FPS
    await until(lambda: established_to(camera.port) == 0, 3)


async def test_the_daemon_relays_and_stops_promptly_while_streaming(
        tmp_path: Path, camera: DoorsimProcess, http: aiohttp.ClientSession) -> None:
    """The real PBX daemon: a link, live frames, and SIGTERM mid-stream ends it at once."""
    port = free_port()
    cfg = write_config(tmp_path / "pbx.toml", sip_port=port,
                       rtp_base=24000 + (port % 40) * 200,
                       extra=doors_toml(camera.port, free_port()))
    pbx = PbxProcess(cfg, tmp_path / "data", sip_port=port).start()
    try:
        url = pbx.api_url()
        async with http.post(url + API + "/auth/token",
                             json={"user": "101", "password": "pw101"}) as r:
            token = (await r.json())["token"]
        async with http.post(f"{url}{API}/doors/150/video",
                             headers={"Authorization": f"Bearer {token}"}) as r:
            link_url = (await r.json())["url"]
        assert link_url.startswith(url)
        async with http.get(link_url) as r:
            counters = await frames(r, 5)
            assert all(b > a for a, b in itertools.pairwise(counters)), counters
            started = time.monotonic()
            assert await asyncio.to_thread(pbx.stop, 5.0) == 0
            print(f"PBX stopped {time.monotonic() - started:.2f} s after SIGTERM")
            rest = await asyncio.wait_for(frames(r, 1000), 5)
            assert len(rest) < FPS
    finally:
        pbx.stop()
