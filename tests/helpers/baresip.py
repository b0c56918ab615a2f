"""The real baresip (Debian's baresip-core, 1.0) as a phone for interop tests.

Each instance gets its own config directory (``-f``), loopback addresses only, no sound
device: the microphone is ``ausine`` (a sine tone of the given frequency), the speaker
``aubridge`` to a device nobody reads. Commands and events go over the ctrl_tcp module:
netstring-framed JSON (``{"command": ..., "params": ...}`` in, ``{"event": true,
"type": "REGISTER_OK", ...}`` and ``{"response": true, ...}`` out). ``-s`` writes the SIP
trace to ``baresip.log`` in the config directory.
"""

from __future__ import annotations

import json
import queue
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from tests.helpers.pbxproc import free_port

BARESIP = shutil.which("baresip") or "/usr/bin/baresip"
MODULES = "/usr/lib/baresip/modules"


class Baresip:
    def __init__(self, workdir: Path, account: str, *, tone: int = 440,
                 transport: str = "udp") -> None:
        """``account`` is one line of baresip's accounts file, e.g.
        ``<sip:101@127.0.0.1:5060>;auth_pass=pw101``."""
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ctrl_port = free_port(socket.SOCK_STREAM)
        (self.dir / "config").write_text(
            "poll_method\tepoll\n"
            "sip_listen\t127.0.0.1:0\n"
            f"sip_trans_def\t{transport}\n"
            f"audio_source\tausine,{tone}\n"
            "ausrc_srate\t48000\nausrc_channels\t2\n"  # ausine: 48 kHz stereo only
            "audio_player\taubridge,nowhere\n"
            "audio_alert\taubridge,nowhere\n"
            "rtp_timeout\t0\n"
            f"module_path\t{MODULES}\n"
            # uuid: the +sip.instance of RFC 5626 outbound (sipnat=outbound)
            "module\tg711.so\nmodule\tausine.so\nmodule\taubridge.so\nmodule\tuuid.so\n"
            "module_app\taccount.so\nmodule_app\tmenu.so\nmodule_app\tctrl_tcp.so\n"
            f"ctrl_tcp_listen\t127.0.0.1:{self.ctrl_port}\n")
        (self.dir / "accounts").write_text(account + "\n")
        (self.dir / "contacts").write_text("")
        self.log_path = self.dir / "baresip.log"
        self.events: list[dict[str, Any]] = []
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._sock: socket.socket | None = None
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen([BARESIP, "-f", str(self.dir), "-s"],
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        try:
            self._connect()
        except BaseException:
            self.close()
            raise

    def _connect(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._sock = socket.create_connection(("127.0.0.1", self.ctrl_port), 1.0)
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise AssertionError(f"baresip's ctrl_tcp did not come up:\n"
                                         f"{self.log_tail()}") from None
                time.sleep(0.05)  # polling a port that is not open yet: nothing to wait on
        self._sock.settimeout(None)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._sock is not None
        buf = b""
        while True:
            try:
                chunk = self._sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b":" in buf:  # netstrings: <length>:<data>,
                head, rest = buf.split(b":", 1)
                length = int(head)
                if len(rest) < length + 1:
                    break
                item = json.loads(rest[:length])
                buf = rest[length + 1:]
                self.events.append(item)
                self._queue.put(item)

    def command(self, command: str, params: str = "") -> None:
        data = json.dumps({"command": command, "params": params, "token": command}).encode()
        assert self._sock is not None
        self._sock.sendall(b"%d:%s," % (len(data), data))

    def wait_for(self, kind: str, timeout: float = 15.0, since: int = 0) -> dict[str, Any]:
        """The first event of type ``kind`` (REGISTER_OK, CALL_ESTABLISHED, CALL_CLOSED ...)
        from index ``since`` on."""
        deadline = time.monotonic() + timeout
        while True:
            found = next((e for e in self.events[since:] if e.get("type") == kind), None)
            if found is not None:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"baresip: no {kind} within {timeout}s; events "
                                     f"{self.events[-10:]}\nlog:\n{self.log_tail()}")
            try:
                self._queue.get(timeout=min(left, 0.5))
            except queue.Empty:
                pass

    def mark(self) -> int:
        return len(self.events)

    def log_tail(self, lines: int = 60) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> int:
        if self._sock is not None:
            self._sock.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode
