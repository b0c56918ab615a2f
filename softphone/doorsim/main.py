"""`python -m softphone.doorsim`: the door station simulator's command line.

    softphone-doorsim [--port 8090] [--sip-server HOST[:PORT] --sip-user 150
                      --sip-password SECRET [--sip-transport udp|tcp] [--call 210]
                      [--ring-timeout 30] [--dtmf-code *1] [--visitor-audio FILE.wav]]
    softphone-doorsim --press-bell [--port 8090]     # press a running station's bell

Without --sip-server the station serves HTTP only (camera, relay, bell). With it, it
registers at that SIP server and the bell calls --call; events are JSON lines on stderr.
The bell of a running station is also `curl -X POST http://127.0.0.1:8090/bell`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import urllib.error
import urllib.request
from pathlib import Path

from aiohttp import web

from softphone.doorsim.camera import Camera
from softphone.doorsim.server import DoorStation, RelayConfig, stderr_sink
from softphone.doorsim.sipargs import add_sip_arguments, sip_config


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="softphone-doorsim", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090, help="0 picks a free port")
    p.add_argument("--fps", type=float, default=15.0, help="camera frame rate")
    p.add_argument("--jpeg-quality", type=int, default=80)
    p.add_argument("--relay-user", default="door")
    p.add_argument("--relay-password", default="opensesame")
    p.add_argument("--open-seconds", type=float, default=3.0,
                   help="how long the relay stays open")
    p.add_argument("--press-bell", action="store_true",
                   help="press the bell of the station running at --host/--port, then exit")
    add_sip_arguments(p)
    args = p.parse_args(argv)
    if args.fps <= 0:
        p.error("--fps must be positive")
    if args.open_seconds.is_integer():
        args.open_seconds = int(args.open_seconds)
    try:
        args.sip = sip_config(args)
    except ValueError as exc:
        p.error(str(exc))
    return args


async def serve(args: argparse.Namespace) -> None:
    station = DoorStation(
        Camera(fps=args.fps, quality=args.jpeg_quality),
        RelayConfig(user=args.relay_user, password=args.relay_password,
                    open_seconds=args.open_seconds))
    sip = None
    if args.sip is not None:
        from softphone.doorsim.sip import DoorSip  # pjsua2 only when SIP is wanted

        sip = DoorSip(args.sip, station.emit, lambda by: station.open_door(by))
        await sip.start()
        station.on_bell = sip.ring
    runner = web.AppRunner(station.make_app(), access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    stop = asyncio.Event()
    try:
        await site.start()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        port = runner.addresses[0][1] if runner.addresses else args.port
        station.emit("ready", host=args.host, port=port, fps=args.fps,
                     sip=None if args.sip is None else {
                         "server": args.sip.server, "user": args.sip.user,
                         "transport": args.sip.transport, "call": args.sip.target})
        await stop.wait()
    finally:
        if sip is not None:
            await sip.stop()   # hang up and unregister while the loop still delivers events
        await runner.cleanup()
        station.emit("stopped")


def quiet_stdout(log: Path | None) -> None:
    """pjsip writes its log to fd 1 from libCreate on: point fd 1 at the log file (or at
    nothing), so stdout stays quiet and stderr carries only the JSON events."""
    fd = os.open(log if log is not None else os.devnull,
                 os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.close(fd)


def press_bell(host: str, port: int) -> int:
    url = f"http://{host}:{port}/bell"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=5):
            pass
    except (urllib.error.URLError, OSError) as exc:
        print(f"softphone-doorsim: cannot press the bell at {url}: {exc}")
        return 1
    print(f"rang the bell at {url}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.press_bell:
        return press_bell(args.host, args.port)
    if args.sip is not None:
        quiet_stdout(args.sip_log)
    try:
        asyncio.run(serve(args))
    except RuntimeError as exc:   # SIP could not be set up (e.g. no such transport)
        stderr_sink({"event": "sip_failed", "message": str(exc)})
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
