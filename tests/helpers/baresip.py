"""baresip (Debian baresip-core) as a third-party phone for interop tests.

Each :class:`Baresip` is one process with a config directory of its own (``-f``) in the
test's tmp dir: SIP on a free loopback port, a tone from a WAV file as microphone (aufile)
and no sound device at all (aubridge plays into nothing), G.711 only. It is driven over
ctrl_tcp: commands go down as netstring-framed JSON (``{"command": "dial", "params": ...}``),
events come up the same way and are collected by a reader thread; ``wait_for`` returns the
first matching event not returned before. ``-s`` makes baresip print every SIP message it sends or
receives to its stdout, kept in ``<name>.out`` beside its config, so a test can count them.
The ``uuid`` module gives the phone its +sip.instance for RFC 5626 outbound (an account
line with ``;sipnat=outbound``).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from tests.helpers.audio import write_tone_wav
from tests.helpers.sipp import free_port

BARESIP = shutil.which("baresip") or "/usr/bin/baresip"
MODULES = Path("/usr/lib/baresip/modules")
HOST = "127.0.0.1"

_CONFIG = """\
poll_method epoll
sip_listen {host}:{sip_port}
sip_trans_def {transport}
sip_trans_bsize 128
call_local_timeout 120
call_max_calls 4
audio_player aubridge,nowhere
audio_alert aubridge,nowhere
audio_source aufile,{tone}
audio_srate 8000
audio_channels 1
rtp_ports {rtp_port}-{rtp_last}
module_path {modules}
module g711.so
module aufile.so
module aubridge.so
module uuid.so
module_app account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen {host}:{ctrl_port}
"""


class Baresip:
    def __init__(self, name: str, workdir: Path, *, tone: int = 440,
                 transport: str = "udp") -> None:
        self.name = name
        self.dir = workdir / f"baresip-{name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.sip_port = free_port()
        self.ctrl_port = free_port()
        rtp = free_port(4)
        # aufile needs the codec's rate (baresip 1.0 does not resample; ausine is 48 kHz only).
        tone_wav = write_tone_wav(self.dir / "tone.wav", tone, 60.0, rate=8000)
        (self.dir / "config").write_text(_CONFIG.format(
            host=HOST, sip_port=self.sip_port, transport=transport, ctrl_port=self.ctrl_port,
            tone=tone_wav,
            rtp_port=rtp, rtp_last=rtp + 3, modules=MODULES))
        (self.dir / "accounts").write_text("")
        (self.dir / "contacts").write_text("")
        self.out_path = self.dir / f"{name}.out"
        self.events: list[dict[str, Any]] = []
        self._returned: set[int] = set()
        self._cond = threading.Condition()
        self.proc: subprocess.Popen[bytes] | None = None
        self.sock: socket.socket | None = None

    def start(self, account: str = "") -> Baresip:
        """Start, connect to ctrl_tcp and add ``account`` (an accounts file line, e.g.
        ``<sip:101@127.0.0.1:5060>;auth_pass=pw101``) only then, so its REGISTER_OK event
        cannot come before anyone listens."""
        with self.out_path.open("wb") as out:
            self.proc = subprocess.Popen([BARESIP, "-f", str(self.dir), "-s"],
                                         stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.sock = socket.create_connection((HOST, self.ctrl_port), timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise AssertionError(f"baresip {self.name} did not start:\n"
                                         f"{self.output()[-3000:]}") from None
                time.sleep(0.05)  # polling a port that is not open yet, not a wait in a test
        self.sock.settimeout(None)
        threading.Thread(target=self._read, daemon=True).start()
        if account:
            self.command("uanew", account)
        return self

    def _read(self) -> None:
        assert self.sock is not None
        buf = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            while (colon := buf.find(b":")) > 0 and len(buf) >= colon + int(buf[:colon]) + 2:
                size = int(buf[:colon])
                item = json.loads(buf[colon + 1 : colon + 1 + size])
                buf = buf[colon + 2 + size :]  # past the trailing ","
                with self._cond:
                    self.events.append(item)
                    self._cond.notify_all()

    def command(self, command: str, params: str = "") -> None:
        assert self.sock is not None
        body = json.dumps({"command": command, "params": params, "token": command}).encode()
        self.sock.sendall(str(len(body)).encode() + b":" + body + b",")

    def mark(self) -> int:
        """Where the events stand now: ``wait_for(..., since=mark)`` looks only after it."""
        with self._cond:
            return len(self.events)

    def wait_for(self, event_type: str, timeout: float = 15.0, since: int = 0,
                 **match: Any) -> dict[str, Any]:
        """The first event of ``event_type`` (e.g. "CALL_ESTABLISHED") with ``match`` not
        returned before, from index ``since`` on."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, item in enumerate(self.events):
                    if i >= since and i not in self._returned and \
                            item.get("type") == event_type and \
                            all(item.get(k) == v for k, v in match.items()):
                        self._returned.add(i)
                        return item
                left = deadline - time.monotonic()
                if left <= 0 or not self._cond.wait(left):
                    raise AssertionError(
                        f"baresip {self.name}: no {event_type} {match} within {timeout} s; "
                        f"events: {[e.get('type') for e in self.events]}")

    def output(self) -> str:
        return self.out_path.read_text(errors="replace") if self.out_path.exists() else ""

    def sip_messages(self) -> list[str]:
        """Every SIP message in the ``-s`` trace, sent and received, each starting with its
        "UDP <from> -> <to>" line."""
        return re.findall(r"^(?:UDP|TCP|TLS) \S+ -> \S+\n.*?(?=\n\S*#\n|\Z)", self.output(),
                          re.S | re.M)

    def stop(self) -> None:
        if self.sock is not None:
            try:
                self.command("quit")
            except OSError:
                pass
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.sock is not None:
            self.sock.close()
