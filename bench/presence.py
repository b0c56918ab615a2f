"""Presence fan-out of the real PBX over the event WebSocket, and the contacts search.

    .venv/bin/python bench/presence.py [--clients 500] [--flips 16] [--calls 2] [--smoke]

(a) Fan-out (issue 4: p99 < 100 ms with 500 clients). The real daemon (`PbxProcess`, a
    generated config with extensions 2000..) and WebSocket clients subscribed to
    /api/v1/events, opened by one or two client processes (bench/presence_clients.py, aiohttp
    on uvloop, several connections per user as several devices would). Presence changes are
    caused for real: REGISTER / unREGISTER of extension 103 by a raw SIP client
    (tests/helpers/sipclient.py: offline <-> available), and calls between two pjsua2 agents
    registered as 100 and 101 (101: ringing, busy, available again). The clock starts
    (time.monotonic) just before the SIP message that causes the change is sent: for a
    REGISTER the authorised one (its 401 challenge was fetched before), for a call the
    command to the agent, so call figures include the agent's own few milliseconds to send
    the INVITE, 200 or BYE. It stops when each client process reads that presence event on
    each connection (CLOCK_MONOTONIC: the same clock in every process). Latency therefore
    includes the PBX's SIP handling, the presence service, the fan-out, the kernel and the
    client processes' own reading - on 2 cores that the PBX shares with the clients.
    The same changes with 1 client and with 100 clients, in the same run, show the scaling.
(b) Contacts search (issue 4: < 16 ms a keystroke with 5,000 entries): bench/presence_filter.py.

Prints a table and writes bench/results/presence.json. Not a test: the figures depend on the
machine and its load (noted in the results). Everything on 127.0.0.1, about 1-2 minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import cli  # noqa: E402
from bench.client_procs import cpu_seconds  # noqa: E402
from bench.presence_clients import raise_fd_limit  # noqa: E402
from tests.helpers.agent import Agent  # noqa: E402
from tests.helpers.pbxproc import PbxProcess, free_port, write_config  # noqa: E402
from tests.helpers.sipclient import SipClient, digest_response  # noqa: E402

TARGETS = {"fanout_p99_ms": 100.0, "keystroke_ms": 16.0}
FLIP_USER = "103"
CALLER, CALLEE = "100", "101"
FIRST_USER = 2000


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": round(pct(values, 50), 2),
            "p95": round(pct(values, 95), 2), "p99": round(pct(values, 99), 2),
            "max": round(max(values), 2), "min": round(min(values), 2)}


# --- the client processes ------------------------------------------------------------------

class ClientProcess:
    """One bench/presence_clients.py process, driven over JSON lines."""

    def __init__(self, url: str, logins: list[tuple[str, str]], connections: int) -> None:
        spec = {"url": url, "logins": logins, "connections": connections}
        self.connections = connections
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.presence_clients", json.dumps(spec)], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{"):
                self._queue.put(json.loads(line))
        self._queue.put({"event": "eof"})

    def send(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def wait(self, event: str, timeout: float, **match: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                item = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if item["event"] == "eof":
                raise RuntimeError(f"client process exited ({self.proc.poll()})")
            if item["event"] == event and all(item.get(k) == v for k, v in match.items()):
                return item
        raise RuntimeError(f"client process: no {event} {match} within {timeout} s")

    def close(self) -> None:
        try:
            self.send(cmd="quit")
            self.wait("closed", 30)
        except (RuntimeError, OSError, ValueError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- what changes presence -----------------------------------------------------------------

class Registrar:
    """REGISTER / unREGISTER of one extension from a raw SIP client, one Call-ID (RFC 3261
    10.2.4: a UA keeps its Call-ID and raises CSeq). The 401 challenge is fetched before the
    clock starts; the authorised request is the message that changes the state."""

    def __init__(self, port: int, user: str) -> None:
        self.sip = SipClient(("127.0.0.1", port), timeout=5.0)
        self.user = user
        self.call_id = uuid.uuid4().hex
        self.cseq = 0

    def prepare(self, expires: int) -> bytes:
        uri = f"sip:{self.sip.server[0]}"
        self.cseq += 1
        first = self.sip.request("REGISTER", uri, self.user, call_id=self.call_id,
                                 cseq=self.cseq, headers=[("Expires", str(expires))])
        self.sip.send_raw(first.to_bytes())
        challenge = self.sip.recv_final()
        if challenge is None or challenge.status != 401:
            raise RuntimeError(f"REGISTER: expected a 401 challenge, got {challenge}")
        auth = digest_response(challenge.headers.get("WWW-Authenticate") or "", "REGISTER",
                               uri, self.user, f"pw{self.user}")
        self.cseq += 1
        return self.sip.request("REGISTER", uri, self.user, call_id=self.call_id,
                                cseq=self.cseq, headers=[("Expires", str(expires)),
                                                         ("Authorization", auth)]).to_bytes()

    def send(self, data: bytes) -> None:
        self.sip.send_raw(data)

    def check(self) -> None:
        final = self.sip.recv_final()
        if final is None or final.status != 200:
            raise RuntimeError(f"REGISTER: expected 200, got {final}")


def register_agent(agent: Agent, port: int, user: str) -> None:
    agent.send(cmd="register", server=f"127.0.0.1:{port}", user=user, password=f"pw{user}")
    agent.wait_for("reg_state", 10, code=200)


class Changes:
    """Causes one presence change after another and times its arrival at every client."""

    def __init__(self, procs: list[ClientProcess], registrar: Registrar, caller: Agent,
                 callee: Agent, port: int) -> None:
        self.procs = procs
        self.registrar = registrar
        self.caller = caller
        self.callee = callee
        self.port = port
        self.results: list[dict[str, Any]] = []
        self._next_id = 0
        self._callee_mark = 0

    def _measure(self, kind: str, number: str, presence: str, cause: Any) -> None:
        ident = self._next_id = self._next_id + 1
        for proc in self.procs:
            proc.send(cmd="expect", id=ident, number=number, presence=presence)
        for proc in self.procs:
            proc.wait("armed", 10, id=ident)
        t0 = time.monotonic()
        cause()
        latencies: list[float] = []
        missing = closed = 0
        for proc in self.procs:
            seen = proc.wait("seen", 30, id=ident)
            latencies += [1000 * (t - t0) for t in seen["times"] if t is not None]
            missing += seen["missing"]
            closed += seen["closed_early"]
        row = {"kind": kind, "number": number, "presence": presence, **summary(latencies),
               "missing": missing, "closed_early": closed,
               "spread_ms": round(max(latencies) - min(latencies), 2) if latencies else None,
               "latencies_ms": [round(v, 2) for v in latencies]}
        self.results.append(row)

    def flip(self, on: bool) -> None:
        data = self.registrar.prepare(300 if on else 0)
        self._measure("register" if on else "unregister", FLIP_USER,
                      "available" if on else "offline", lambda: self.registrar.send(data))
        self.registrar.check()

    def call(self) -> None:
        uri = f"sip:{CALLEE}@127.0.0.1:{self.port}"
        mark = self.callee.mark()
        caller_mark = self.caller.mark()
        self._measure("call: INVITE", CALLEE, "ringing",
                      lambda: self.caller.send(cmd="call", uri=uri))
        self.callee.wait_for("incoming", 10, since=mark)
        self._measure("call: answer", CALLEE, "busy",
                      lambda: self.callee.send(cmd="answer", code=200))
        self._measure("call: BYE", CALLEE, "available",
                      lambda: self.callee.send(cmd="hangup"))
        self.callee.wait_for("call_state", 10, since=mark, state="DISCONNECTED")
        self.caller.wait_for("call_state", 10, since=caller_mark, state="DISCONNECTED")


def fanout_phase(url: str, port: int, clients: int, procs: int, users: int, flips: int,
                 calls: int, caller: Agent, callee: Agent, pbx_pid: int) -> dict[str, Any]:
    logins = [(str(FIRST_USER + i), f"pw{FIRST_USER + i}") for i in range(min(users, clients))]
    shares = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
    started = time.monotonic()
    processes: list[ClientProcess] = []
    offset = 0
    for share in shares:
        # Each process signs in the users of its share (a user may appear in both).
        mine = [logins[(offset + i) % len(logins)] for i in range(min(share, len(logins)))]
        processes.append(ClientProcess(url, mine, share))
        offset += share
    registrar = Registrar(port, FLIP_USER)
    try:
        ready = [p.wait("ready", 180) for p in processes]
        connect_s = time.monotonic() - started
        changes = Changes(processes, registrar, caller, callee, port)
        cpu0, wall0 = cpu_seconds(pbx_pid), time.monotonic()
        # The calls in the middle of the flips, so both kinds see a warm daemon.
        plan = ["flip"] * flips
        for i in range(calls):
            plan.insert((i + 1) * len(plan) // (calls + 1), "call")
        on = True
        for step in plan:
            if step == "flip":
                changes.flip(on)
                on = not on
            else:
                changes.call()
        if not on:                       # leave 103 offline for the next phase
            changes.flip(False)
        pbx_cpu = 100 * (cpu_seconds(pbx_pid) - cpu0) / (time.monotonic() - wall0)
    finally:
        registrar.sip.close()
        for p in processes:
            p.close()
    rows = changes.results
    every = [v for row in rows for v in row["latencies_ms"]]
    worst = [row["max"] for row in rows if row["n"]]
    return {
        "clients": clients, "client_processes": procs, "users_signed_in": len(logins),
        "ready_in_s": round(connect_s, 2),
        "login_s": [r["login_s"] for r in ready], "connect_s": [r["connect_s"] for r in ready],
        "changes": len(rows),
        "latency_ms": summary(every),
        "per_change_p99_ms": summary([row["p99"] for row in rows if row["n"]]),
        "per_change_max_ms": summary(worst),
        "spread_first_to_last_ms": summary([r["spread_ms"] for r in rows
                                            if r["spread_ms"] is not None]),
        "by_kind_ms": {kind: summary([v for r in rows if r["kind"].startswith(kind)
                                      for v in r["latencies_ms"]])
                       for kind in ("register", "unregister", "call")},
        "missing_events": sum(r["missing"] for r in rows),
        "closed_early": max((r["closed_early"] for r in rows), default=0),
        "pbx_cpu_pct_during_changes": round(pbx_cpu, 1),
        "per_change": [{k: v for k, v in r.items() if k != "latencies_ms"} for r in rows],
    }


def fanout(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    raise_fd_limit(2 * args.clients + 512)     # the daemon inherits it
    port = free_port()
    users = (args.clients + 1) // 2            # two devices a user
    config = write_config(tmp / "pbx.toml", sip_port=port, extra_users=users,
                          rtp_base=30000 + (port % 50) * 400)
    pbx = PbxProcess(config, tmp / "pbx-data", sip_port=port).start(timeout=60)
    agents: list[Agent] = []
    phases: dict[str, Any] = {}
    try:
        url = str(pbx.wait_for("api_ready")["url"])
        caller = Agent("caller", log_dir=tmp, log_level=2)
        agents.append(caller)
        callee = Agent("callee", log_dir=tmp, log_level=2)
        agents.append(callee)
        register_agent(caller, port, CALLER)
        register_agent(callee, port, CALLEE)
        assert pbx.proc is not None
        for clients in sorted({1, min(100, args.clients), args.clients}):
            procs = 1 if clients == 1 else args.procs
            print(f"fan-out to {clients} clients ({procs} client processes)...", flush=True)
            phases[str(clients)] = fanout_phase(url, port, clients, procs, users, args.flips,
                                                args.calls, caller, callee, pbx.proc.pid)
    finally:
        for agent in agents:
            agent.close()
        pbx.stop()
    return {"phases": phases, "flip_user": FLIP_USER, "call": [CALLER, CALLEE]}


# --- report --------------------------------------------------------------------------------

def table(report: dict[str, Any], clients: int) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    target = TARGETS["fanout_p99_ms"]
    for name, phase in report["fanout"]["phases"].items():
        lat = phase["latency_ms"]
        met = ("yes" if lat["p99"] < target else "NO") if int(name) == clients else "-"
        rows.append((f"fan-out, {name} client(s), {phase['changes']} changes",
                     f"{lat['p50']:.1f}", f"{lat['p95']:.1f}", f"{lat['p99']:.1f}",
                     f"{lat['max']:.1f}", f"< {target:.0f}" if met != "-" else "-", met))
        for kind, s in phase["by_kind_ms"].items():
            if s["n"]:
                rows.append((f"  {kind}", f"{s['p50']:.1f}", f"{s['p95']:.1f}",
                             f"{s['p99']:.1f}", f"{s['max']:.1f}", "-", "-"))
    flt = report["filter"]
    for key, label in (("all", f"contacts search, per keystroke ({flt['entries']:,})"),
                       ("typed", "  typing a character"), ("deleted", "  backspace"),
                       ("peer_all", "  peer: stock proxy, flat list")):
        s = flt["keystroke_ms"][key]
        main = key == "all"
        ok = s["p99"] < TARGETS["keystroke_ms"]
        rows.append((label, f"{s['p50']:.2f}", f"{s['p95']:.2f}", f"{s['p99']:.2f}",
                     f"{s['max']:.2f}", f"< {TARGETS['keystroke_ms']:.0f}" if main else "-",
                     ("yes" if ok else "NO") if main else "-"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--procs", type=int, default=2, help="client processes (>1 client)")
    parser.add_argument("--flips", type=int, default=16, help="REGISTER/unREGISTER changes")
    parser.add_argument("--calls", type=int, default=2, help="calls (3 changes each)")
    parser.add_argument("--entries", type=int, default=5000, help="directory for (b)")
    args = cli.parse(parser, "presence", smoke={"clients": 4, "flips": 2, "calls": 1,
                                                "entries": 200})
    began = time.monotonic()
    load_start = os.getloadavg()
    print(f"presence benchmark: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {load_start[0]:.2f}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-presence-"))
    report: dict[str, Any] = {}
    try:
        report["fanout"] = fanout(args, tmp)
        load_after_fanout = os.getloadavg()
        print("contacts search...", flush=True)
        done = subprocess.run(
            [sys.executable, "-m", "bench.presence_filter", str(args.entries)], cwd=ROOT,
            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), capture_output=True,
            text=True, timeout=300)
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
        if done.returncode != 0 or not lines:
            raise RuntimeError(f"presence_filter failed:\n{done.stderr[-3000:]}")
        report["filter"] = json.loads(lines[-1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    header = ("measure", "p50 ms", "p95 ms", "p99 ms", "max ms", "target", "met")
    rows = table(report, args.clients)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)))
    result = {
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "loadavg_at_start": load_start,
                    "loadavg_after_fanout": load_after_fanout,
                    "loadavg_at_end": os.getloadavg()},
        "targets": TARGETS,
        "table": [dict(zip(header, r, strict=True)) for r in rows],
        **report,
        "elapsed_s": round(time.monotonic() - began, 1),
    }
    keys = report["filter"]["keystroke_ms"]
    print(f"keystrokes under {TARGETS['keystroke_ms']:.0f} ms: "
          f"{keys['all']['under_16ms_pct']} % (peer {keys['peer_all']['under_16ms_pct']} %); "
          f"load average {load_start[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end")
    print(f"in {result['elapsed_s']} s")
    cli.write_results(args, "presence", result)


if __name__ == "__main__":
    main()
