"""`softphone-pbx`: the command line of the PBX daemon."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from softphone import __version__
from softphone.pbx.config import ConfigError, load_config
from softphone.pbx.logsetup import FLUSH_INTERVAL, buffered_stderr, setup_logging
from softphone.pbx.server import Pbx

log = logging.getLogger("softphone.pbx")

EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="softphone-pbx",
        description="Office PBX: SIP registrar and B2BUA with anchored media.",
    )
    p.add_argument("--config", type=Path, help="TOML configuration (default: the embedded demo)")
    p.add_argument("--data-dir", type=Path, default=Path("data/pbx"),
                   help="where registrations and call history are kept (default: %(default)s)")
    p.add_argument("--sip-port", type=int, help="SIP port, overriding the configuration")
    p.add_argument("--api-port", type=int,
                   help="client API port, overriding the configuration (0: any free port)")
    p.add_argument("--log-format", choices=("text", "json"), default="text")
    p.add_argument("--check-config", type=Path, metavar="FILE",
                   help="validate FILE, print what is wrong, exit 0 (valid) or 2")
    p.add_argument("--version", action="version", version=f"softphone-pbx {__version__}")
    return p


async def _serve(pbx: Pbx, flush_log: Callable[[], None]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def flush() -> None:
        flush_log()
        timer[0] = loop.call_later(FLUSH_INTERVAL, flush)

    timer = [loop.call_later(FLUSH_INTERVAL, flush)]
    try:
        await pbx.start()
        flush_log()  # "ready" without delay: tests and supervisors wait for it
        await stop.wait()
    finally:
        try:
            await pbx.stop()
        finally:
            timer[0].cancel()
            flush_log()


def tune_gc() -> None:
    """Full (generation 2) collections 10 times rarer than CPython's default.

    The transaction table holds ~20,000 transactions of ~20 tracked objects each, and at
    2,000 REGISTER/s a full collection walked those 400,000 objects about once a second:
    GC took 13-17 % of the daemon's CPU, 5-6 % with this (measured in-process, 20,000
    registrations). Cyclic garbage (finished calls) still goes at the next full collection.
    """
    gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(gen0, gen1, gen2 * 10)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.check_config is not None:
        try:
            cfg = load_config(args.check_config)
        except ConfigError as err:
            print(f"softphone-pbx: {err}", file=sys.stderr)
            return EXIT_CONFIG
        counts = ((len(cfg.users()), "extension"), (len(cfg.ring_groups), "ring group"),
                  (len(cfg.doors), "door"), (len(cfg.conferences), "conference room"))
        print(f"{args.check_config}: OK, " +
              ", ".join(f"{n} {what}{'' if n == 1 else 's'}" for n, what in counts))
        return 0
    log_stream = buffered_stderr()
    setup_logging(args.log_format, stream=log_stream)
    try:
        config = load_config(args.config)
    except ConfigError as err:
        print(f"softphone-pbx: {err}", file=sys.stderr)
        return EXIT_CONFIG
    for name, port in (("--sip-port", args.sip_port), ("--api-port", args.api_port)):
        if port is not None and not 0 <= port < 65536:
            print(f"softphone-pbx: {name}: {port} is not a port number", file=sys.stderr)
            return EXIT_CONFIG
    if args.api_port is not None:
        config = dataclasses.replace(config, api=dataclasses.replace(config.api,
                                                                     port=args.api_port))
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    tune_gc()
    pbx = Pbx(config, args.data_dir, args.sip_port)
    try:
        asyncio.run(_serve(pbx, log_stream.flush))
    except OSError as exc:
        print(f"softphone-pbx: cannot listen: {exc}", file=sys.stderr)
        return 1
    finally:
        log_stream.flush()  # what the loop's shutdown logged (the handler never flushes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
