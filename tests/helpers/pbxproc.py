"""The real PBX daemon as a subprocess for tests: writes a config, starts
`python -m softphone.pbx.daemon --log-format json`, waits for its "ready" line and reads
its JSON log (as qutebrowser's end-to-end tests do with their process)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from tests.helpers.jsonproc import JsonLogProcess

DEMO_USERS = {"100": "Empfang", "101": "Vertrieb", "102": "Buchhaltung", "103": "Homeoffice"}


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        other = socket.SOCK_STREAM if kind == socket.SOCK_DGRAM else socket.SOCK_DGRAM
        with socket.socket(socket.AF_INET, other) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port")


def write_config(path: Path, *, sip_port: int, rtp_base: int, extra_users: int = 0,
                 extra: str = "", sip_extra: str = "",
                 transports: tuple[str, ...] = ("udp", "tcp")) -> Path:
    """A PBX config with the demo extensions 100-103 (password "pw<number>") and, for
    benchmarks, `extra_users` more (2000, 2001, ...). `transports` is [sip] transports
    ("tls" needs tls_cert/tls_key in `sip_extra`)."""
    users = dict(DEMO_USERS)
    users.update({str(2000 + i): f"Bench {i}" for i in range(extra_users)})
    ext = "\n".join(
        f'[[extensions]]\nnumber = "{n}"\nname = "{name}"\npassword = "pw{n}"\n'
        f'role = "{"admin" if n == "100" else "user"}"\n'
        for n, name in users.items()
    )
    # The client API on any free port (its "api_ready" log line says which), so that
    # daemons of parallel tests do not collide on 8080.
    api = "" if "[api]" in extra else "[api]\nport = 0\n"
    tp = json.dumps(list(transports))
    path.write_text(
        f'[sip]\nhost = "127.0.0.1"\nport = {sip_port}\ntransports = {tp}\n'
        f'realm = "softphone.test"\n{sip_extra}\n'
        f'[rtp]\nhost = "127.0.0.1"\nport_min = {rtp_base}\nport_max = {rtp_base + 399}\n\n'
        f"{api}{extra}\n{ext}"
    )
    return path


class PbxProcess(JsonLogProcess):
    name = "PBX"

    def __init__(self, config: Path, data_dir: Path, *, sip_port: int) -> None:
        super().__init__("softphone.pbx.daemon", ["--config", str(config), "--data-dir",
                                                  str(data_dir), "--log-format", "json"])
        self.config = config
        self.data_dir = data_dir
        self.sip_port = sip_port

    def start(self, timeout: float = 15.0) -> PbxProcess:
        self.start_process(timeout)
        return self

    def restarted(self) -> PbxProcess:
        """Stop this daemon (exit code 0 required) and start it again on the same port,
        configuration and data directory; returns the new process."""
        code = self.stop()
        assert code == 0, f"PBX exited with {code} after SIGTERM"
        return PbxProcess(self.config, self.data_dir, sip_port=self.sip_port).start()

    def api_url(self) -> str:
        """Where the client API listens (its "api_ready" log line)."""
        return str(self.wait_for("api_ready")["url"])


def start_tls_pbx(tmp_path: Path, rtp_extra: str = "",
                  extra: str = "") -> tuple[PbxProcess, int, Path]:
    """The PBX with UDP, TCP and TLS (any free TLS port, a throwaway self-signed
    certificate): (process, TLS port, certificate). ``extra``: more tables (rooms)."""
    from tests.helpers.certs import self_signed

    cert, key = self_signed(tmp_path, "sip")
    port = free_port()
    cfg = write_config(tmp_path / "pbx.toml", sip_port=port, rtp_base=24000 + (port % 40) * 200,
                       transports=("udp", "tcp", "tls"), extra=extra,
                       sip_extra=f'tls_port = 0\ntls_cert = "{cert.name}"\n'
                                 f'tls_key = "{key.name}"\n')
    if rtp_extra:
        cfg.write_text(cfg.read_text().replace("[rtp]\n", f"[rtp]\n{rtp_extra}", 1))
    proc = PbxProcess(cfg, tmp_path / "data", sip_port=port).start()
    tls_port = proc.wait_for("ready")["tls_port"]
    assert isinstance(tls_port, int) and tls_port > 0
    return proc, tls_port, cert
