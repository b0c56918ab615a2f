"""The command line every benchmark shares: ``--smoke``, ``--output`` and its results file.

A benchmark is a bench/*.py with a ``__main__`` block that no other bench module names as
``bench.<name>`` (those are a benchmark's own modules and helper processes).
:func:`entry_scripts` finds them for ``python -m bench`` (``make bench``) and for
tests/integration/test_benchmarks.py, so a new one cannot be left out of either.

``--smoke`` runs the same code paths with a tiny load in seconds: it shows the benchmark
still works (``make test`` runs every one that way), its figures mean nothing. Its results
go to bench/results/smoke/NAME.json unless ``--output`` says otherwise, never over a full
run's bench/results/NAME.json.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
_MAIN = re.compile(r"^if __name__ == .__main__.:", re.MULTILINE)


def entry_scripts() -> list[Path]:
    """Every benchmark a user runs, by name."""
    modules = {p: p.read_text() for p in sorted(BENCH.glob("*.py")) if not p.name.startswith("_")}

    def named_elsewhere(path: Path) -> bool:
        mention = re.compile(rf"\bbench\.{path.stem}\b")
        return any(mention.search(text) for other, text in modules.items() if other != path)

    return [p for p, text in modules.items() if _MAIN.search(text) and not named_elsewhere(p)]


def parse(parser: argparse.ArgumentParser, name: str, smoke: dict[str, Any],
          argv: list[str] | None = None) -> argparse.Namespace:
    """Adds --smoke and --output to ``parser`` and parses; with --smoke the options in
    ``smoke`` default to those values instead (an option given explicitly still wins)."""
    parser.add_argument("--smoke", action="store_true",
                        help="a tiny load for a few seconds: checks that it works")
    parser.add_argument("--output", type=Path,
                        help=f"results file (default bench/results/{name}.json, "
                             f"with --smoke bench/results/smoke/{name}.json)")
    args = parser.parse_args(argv)
    if args.smoke:
        parser.set_defaults(**smoke)
        args = parser.parse_args(argv)
    if args.output is None:
        args.output = (RESULTS / "smoke" if args.smoke else RESULTS) / f"{name}.json"
    return args


def write_results(args: argparse.Namespace, name: str, result: dict[str, Any]) -> None:
    """Writes ``result`` (marked with the benchmark's name and whether it was a smoke run)
    to ``args.output`` and says where."""
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"benchmark": name, "smoke": args.smoke, **result},
                                      indent=2) + "\n")
    print(f"written to {args.output}", flush=True)
