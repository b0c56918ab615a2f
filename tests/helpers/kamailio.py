"""A real Kamailio registrar/proxy for tests (no authentication): the reference SIP server
the client is checked against. Use the `kamailio` fixture (registered in tests/conftest.py)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.pbxproc import free_port

KAMAILIO_CFG = """#!KAMAILIO
log_stderror=yes
children=1
tcp_children=1
auto_aliases=no
listen=udp:127.0.0.1:{port}
listen=tcp:127.0.0.1:{port}
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "siputils.so"
loadmodule "textops.so"
request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        if (loose_route() || (is_method("ACK") && t_check_trans())) t_relay();
        exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) t_relay(); exit; }}
    if (is_method("REGISTER")) {{ save("location"); exit; }}
    if (is_method("INVITE")) record_route();
    if (!lookup("location")) {{ sl_send_reply("404", "Not Found"); exit; }}
    t_relay();
}}
"""


@pytest.fixture
def kamailio(tmp_path: Path) -> Iterator[str]:
    """A real registrar/proxy (Kamailio, no authentication); yields "127.0.0.1:port"."""
    binary = shutil.which("kamailio") or "/usr/sbin/kamailio"
    if not Path(binary).exists():
        pytest.skip("kamailio is not installed")
    port = free_port()
    cfg = tmp_path / "kamailio.cfg"
    cfg.write_text(KAMAILIO_CFG.format(port=port))
    argv = [binary, "-f", str(cfg), "-DD", "-E", "-w", str(tmp_path), "-Y", str(tmp_path)]
    with (tmp_path / "kamailio.log").open("wb") as log:
        proc = subprocess.Popen([*argv, "-P", str(tmp_path / "k.pid")], stderr=log)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert proc.poll() is None, (tmp_path / "kamailio.log").read_text()
            assert time.monotonic() < deadline, "kamailio did not start listening"
            time.sleep(0.05)
    yield f"127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)
