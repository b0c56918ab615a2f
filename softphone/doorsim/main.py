"""`python -m softphone.doorsim`: the door station simulator's command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from aiohttp import web

from softphone.doorsim.camera import Camera
from softphone.doorsim.server import DoorStation, RelayConfig


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="softphone-doorsim", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090, help="0 picks a free port")
    p.add_argument("--fps", type=float, default=15.0, help="camera frame rate")
    p.add_argument("--jpeg-quality", type=int, default=80)
    p.add_argument("--relay-user", default="door")
    p.add_argument("--relay-password", default="opensesame")
    p.add_argument("--open-seconds", type=float, default=3.0,
                   help="how long the relay stays open")
    args = p.parse_args(argv)
    if args.fps <= 0:
        p.error("--fps must be positive")
    if args.open_seconds.is_integer():
        args.open_seconds = int(args.open_seconds)
    return args


async def serve(args: argparse.Namespace) -> None:
    station = DoorStation(
        Camera(fps=args.fps, quality=args.jpeg_quality),
        RelayConfig(user=args.relay_user, password=args.relay_password,
                    open_seconds=args.open_seconds))
    runner = web.AppRunner(station.make_app(), access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    port = runner.addresses[0][1] if runner.addresses else args.port
    station.emit("ready", host=args.host, port=port, fps=args.fps)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        station.emit("stopped")


def main(argv: list[str] | None = None) -> int:
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
