"""The client as a user meets it: the real GUI process, the real engine, the real PBX.

    .venv/bin/python bench/client.py [--calls 10] [--audio-calls 4] [--probe-seconds 6] [--smoke]

1. Cold start to registered: from starting `softphone --log-format json` (offscreen, a temp
   config dir with account 101 and its password in the plaintext password file) to its
   {"event": "registration", "state": "registered"} line; the bare engine driven over its
   socket (tests/helpers/engineclient.py) as a reference.
2. Resident memory of GUI + engine, idle and registered (VmRSS from /proc after 3 s; PSS too,
   which counts shared pages once).
3. Idle CPU of both over 10 s (utime + stime from /proc/PID/stat over wall time).
4. Click-to-ringing: the callee, a pjsua2 agent registered as 100, reports "incoming" with
   its own CLOCK_MONOTONIC ("mono", the same clock in every process here). Callers: the
   real GUI (bench/client_gui.py clicks Call), the engine alone (request "call" over its
   socket) and, as the baseline peer, a pjsua2 agent registered as 102.
5. One-way audio delay the engine adds: a pjsua2 probe (bench/client_probe.py) calls through
   the PBX and sends tone bursts; the far end is either the engine with `--test-audio` in
   loopback (speaker -> microphone in the same tick, DIR/loopback) or a pjsua2 agent that
   loops the call to itself in its conference bridge (pjsua --auto-loop: the baseline).
   Both paths cross the PBX twice, so (engine round trip - baseline round trip) / 2 is the
   delay the engine adds in each direction: its conference bridge port, ring buffers and
   jitter buffer beyond what pjsua2 itself needs. Real sound cards add their own latency.

Prints a table and writes bench/results/client.json. Not a test: figures depend on the
machine and its load (noted in the results); everything on 127.0.0.1, about 2-3 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import cli  # noqa: E402
from bench.client_probe import ProbeProcess  # noqa: E402
from bench.client_procs import (  # noqa: E402
    GuiProcess,
    cpu_seconds,
    pss_kb,
    rss_kb,
    write_client_config,
)
from tests.helpers.agent import Agent  # noqa: E402
from tests.helpers.engineclient import EngineProcess  # noqa: E402
from tests.helpers.pbxproc import PbxProcess, free_port, write_config  # noqa: E402

TARGETS = {"cold_start_ms": 1500.0, "memory_mb": 200.0, "idle_cpu_pct": 1.0,
           "click_to_ringing_ms": 50.0, "audio_one_way_added_ms": 60.0}


def stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {"n": len(values), "median": round(statistics.median(values), 2),
            "min": round(ordered[0], 2), "max": round(ordered[-1], 2),
            "p90": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 2)}


# --- 1-3: the real GUI process ---------------------------------------------------------------

def gui_runs(port: int, tmp: Path, runs: int, peer_pid: int,
             idle: tuple[float, float]) -> dict[str, Any]:
    starts: list[float] = []
    running: list[float] = []
    figures: dict[str, Any] = {}
    for run in range(runs):
        config = write_client_config(tmp / f"gui{run}", port, "101")
        gui = GuiProcess(config).start()
        try:
            gui.wait_for("registration", 20, state="registered")
            starts.append(1000 * (gui.event_time("registration", state="registered")
                                  - gui.started_at))
            running.append(1000 * (gui.event_time("engine_running") - gui.started_at))
            if run == 0:
                figures = idle_figures(gui, peer_pid, *idle)
        finally:
            gui.stop()
    return {"cold_start_ms": stats(starts), "runs_ms": [round(s, 1) for s in starts],
            "to_engine_running_ms": stats(running), **figures}


def idle_figures(gui: GuiProcess, peer_pid: int, settle: float, window: float) -> dict[str, Any]:
    """RSS after `settle` (3 s) idle, then CPU over `window` (10 s); the peer (a registered
    pjsua2 agent, idle too) over the same window, for a ratio."""
    pids = {"gui": gui.proc.pid, "engine": gui.engine_pid(), "peer_agent": peer_pid}
    time.sleep(settle)
    rss = {k: rss_kb(p) / 1024 for k, p in pids.items()}
    pss = {k: pss_kb(p) / 1024 for k, p in pids.items()}
    ours = ("gui", "engine")
    cpu0, t0 = {k: cpu_seconds(p) for k, p in pids.items()}, time.monotonic()
    time.sleep(window)
    wall = time.monotonic() - t0
    cpu = {k: 100 * (cpu_seconds(p) - cpu0[k]) / wall for k, p in pids.items()}
    return {
        "memory_rss_mb": {k: round(v, 1) for k, v in rss.items()},
        "memory_rss_total_mb": round(sum(rss[k] for k in ours), 1),
        "memory_pss_mb": {k: round(v, 1) for k, v in pss.items()},
        "memory_pss_total_mb": round(sum(pss[k] for k in ours), 1),
        "idle_cpu_pct": {k: round(v, 2) for k, v in cpu.items()},
        "idle_cpu_total_pct": round(sum(cpu[k] for k in ours), 2),
        "idle_window_s": round(wall, 1),
    }


def engine_cold_starts(port: int, runs: int) -> dict[str, Any]:
    """The bare engine (no GUI, no test audio: the same audio back end as under the GUI)."""
    starts: list[float] = []
    rss = 0.0
    for _ in range(runs):
        t0 = time.monotonic()
        engine = EngineProcess(test_audio=False, extra_args=["--log-level", "3"])
        try:
            engine.request("set_account", user="101", password="pw101",
                           server=f"127.0.0.1:{port}")
            engine.wait_event("registration", 20, state="registered")
            registered = next(e["t"] for e in engine.events if e["event"] == "registration"
                              and e["data"]["state"] == "registered")
            starts.append(1000 * (registered - t0))
            rss = rss_kb(engine.proc.pid) / 1024
        finally:
            engine.close()
    return {"cold_start_ms": stats(starts), "memory_rss_mb": round(rss, 1)}


# --- 4: click-to-ringing ---------------------------------------------------------------------

def ring_time(callee: Agent, since: int, t0: float) -> float:
    return 1000 * (callee.wait_for("incoming", 10, since=since)["mono"] - t0)


def engine_and_agent_calls(engine: EngineProcess, caller: Agent, callee: Agent, port: int,
                           count: int) -> dict[str, Any]:
    """Interleaved, so both see the same machine load."""
    via_engine: list[float] = []
    via_agent: list[float] = []
    for _ in range(count):
        mark = callee.mark()
        t0 = time.monotonic()
        call_id = engine.request("call", target="100")["call_id"]
        via_engine.append(ring_time(callee, mark, t0))
        engine.request("hangup", call_id=call_id)
        engine.wait_event("call", call_id=call_id, state="ended")
        callee.wait_for("call_state", since=mark, state="DISCONNECTED")
        time.sleep(0.2)

        mark = callee.mark()
        t0 = time.monotonic()
        caller.send(cmd="call", uri=f"sip:100@127.0.0.1:{port}")
        via_agent.append(ring_time(callee, mark, t0))
        caller.send(cmd="hangup")
        callee.wait_for("call_state", since=mark, state="DISCONNECTED")
        time.sleep(0.2)
    return {"engine_ms": stats(via_engine), "agent_ms": stats(via_agent)}


def gui_calls(callee: Agent, config: Path, count: int) -> dict[str, Any]:
    """The real client in bench/client_gui.py clicks Call; the callee says when it rang."""
    import subprocess

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-m", "bench.client_gui", str(config), str(count),
                           "100"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=90)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"client_gui gave no result:\n{done.stderr[-2000:]}")
    result = json.loads(lines[-1])
    if result["error"]:
        raise RuntimeError(f"client_gui: {result['error']}\n{done.stderr[-2000:]}")
    incoming = [e["mono"] for e in callee.events("incoming")]
    samples = result["samples"]
    click_to_ring = [1000 * (min(t for t in incoming if t > s["click"]) - s["click"])
                     for s in samples]
    return {"click_to_ringing_ms": stats(click_to_ring),
            "click_to_written_ms": stats([1000 * (s["written"] - s["click"]) for s in samples]),
            "click_returned_ms": stats([1000 * (s["queued"] - s["click"]) for s in samples])}


# --- 5: audio delay --------------------------------------------------------------------------

def audio_delay(engine: EngineProcess, port: int, tmp: Path, calls: int,
                seconds: float) -> dict[str, Any]:
    probe = ProbeProcess("probe", "probe", tmp)
    echo = ProbeProcess("echo", "echo", tmp)
    try:
        for agent, user in ((probe, "2000"), (echo, "2001")):
            agent.send(cmd="register", server=f"127.0.0.1:{port}", user=user,
                       password=f"pw{user}")
            agent.wait_for("reg_state", 10, code=200)
        per_call: dict[str, list[float]] = {"engine": [], "baseline": []}
        all_rtts: dict[str, list[list[float]]] = {"engine": [], "baseline": []}
        for _ in range(calls):
            for kind in ("baseline", "engine"):
                mark = engine.mark()
                target = "2001" if kind == "baseline" else "103"
                probe.send(cmd="probe", uri=f"sip:{target}@127.0.0.1:{port}", seconds=seconds)
                if kind == "engine":
                    call_id = engine.wait_event("call", since=mark, state="incoming")["call_id"]
                    engine.request("answer", call_id=call_id)
                rtts = probe.wait_for("probe", seconds + 20)["rtt_ms"]
                if kind == "engine":
                    engine.wait_event("call", call_id=call_id, state="ended")
                all_rtts[kind].append(rtts)
                if rtts:
                    per_call[kind].append(statistics.median(rtts))
                time.sleep(0.3)
    finally:
        probe.close()
        echo.close()
    engine_rtt, base_rtt = per_call["engine"], per_call["baseline"]
    added = (statistics.median(engine_rtt) - statistics.median(base_rtt)) / 2
    return {"round_trip_engine_ms": stats(engine_rtt),
            "round_trip_baseline_ms": stats(base_rtt),
            "one_way_added_ms": round(added, 1),
            "one_way_added_best_case_ms": round((min(engine_rtt) - min(base_rtt)) / 2, 1),
            "round_trips_each_burst_ms": all_rtts}


# --- report ----------------------------------------------------------------------------------

def table(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    gui, eng, click, audio = r["gui"], r["engine"], r["click_to_ringing"], r["audio"]
    rows: list[tuple[str, str, str, str]] = []

    def row(name: str, value: float | None, unit: str, target: str | None = None,
            ok: bool | None = None) -> None:
        shown = "-" if value is None else f"{value:.1f} {unit}"
        rows.append((name, shown, target or "-", "-" if ok is None else ("yes" if ok else "NO")))

    t = TARGETS
    cold = gui["cold_start_ms"]["median"]
    row("cold start to registered, GUI (median)", cold, "ms", f"< {t['cold_start_ms']:.0f} ms",
        cold < t["cold_start_ms"])
    row("  ... to engine running", gui["to_engine_running_ms"]["median"], "ms")
    row("  bare engine (reference)", eng["cold_start_ms"]["median"], "ms")
    mem = gui["memory_rss_total_mb"]
    row("memory idle, GUI + engine RSS", mem, "MB", f"< {t['memory_mb']:.0f} MB",
        mem < t["memory_mb"])
    row("  PSS (shared pages once)", gui["memory_pss_total_mb"], "MB")
    cpu = gui["idle_cpu_total_pct"]
    row("idle CPU, GUI + engine", cpu, "%", f"< {t['idle_cpu_pct']:.0f} %",
        cpu < t["idle_cpu_pct"])
    row("  engine alone", gui["idle_cpu_pct"]["engine"], "%")
    row("  pjsua2 agent, registered (peer)", gui["idle_cpu_pct"]["peer_agent"], "%")
    row("  memory of that peer (RSS)", gui["memory_rss_mb"]["peer_agent"], "MB")
    c = click["gui"]["click_to_ringing_ms"]["median"]
    row("click-to-ringing, GUI (median)", c, "ms", f"< {t['click_to_ringing_ms']:.0f} ms",
        c < t["click_to_ringing_ms"])
    row("  GUI click -> request written", click["gui"]["click_to_written_ms"]["median"], "ms")
    row("  engine request -> callee incoming", click["engine_ms"]["median"], "ms")
    row("  pjsua2 agent -> callee incoming (peer)", click["agent_ms"]["median"], "ms")
    row("  ratio GUI / peer", click["ratio_gui_to_agent"], "x")
    row("  ratio engine / peer", click["ratio_engine_to_agent"], "x")
    a = audio["one_way_added_ms"]
    row("audio delay added one way (median)", a, "ms",
        f"< {t['audio_one_way_added_ms']:.0f} ms", a < t["audio_one_way_added_ms"])
    row("  round trip via engine loopback", audio["round_trip_engine_ms"]["median"], "ms")
    row("  round trip via pjsua2 auto-loop (peer)", audio["round_trip_baseline_ms"]["median"],
        "ms")
    row("  added one way, best calls", audio["one_way_added_best_case_ms"], "ms")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=3, help="cold starts of each")
    parser.add_argument("--calls", type=int, default=10, help="calls per caller")
    parser.add_argument("--audio-calls", type=int, default=4, help="probe calls to each far end")
    parser.add_argument("--probe-seconds", type=float, default=6.0)
    parser.add_argument("--settle-seconds", type=float, default=3.0,
                        help="idle before memory is read")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="idle CPU window")
    args = cli.parse(parser, "client", smoke={
        "starts": 1, "calls": 1, "audio_calls": 1, "probe_seconds": 2.5,
        "settle_seconds": 0.5, "idle_seconds": 1.0})
    began = time.monotonic()
    load_start = os.getloadavg()
    print(f"client benchmark: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {load_start[0]:.2f}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="bench-client-"))
    port = free_port()
    config = write_config(tmp / "pbx.toml", sip_port=port, rtp_base=30000 + (port % 50) * 400,
                          extra_users=2)
    pbx = PbxProcess(config, tmp / "pbx-data", sip_port=port).start()
    agents: list[Agent] = []
    report: dict[str, Any] = {}
    try:
        callee, caller = Agent("a100", log_dir=tmp, log_level=3), Agent("a102", log_dir=tmp,
                                                                       log_level=3)
        agents += [callee, caller]
        for agent, user in ((callee, "100"), (caller, "102")):
            agent.send(cmd="register", server=f"127.0.0.1:{port}", user=user,
                       password=f"pw{user}")
            agent.wait_for("reg_state", 10, code=200)
        report["gui"] = gui_runs(port, tmp, args.starts, callee._proc.pid,
                                 (args.settle_seconds, args.idle_seconds))
        print("cold start, memory, idle CPU: done", flush=True)
        report["engine"] = engine_cold_starts(port, args.starts)
        audio_dir = tmp / "engine-audio"
        audio_dir.mkdir()
        (audio_dir / "loopback").touch()   # softphone.engine.audiodev.FileBackend
        engine = EngineProcess(audio_dir, extra_args=["--log-level", "3"])
        try:
            engine.request("set_account", user="103", password="pw103",
                           server=f"127.0.0.1:{port}")
            engine.wait_event("registration", 20, state="registered")
            click = engine_and_agent_calls(engine, caller, callee, port, args.calls)
            print("click-to-ringing via engine and peer: done", flush=True)
            report["audio"] = audio_delay(engine, port, tmp, args.audio_calls,
                                          args.probe_seconds)
            print("audio delay: done", flush=True)
        finally:
            engine.close()
        click["gui"] = gui_calls(callee, write_client_config(tmp / "click", port, "101"),
                                 args.calls)
        agent_ms = click["agent_ms"]["median"]
        click["ratio_gui_to_agent"] = round(click["gui"]["click_to_ringing_ms"]["median"]
                                            / agent_ms, 2)
        click["ratio_engine_to_agent"] = round(click["engine_ms"]["median"] / agent_ms, 2)
        report["click_to_ringing"] = click
    finally:
        for agent in agents:
            agent.close()
        pbx.stop()
    rows = table(report)
    widths = [max(len(r[i]) for r in [("measure", "value", "target", "met"), *rows])
              for i in range(4)]
    for r in [("measure", "value", "target", "met"), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)))
    result = {
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "loadavg_at_start": load_start,
                    "loadavg_at_end": os.getloadavg()},
        "targets": TARGETS,
        "table": [dict(zip(("measure", "value", "target", "met"), r, strict=True))
                  for r in rows],
        **report,
        "elapsed_s": round(time.monotonic() - began, 1),
    }
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"in {result['elapsed_s']} s")
    cli.write_results(args, "client", result)


if __name__ == "__main__":
    main()
