"""The door station simulator as a subprocess for tests (`python -m softphone.doorsim`),
its JSON event lines read from stderr, and a reader for its MJPEG stream.

With SIP (the door registers at a test PBX and the bell calls `call`)::

    door = DoorsimProcess(*sip_args(pbx.sip_port, call="100")).start()
    door.wait_for("sip_registered")

and the PBX needs the door in its configuration: ``write_config(..., extra=door_toml(port))``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from tests.helpers.jsonproc import JsonLogProcess
from tests.helpers.pbxproc import free_port


def sip_args(sip_port: int, *, user: str = "150", password: str | None = None,
             call: str = "210", transport: str = "udp", ring_timeout: float = 30.0,
             dtmf_code: str = "*1", retry: int = 2, log: Path | None = None,
             extra: tuple[str, ...] = ()) -> list[str]:
    """Arguments that register the doorsim as `user` (password "pw<user>" as in test
    configurations) at a PBX on 127.0.0.1:`sip_port`; the bell calls `call`."""
    args = ["--sip-server", f"127.0.0.1:{sip_port}", "--sip-user", user,
            "--sip-password", f"pw{user}" if password is None else password,
            "--sip-transport", transport, "--call", call, "--ring-timeout", str(ring_timeout),
            "--dtmf-code", dtmf_code, "--sip-retry", str(retry), "--sip-bind", "127.0.0.1"]
    if log is not None:
        args += ["--sip-log", str(log)]
    return [*args, *extra]


def door_toml(http_port: int | None, *, number: str = "150", name: str = "Haustür",
              password: str | None = None, department: str = "", video: bool = True,
              direct_video: bool = False, relay: bool = True,
              relay_password: str = "opensesame", dtmf_code: str = "*1",
              open_roles: tuple[str, ...] = ("admin", "reception"),
              open_users: tuple[str, ...] = ("103",)) -> str:
    """A [[doors]] table (for write_config's `extra`, or api_config) for a doorsim on
    `http_port`: its camera unless `video` is False, its relay (user "door", password the
    doorsim's default unless `relay_password`) unless `relay` is False; `http_port` None
    gives a door with neither. Its SIP password is "pw<number>" unless `password`."""
    lines = [f'number = "{number}"', f'name = "{name}"',
             f'password = "{f"pw{number}" if password is None else password}"']
    if department:
        lines.append(f'department = "{department}"')
    base = f"http://127.0.0.1:{http_port}"
    if http_port is not None and video:
        lines += [f'video_url = "{base}/video.mjpg"', f'snapshot_url = "{base}/snapshot.jpg"']
        if direct_video:
            lines.append("direct_video = true")
    if http_port is not None and relay:
        lines += [f'relay_url = "{base}/relay/open"', 'relay_user = "door"',
                  f'relay_password = "{relay_password}"']
    if dtmf_code:
        lines.append(f'dtmf_code = "{dtmf_code}"')
    roles = ", ".join(f'"{r}"' for r in open_roles)
    users = ", ".join(f'"{u}"' for u in open_users)
    lines += [f"open_roles = [{roles}]", f"open_users = [{users}]"]
    return "\n[[doors]]\n" + "\n".join(lines) + "\n"


class DoorsimProcess(JsonLogProcess):
    name = "doorsim"

    def __init__(self, *args: str, port: int | None = None) -> None:
        self.port = port or free_port()
        super().__init__("softphone.doorsim",
                         ["--host", "127.0.0.1", "--port", str(self.port), *args])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> DoorsimProcess:
        self.start_process(timeout)
        return self


async def mjpeg_parts(
    response: aiohttp.ClientResponse,
) -> AsyncIterator[tuple[dict[str, str], bytes, float]]:
    """Split a multipart/x-mixed-replace stream: (part headers, body, arrival time)."""
    ctype = response.headers["Content-Type"]
    assert ctype.startswith("multipart/x-mixed-replace"), ctype
    boundary = ctype.split("boundary=", 1)[1].strip().strip('"')
    content = response.content
    while True:
        line = await content.readline()
        if not line or line.strip() == f"--{boundary}--".encode():  # RFC 2046 close-delimiter
            return
        if line.strip() != f"--{boundary}".encode():
            assert line.strip() == b"", f"junk between parts: {line[:80]!r}"
            continue
        headers: dict[str, str] = {}
        while (line := await content.readline()).strip():
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await content.readexactly(int(headers["content-length"]))
        yield headers, body, time.monotonic()
