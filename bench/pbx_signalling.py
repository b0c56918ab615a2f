"""Signalling capacity of our PBX beside Kamailio, both on one core, driven by sipp.

    .venv/bin/python bench/pbx_signalling.py [--step-seconds 8] [--max-steps 6] [--users 300]
    .venv/bin/python bench/pbx_signalling.py --smoke [--results-dir DIR]   # seconds

(a) Authenticated REGISTER/s: sipp cycles through N users doing REGISTER, 401, REGISTER with
    MD5 digest, 200 (tests/interop/scenarios/register.xml).
(b) Call setups/s: INVITE, 407, ACK, INVITE with credentials, 180, 200 with SDP, ACK, BYE, 200
    from a sipp UAC (bench users as callers) to a registered sipp UAS (uac_call.xml and
    uas_answer.xml). Through our PBX each call is a B2BUA call with relay ports allocated;
    through Kamailio it is record-routed proxying without media (the reference).
Each load ramps its rate (geometric steps, each ~step-seconds long, all bounded in count and
time) until calls fail, the server no longer keeps up with the offered rate, or the rate
stops rising; one more step then bisects between the last rate kept up with and that one.
Steps marked "*" are those bisecting steps; ">=" marks a figure the ladder capped. The
server runs on core 0 and every sipp on core 1. Each step also gives the server's CPU time
per successful call (/proc), which other load on the machine changes least. Prints a table
and writes bench/results/pbx_signalling.json. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import cli  # noqa: E402
from bench.servers import REALM, KamailioServer, PbxServer  # noqa: E402
from tests.helpers.sipp import Sipp, SippResult, User, start_callee, write_users  # noqa: E402

TARGETS = {"register_per_s": 3000.0, "calls_per_s": 300.0}
SERVER_CPU, SIPP_CPU = 0, 1
REGISTER_RATES = (500, 1000, 2000, 4000, 8000, 12000)
CALL_RATES = (50, 100, 200, 400, 800, 1600)
CALLEE = User("101", "pw101")
Server = PbxServer | KamailioServer
MAX_FAILED = 0.005  # a step with more than 0.5 % failed calls ends the ramp
KEEP_UP = 0.9  # ... and so does one whose sustained rate is below 90 % of the offered rate
TOTAL_BUDGET_S = 300.0
REFINE_STEPS = 1  # bisecting steps where a ramp stops (see ramp)


def sustained_rate(result: SippResult) -> float:
    """Mean per-second successful calls, leaving out the first and the last (partial) period."""
    rates = result.stats.period_rates()
    middle = rates[1:-1] if len(rates) > 3 else rates
    return statistics.fmean(middle) if middle else 0.0


def step_record(rate: int, result: SippResult, cpu_s: float,
                extra: dict[str, object]) -> dict[str, object]:
    """One step's figures; ``cpu_s`` is the server's CPU time during the step."""
    stats = result.stats
    # Calls still open when sipp's global timeout ended the step count as failed too.
    unfinished = max(0, stats.created - stats.successful - stats.failed)
    failed_ratio = (stats.failed + unfinished) / stats.created if stats.created else 1.0
    return {
        "offered_per_s": rate, "sustained_per_s": round(sustained_rate(result), 1),
        "created": stats.created, "successful": stats.successful, "failed": stats.failed,
        "unfinished": unfinished, "failed_ratio": round(failed_ratio, 5),
        "retransmissions": stats.retransmissions, "sipp_exit": result.returncode,
        "server_cpu_us": round(cpu_s * 1e6 / stats.successful) if stats.successful else None,
        **extra,
    }


def _number(value: object) -> float:
    assert isinstance(value, int | float), value
    return float(value)


def ramp(name: str, rates: tuple[int, ...], run_step: Callable[[int], dict[str, object]],
         max_steps: int, deadline: float,
         restart: Callable[[], None] = lambda: None) -> dict[str, object]:
    """Run ``run_step(rate)`` at rising rates; the best sustained rate without failures wins.

    Where the ramp stops, REFINE_STEPS more steps bisect between the last rate that was
    kept up with and the first that was not: with doubling steps alone a server that keeps
    up with 3,500/s but collapses under the retransmissions of 4,000/s was reported at
    2,000/s. ``restart()`` gives each bisecting step a fresh server (an overloaded step
    leaves transactions and ringing calls behind). ``capped`` says the ladder ran out
    before the server did (a lower bound).
    """
    steps: list[dict[str, object]] = []
    best = 0.0
    kept_up: int | None = None   # the highest rate kept up with
    stopped: int | None = None   # the rate the ramp stopped at
    ladder = rates[:max_steps]

    def run(rate: int, label: str = "") -> tuple[bool, bool]:
        """(no failures, kept up) for one step at ``rate``."""
        nonlocal best
        step = run_step(rate)
        if label:
            step["refinement"] = True
        steps.append(step)
        retrans, created = _number(step["retransmissions"]), _number(step["created"])
        print(f"  {name:<22} offered {rate:>6}/s{label:<2} sustained "
              f"{step['sustained_per_s']:>8}/s  failed {step['failed']:>5}  retrans {retrans:>6.0f}"
              f" ({retrans / created if created else 0:.0%})  server CPU "
              f"{step.get('server_cpu_us') or '-':>5} us each", flush=True)
        ok = _number(step["failed_ratio"]) <= MAX_FAILED and step.get("error") is None
        sustained = _number(step["sustained_per_s"])
        rising = sustained > best * 1.05
        if ok:
            best = max(best, sustained)
        return ok, ok and sustained >= KEEP_UP * rate and rising

    for rate in ladder:
        if time.monotonic() > deadline:
            steps.append({"offered_per_s": rate, "skipped": "time budget used up"})
            break
        if run(rate)[1]:
            kept_up = rate
            continue
        stopped = rate
        break
    for _ in range(REFINE_STEPS):
        if kept_up is None or stopped is None or time.monotonic() > deadline:
            break
        rate = int(round((kept_up + stopped) / 2, -1))
        if not kept_up < rate < stopped:
            break
        restart()
        if run(rate, " *")[1]:
            kept_up = rate
        else:
            stopped = rate
    capped = stopped is None and kept_up == ladder[-1]
    return {"best_per_s": round(best, 1), "capped": capped, "steps": steps}


def register_step(server: Server, workdir: Path, users: Path, seconds: float,
                  rate: int) -> dict[str, object]:
    sipp = Sipp("register.xml", server.target, workdir, name=f"{server.name}-register-{rate}",
                users=users, calls=int(rate * seconds), rate=rate, timeout=seconds + 6,
                timeout_is_error=False, keys={"domain": REALM, "expires": "3600"},
                auth_uri=REALM, stats_period_s=1, trace_messages=False, cpu=SIPP_CPU,
                max_open_calls=max(200, rate))
    cpu = server.cpu_seconds()
    result = sipp.run()
    cpu = server.cpu_seconds() - cpu
    extra: dict[str, object] = {}
    if result.md5_refused:
        extra["error"] = "first challenge not MD5: sipp cannot authenticate"
    return step_record(rate, result, cpu, extra)


def call_step(server: Server, workdir: Path, users: Path, seconds: float,
              rate: int) -> dict[str, object]:
    calls = int(rate * seconds)
    name = f"{server.name}-calls-{rate}"
    # Always the same port: a new binding per step would have the PBX fork every call to the
    # dead UAS of earlier steps too.
    try:
        uas = start_callee("uas_answer.xml", server.target, workdir, CALLEE, domain=REALM,
                           name=f"{name}-uas", calls=calls, timeout=seconds + 8, expires=3600,
                           cpu=SIPP_CPU, trace_messages=False, port=server.uas_port)
    except AssertionError as exc:
        first = str(exc).split("received '", 1)[-1].split("\n", 1)[0]
        return {"offered_per_s": rate, "sustained_per_s": 0.0, "created": 0, "successful": 0,
                "failed": 0, "failed_ratio": 1.0, "retransmissions": 0,
                "error": f"callee could not register: {first}"}
    uac = Sipp("uac_call.xml", server.target, workdir, name=f"{name}-uac", users=users,
               calls=calls, rate=rate, timeout=seconds + 6, timeout_is_error=False,
               keys={"domain": REALM, "callee": CALLEE.number},
               auth_uri=f"{CALLEE.number}@{server.target}", stats_period_s=1,
               trace_messages=False, cpu=SIPP_CPU, max_open_calls=max(100, rate))
    cpu = server.cpu_seconds()
    result = uac.run()
    cpu = server.cpu_seconds() - cpu
    uas.stop()
    extra: dict[str, object] = {}
    if result.md5_refused:
        extra["error"] = "first challenge not MD5: sipp cannot authenticate"
    return step_record(rate, result, cpu, extra)


def measure(start: Callable[[str], Server], workdir: Path, users: Path,
            args: argparse.Namespace, deadline: float) -> dict[str, object]:
    """Both ramps, each against a fresh server: a load's aftermath (transactions still held
    for Timer J, 32 s; calls of an overloaded step still ringing) must not count against the
    next load, nor against the bisecting step that follows an overloaded one."""
    results: dict[str, object] = {}
    for load, rates, step in (("register", REGISTER_RATES, register_step),
                              ("calls", CALL_RATES, call_step)):
        results[load], results[f"{load}_server_exit"] = measure_load(
            lambda load=load: start(load), rates,  # type: ignore[misc]
            lambda server, rate, step=step: step(  # type: ignore[misc]
                server, workdir, users, args.step_seconds, rate),
            load, args.max_steps, deadline)
    return results


def measure_load(start: Callable[[], Server], rates: tuple[int, ...],
                 step: Callable[[Server, int], dict[str, object]], load: str, max_steps: int,
                 deadline: float) -> tuple[dict[str, object], int]:
    """One ramp; returns its results and the worst exit code of the servers it used."""
    current = [start()]
    exits: list[int] = []
    name = current[0].name
    print(f"{name} on {current[0].target} (core {SERVER_CPU}), sipp on core {SIPP_CPU}")

    def restart() -> None:
        exits.append(current[0].stop())
        current[0] = start()

    try:
        result = ramp(f"{name} {load}", rates, lambda rate: step(current[0], rate), max_steps,
                      deadline, restart)
    finally:
        exits.append(current[0].stop())
    return result, max(exits, key=abs)


def cpu_cost(ramp_result: dict[str, Any]) -> int | None:
    """Server CPU time per successful call: the least of a ramp's steps without failures,
    where a server's background work (timers, Kamailio's idle processes) is spread thinnest."""
    costs = [step["server_cpu_us"] for step in ramp_result["steps"]
             if step.get("server_cpu_us") and step.get("error") is None
             and step["failed_ratio"] <= MAX_FAILED]
    return min(costs) if costs else None


def ratio(ours: float, reference: float) -> float | None:
    return round(ours / reference, 3) if reference else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--step-seconds", type=float, default=8.0)
    parser.add_argument("--max-steps", type=int, default=6)
    parser.add_argument("--users", type=int, default=300, help="distinct REGISTER users")
    parser.add_argument("--kamailio-children", type=int, default=1)
    args = cli.parse(parser, "pbx_signalling", argv=argv,
                     smoke={"step_seconds": 3.0, "max_steps": 1, "users": 10})
    started = time.monotonic()
    deadline = started + TOTAL_BUDGET_S
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="pbx-signalling-") as tmp:
        workdir = Path(tmp)
        bench_users = [User(str(2000 + i), f"pw{2000 + i}") for i in range(args.users)]
        users = write_users(workdir / "users.csv", bench_users)
        print("The PBX offers MD5 first here (sip.digest_algorithms): sipp 3.6 answers only "
              "the first challenge, and only MD5.")
        # Kamailio first: its figures are the reference the PBX is compared with.
        results["kamailio"] = measure(
            lambda load: KamailioServer(workdir / f"kamailio-{load}", SERVER_CPU,
                                        args.kamailio_children),
            workdir, users, args, deadline)
        results["pbx"] = measure(
            lambda load: PbxServer(workdir / f"pbx-{load}", args.users, SERVER_CPU),
            workdir, users, args, deadline)
    report = summarize(results, args, time.monotonic() - started)
    cli.write_results(args, "pbx_signalling", report)
    return 0


def summarize(results: dict[str, Any], args: argparse.Namespace,
              seconds: float) -> dict[str, object]:
    def best(server: str, load: str) -> float:
        return float(results[server][load]["best_per_s"])

    def shown(server: str, load: str) -> str:
        # ">=": the ladder ended before the server stopped keeping up.
        mark = ">=" if results[server][load].get("capped") else ""
        return f"{mark}{best(server, load):.0f}"

    rows = []
    # A smoke run's figures are those of its lowest step: no target applies to them.
    head = "" if args.smoke else f"{'target':>9}  meets"
    print(f"\n{'load':<34}{'PBX':>10}{'Kamailio':>10}{'ratio':>8}{head}")
    for load, key, label in (("register", "register_per_s", "authenticated REGISTER/s"),
                             ("calls", "calls_per_s", "call setups/s (INVITE..BYE)")):
        ours, ref = best("pbx", load), best("kamailio", load)
        row = {"load": key, "pbx": ours, "kamailio": ref, "ratio": ratio(ours, ref),
               "target": TARGETS[key], "meets_target": ours >= TARGETS[key]}
        rows.append(row)
        row["kamailio_capped_by_ladder"] = bool(results["kamailio"][load].get("capped"))
        target = "" if args.smoke else \
            f"{TARGETS[key]:>9.0f}  {'yes' if row['meets_target'] else 'NO'}"
        print(f"{label:<34}{shown('pbx', load):>10}{shown('kamailio', load):>10}"
              f"{row['ratio'] or 0:>8.2f}{target}")
    for load, label in (("register", "CPU us/REGISTER"),
                        ("calls", "CPU us/call")):
        cost = {server: cpu_cost(results[server][load]) for server in ("pbx", "kamailio")}
        rows.append({"load": f"{load}_cpu_us", **cost,
                     "ratio": ratio(cost["pbx"] or 0, cost["kamailio"] or 0)})
        print(f"{label + ' (lower=better)':<34}{cost['pbx'] or '-':>10}"
              f"{cost['kamailio'] or '-':>10}{rows[-1]['ratio'] or 0:>8.2f}")
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "setup": {"server_cpu": SERVER_CPU, "sipp_cpu": SIPP_CPU, "users": args.users,
                  "step_seconds": args.step_seconds, "max_steps": args.max_steps,
                  "kamailio_children": args.kamailio_children,
                  "pbx_digest_algorithms": ["MD5", "SHA-256"]},
        "summary": rows, "details": results, "wall_seconds": round(seconds, 1),
    }


if __name__ == "__main__":
    sys.exit(main())
