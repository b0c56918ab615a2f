"""Every benchmark in bench/ runs in its --smoke mode and writes the figures it reports.

bench/client.py once broke unnoticed because no benchmark ran in the suite. Here each one
(found as ``python -m bench`` finds them: bench/cli.py's entry_scripts) runs as its own
process under this interpreter with ``--smoke`` (a tiny load, seconds, the same code paths
as a full run) and ``--output`` in a temp dir, so a full run's bench/results/NAME.json is
left alone. Speed is never asserted (smoke figures mean nothing; DESIGN.md: benchmarks are
not timed tests): only that it ended with exit code 0 and its results hold its figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.cli import entry_scripts

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = entry_scripts()
# One after the other on one worker, beside the rest of the suite on the other.
pytestmark = pytest.mark.xdist_group("benchmarks")

# What each benchmark measures: paths into its results JSON ("*": every item), each a
# positive number. A new benchmark needs its entry here (test_every_benchmark_is_checked).
FIGURES: dict[str, list[str]] = {
    "abuse": [
        *(f"{phase}.{path}" for phase in ("quiet", "flooded") for path in (
            "legitimate.calls", "pbx.before.rss_mb", "pbx.after.rss_mb", "pbx.before.fds",
            "pbx.after.fds")),
        "quiet.legitimate.success_pct", "flooded.floods.*.per_s",
    ],
    "client": [
        "gui.cold_start_ms.median", "gui.to_engine_running_ms.median",
        "gui.memory_rss_total_mb", "gui.memory_pss_total_mb", "engine.cold_start_ms.median",
        "click_to_ringing.gui.click_to_ringing_ms.median", "click_to_ringing.engine_ms.median",
        "click_to_ringing.agent_ms.median", "click_to_ringing.ratio_gui_to_agent",
        "audio.round_trip_engine_ms.median", "audio.round_trip_baseline_ms.median",
    ],
    "conference": ["steps.*.participants"],
    "door": [
        "frame_delay.direct.frames", "frame_delay.direct.p95_ms", "frame_delay.relay.frames",
        "frame_delay.relay.p95_ms", "frame_delay.ratio_p95", "bell_to_first_frame.median_ms",
        "bell_to_first_frame.ringing.median_ms",
    ],
    "pbx_signalling": [
        "details.*.register.steps.*.successful", "details.*.register.steps.*.sustained_per_s",
        "details.*.calls.steps.*.successful", "details.*.calls.steps.*.sustained_per_s",
    ],
    "presence": [
        "fanout.phases.*.changes", "fanout.phases.*.latency_ms.p99",
        "filter.keystroke_ms.all.p99", "filter.keystroke_ms.peer_all.p99",
    ],
    "shared_lines": [
        "notify.p99", "websocket.p99", "dialog_peer.p99", "ratio_notify_p99_to_dialog_peer",
    ],
    "srtp": [
        "relay_plain_us", "suites.*.rtp_protect_us", "suites.*.rtp_unprotect_us",
        "suites.*.relay_srtp_us", "suites.*.relay_ratio_to_plain",
    ],
    "rtp_relay": [
        "baseline_without_relay.received", "runs.*.received", "runs.*.relay_us_per_packet",
        "summary.asyncio.relay_us_per_packet_median",
        "summary.uvloop.relay_us_per_packet_median", "summary.uvloop_speedup_per_packet",
    ],
}
# Figures it reports that are numbers but may be 0 or below in a smoke run on a busy machine:
# differences, or the best rate of a ramp whose one step missed its pass criteria.
NUMBERS: dict[str, list[str]] = {
    "abuse": ["flooded.legitimate.success_pct", *(
        f"{phase}.{path}" for phase in ("quiet", "flooded")
        for path in ("legitimate.audio_loss_pct", "pbx.rss_growth_mb", "pbx.fd_growth"))],
    "client": ["gui.idle_cpu_total_pct", "audio.one_way_added_ms"],
    "conference": ["steps.*.loss_pct", "steps.*.p99_jitter_ms", "steps.*.delay_ms_median",
                   "floor.delay_ms_median", "max_participants_in_time"],
    "door": ["frame_delay.relay_added_median_ms"],
    "pbx_signalling": ["summary.*.pbx", "summary.*.kamailio"],
    "rtp_relay": ["summary.asyncio.max_calls_passing", "summary.uvloop.max_calls_passing"],
}


def figures(data: Any, path: str) -> list[Any]:
    """The values at ``path`` ("a.b.0.c", "*" for every item of a list or dict)."""
    key, _, rest = path.partition(".")
    if key == "*":
        items = list(data.values() if isinstance(data, dict) else data)
    else:
        items = [data[int(key)] if isinstance(data, list) else data[key]]
    return [v for item in items for v in (figures(item, rest) if rest else [item])]


def test_every_benchmark_is_checked() -> None:
    assert sorted(p.stem for p in SCRIPTS) == sorted(FIGURES)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_smoke_run_writes_its_figures(script: Path, tmp_path: Path) -> None:
    output = tmp_path / f"{script.stem}.json"
    done = subprocess.run([sys.executable, str(script), "--smoke", "--output", str(output)],
                          cwd=ROOT, capture_output=True, text=True, timeout=100)
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert f"written to {output}" in done.stdout
    result = json.loads(output.read_text())
    assert result["benchmark"] == script.stem
    for path in FIGURES.get(script.stem, []) + NUMBERS.get(script.stem, []):
        values = figures(result, path)
        assert values, f"{path}: nothing there"
        for value in values:
            assert isinstance(value, int | float), f"{path}: {value!r}"
            assert value > 0 or path in NUMBERS.get(script.stem, []), f"{path}: {value!r}"
