"""The two servers bench/pbx_signalling.py measures: our PBX and Kamailio, both on one core.

Both get the same accounts: the demo extensions and N bench users 2000, 2001, ... whose
password is "pw" + number (tests/helpers/pbxproc.py writes it into the PBX's TOML; Kamailio's
script computes it from the credentials' username, bench/kamailio/kamailio.cfg).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.helpers.pbxproc import PbxProcess, write_config  # noqa: E402
from tests.helpers.sipp import free_port  # noqa: E402

KAMAILIO = shutil.which("kamailio") or "/usr/sbin/kamailio"
KAMAILIO_CFG = Path(__file__).resolve().parent / "kamailio" / "kamailio.cfg"
REALM = "softphone.test"  # the realm tests/helpers/pbxproc.py configures


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (proc(5) field 3 on), or None
    if the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes ``pids`` have used so far (Linux /proc).

    CPU time per request is the figure a loaded machine changes least: a server that gets
    half a core keeps up with half the rate, but each request costs what it costs."""
    ticks = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def session_pids(sid: int) -> list[int]:
    """The processes of session ``sid`` (Kamailio and the children it forked)."""
    pids = []
    for entry in Path("/proc").iterdir():
        fields = _stat(entry.name) if entry.name.isdigit() else None
        if fields is not None and int(fields[3]) == sid:  # field 6, session
            pids.append(int(entry.name))
    return pids


def pin(pid: int, cpu: int) -> None:
    """Pin every thread of ``pid`` to ``cpu`` (no-op without taskset)."""
    if shutil.which("taskset"):
        subprocess.run(["taskset", "-a", "-p", "-c", str(cpu), str(pid)], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class PbxServer:
    """``softphone-pbx`` with ``users`` bench users, pinned to ``cpu``."""

    name = "pbx"

    def __init__(self, workdir: Path, users: int, cpu: int) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.uas_port = free_port()  # where the bench's callee registers and answers
        workdir.mkdir(parents=True, exist_ok=True)
        # 2,000 RTP ports: ~500 calls in progress at once (two legs, RTP+RTCP each).
        # sipp answers only the first challenge and only MD5: offer MD5 first (config).
        config = write_config(workdir / "pbx.toml", sip_port=self.port, rtp_base=40000,
                              extra_users=users,
                              sip_extra='digest_algorithms = ["MD5", "SHA-256"]\n')
        text = config.read_text().replace("port_max = 40399", "port_max = 41999")
        config.write_text(text)
        self.process = PbxProcess(config, workdir / "data", sip_port=self.port).start()
        assert self.process.proc is not None
        pin(self.process.proc.pid, cpu)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        assert self.process.proc is not None
        return cpu_seconds([self.process.proc.pid])

    def stop(self) -> int:
        return self.process.stop()


class KamailioServer:
    """Kamailio as registrar + record-routing proxy, all processes pinned to ``cpu``."""

    name = "kamailio"

    def __init__(self, workdir: Path, cpu: int, children: int = 1) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.uas_port = free_port()  # where the bench's callee registers and answers
        workdir.mkdir(parents=True, exist_ok=True)
        text = KAMAILIO_CFG.read_text()
        text = text.replace('"!BENCH_PORT!5060!g"', f'"!BENCH_PORT!{self.port}!g"')
        text = text.replace('"!BENCH_CHILDREN!1!g"', f'"!BENCH_CHILDREN!{children}!g"')
        config = workdir / "kamailio.cfg"
        config.write_text(text)
        (workdir / "run").mkdir(exist_ok=True)
        command = [KAMAILIO, "-f", str(config), "-DD", "-E", "-Y", str(workdir / "run"),
                   "-m", "256", "-M", "32"]
        if shutil.which("taskset"):
            command = ["taskset", "-c", str(cpu), *command]
        self.log = (workdir / "kamailio.log").open("wb")
        # Its own session: stop() signals the whole group of processes Kamailio forked.
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 10.0) -> None:
        """Until Kamailio answers an OPTIONS (with 404 from this script: fine)."""
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", 0))
            sock.settimeout(0.2)
            local = sock.getsockname()[1]
            probe = (f"OPTIONS sip:ping@127.0.0.1:{self.port} SIP/2.0\r\n"
                     f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK-bench-probe\r\n"
                     f"From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:ping@127.0.0.1>\r\n"
                     f"Call-ID: bench-probe\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                     f"Content-Length: 0\r\n\r\n").encode()
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"kamailio exited with {self.process.returncode}, "
                                       f"see {self.workdir / 'kamailio.log'}")
                sock.sendto(probe, ("127.0.0.1", self.port))
                try:
                    sock.recv(4096)
                    return
                except OSError:
                    continue
        raise RuntimeError(f"kamailio did not answer on port {self.port} within {timeout} s")

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        return cpu_seconds(session_pids(self.process.pid))

    def stop(self) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        return self.process.returncode
