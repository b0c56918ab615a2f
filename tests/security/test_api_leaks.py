"""Smaller leaks of the client API (issue 15, point 11): a forged Host header steering
video links (and their tokens) to the attacker's host, the Server header naming aiohttp
and its version, a client hanging up mid-request filling the log with tracebacks.

What must hold: the link points at the PBX's configured address whatever the Host header
says, the Server header names no library or version, and a dropped connection is one
quiet log line, no traceback, the API serving on.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.helpers.doorsim import door_toml
from tests.helpers.pbxproc import PbxProcess, free_port, write_config


@pytest.fixture
def pbx(tmp_path: Path) -> Iterator[PbxProcess]:
    port = free_port()
    config = write_config(tmp_path / "pbx.toml", sip_port=port,
                          rtp_base=24000 + (port % 40) * 200, extra=door_toml(free_port()))
    proc = PbxProcess(config, tmp_path / "data", sip_port=port).start()
    try:
        yield proc
    finally:
        assert proc.stop() == 0


async def test_host_header_server_header_and_dropped_clients(
        pbx: PbxProcess, http: aiohttp.ClientSession) -> None:
    url = pbx.api_url()
    async with http.post(url + "/api/v1/auth/token",
                         json={"user": "100", "password": "pw100"}) as r:
        assert r.status == 200
        server = r.headers["Server"]
        token = (await r.json())["token"]
    assert "aiohttp" not in server.lower() and not re.search(r"\d", server)

    async with http.post(url + "/api/v1/doors/150/video",
                         headers={"Authorization": f"Bearer {token}",
                                  "Host": "attacker.example:8080"}) as r:
        assert r.status == 200
        link = (await r.json())["url"]
    assert link.startswith(url + "/api/v1/doors/150/video.mjpg?token="), link

    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"us")
    logged = pbx.wait_for("api_client_gone")
    assert logged["path"] == "/api/v1/auth/token"
    assert not [line for line in pbx.lines if "exception" in line]
    async with http.get(url + "/api/v1/openapi.json") as r:
        assert r.status == 200
