"""bench/conference.py --smoke runs end to end (a real daemon, SIP and RTP): it mixes its
participants, measures the delay it adds and writes its figures. Speed is not judged here
(benchmarks never fail a test run on a machine's speed); that it works is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_conference_benchmark_smoke_run(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "conference.py"), "--smoke",
                           "--results-dir", str(tmp_path)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "targets: >= 100 participants" in proc.stdout
    figures = json.loads((tmp_path / "conference.json").read_text())
    assert figures["smoke"] is True
    steps = figures["steps"]
    assert steps[0]["participants"] == 10
    # Every participant's packets came back from the mix, and the speakers' loud frames
    # reached the other nine of their room (a delay was measured).
    assert steps[0]["loss_pct"] < 5 and steps[0]["delay_ms_median"] is not None
    assert figures["floor"]["delay_ms_median"] is not None
