"""Every benchmark in turn: ``python -m bench [--smoke]`` (``make bench``, ``make bench-smoke``).

The benchmarks are found by bench/cli.py's entry_scripts(); each runs as its own process,
one after the other (they measure the machine, so never two at once). A failing one does
not stop the others; the exit code says whether all passed.
"""

from __future__ import annotations

import subprocess
import sys

from bench.cli import entry_scripts


def main(argv: list[str]) -> int:
    failed = []
    for script in entry_scripts():
        print(f"=== {script.stem} {' '.join(argv)}".rstrip(), flush=True)
        if subprocess.run([sys.executable, str(script), *argv], check=False).returncode:
            failed.append(script.stem)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
