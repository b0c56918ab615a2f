"""bench/cli.py: what --smoke changes, where results go, which scripts are benchmarks."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench import cli


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=8.0)
    return cli.parse(parser, "demo", smoke={"calls": 2, "seconds": 0.5}, argv=list(argv))


def test_a_full_run_keeps_the_defaults_and_writes_bench_results() -> None:
    args = parse()
    assert (args.smoke, args.calls, args.seconds) == (False, 100, 8.0)
    assert args.output == cli.RESULTS / "demo.json"


def test_smoke_scales_down_and_never_writes_over_a_full_run() -> None:
    args = parse("--smoke")
    assert (args.smoke, args.calls, args.seconds) == (True, 2, 0.5)
    assert args.output == cli.RESULTS / "smoke" / "demo.json"


def test_an_option_given_wins_over_the_smoke_default(tmp_path: Path) -> None:
    args = parse("--smoke", "--calls", "7", "--output", str(tmp_path / "x.json"))
    assert (args.calls, args.seconds, args.output) == (7, 0.5, tmp_path / "x.json")


def test_the_benchmarks_are_the_scripts_no_other_bench_module_names() -> None:
    names = {p.stem for p in cli.entry_scripts()}
    assert {"client", "door", "pbx_signalling", "presence", "rtp_relay"} <= names
    # Started by a benchmark (python -m bench.client_probe) or imported by one.
    assert not names & {"client_probe", "client_gui", "presence_filter", "presence_clients",
                        "client_procs", "servers", "cli"}
