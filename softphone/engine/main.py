"""``softphone-engine``: the telephony engine process (the composition root and the loop).

    softphone-engine --socket PATH [--log-file PATH] [--test-audio DIR]
                     [--bind ADDR] [--retry-interval SECONDS] [--log-level N]

It connects to the GUI's Unix socket (engine_protocol), sends a "ready" event, and runs
one loop on one thread: read requests (never blocking), libHandleEvents(10 ms), our own
timers, deleting pj objects that have lingered long enough.  It exits with 0 on the
"shutdown" request, SIGTERM/SIGINT, or when the socket closes (the GUI died).

``--test-audio DIR`` replaces the sound devices by files (see softphone.engine.audiodev):
DIR/mic.wav is the microphone (looped), DIR/speaker.wav and DIR/ringer.wav record what
would have been played.  Without it and with no sound device: null audio.
``--retry-interval`` is how long after a failed registration the next attempt starts
(default 30 s; tests use 2).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from softphone.common.resources import resource
from softphone.engine.account import AccountManager
from softphone.engine.audio import AudioBackend, AudioBridge, RingBuffer
from softphone.engine.audiodev import FileBackend, NullBackend, SoundDeviceBackend
from softphone.engine.calls import CallManager
from softphone.engine.commands import Engine
from softphone.engine.endpoint import EngineEndpoint, Graveyard
from softphone.engine.knock import Knocker
from softphone.engine.ringer import Ringer
from softphone.engine.server import Connection, Server

log = logging.getLogger("softphone.engine")
LOG_ROTATE_BYTES = 5 * 1024 * 1024


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="softphone-engine")
    parser.add_argument("--socket", required=True, help="the GUI's Unix socket to connect to")
    parser.add_argument("--log-file", help="pjsip's and our log (default: stderr)")
    parser.add_argument("--test-audio", type=Path, metavar="DIR",
                        help="use DIR/mic.wav, DIR/speaker.wav, DIR/ringer.wav as devices")
    parser.add_argument("--bind", default="", help="address for SIP and RTP (default: all)")
    parser.add_argument("--retry-interval", type=int, default=30,
                        help="seconds between registration attempts after a failure")
    parser.add_argument("--log-level", type=int, default=4, help="pjsip log level 0-6")
    return parser.parse_args(argv)


def redirect_output(log_file: str | None) -> None:
    """pjsip logs to fd 1 from libCreate on: fd 1 (and 2) go to the log file before."""
    if log_file:
        # One previous log is kept: enough for a bug report, never an ever-growing file.
        if os.path.exists(log_file) and os.path.getsize(log_file) > LOG_ROTATE_BYTES:
            os.replace(log_file, log_file + ".1")
        fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    else:
        os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")


def make_backend(args: argparse.Namespace, mic: RingBuffer, speaker: RingBuffer) -> AudioBackend:
    if args.test_audio is not None:
        args.test_audio.mkdir(parents=True, exist_ok=True)
        return FileBackend(args.test_audio, mic, speaker)
    try:
        import sounddevice  # the engine is the only importer (DESIGN.md, Layout)
    except OSError as exc:    # no PortAudio library at all
        log.warning("no PortAudio: %s; null audio", exc)
        return NullBackend()
    backend = SoundDeviceBackend(mic, speaker, sounddevice)
    return NullBackend() if backend.null_audio else backend


def build(args: argparse.Namespace, server: Server) -> Engine:
    """Compose the engine: every dependency is made here and passed in."""
    graveyard = Graveyard()
    endpoint = EngineEndpoint(bind=args.bind, log_level=args.log_level)
    mic, speaker = RingBuffer(), RingBuffer()
    backend = make_backend(args, mic, speaker)
    bridge = AudioBridge(backend, mic, speaker)
    bridge.create_port()
    ringer = Ringer(backend, resource("sounds", "ring.wav"))
    knocker = Knocker(bridge, resource("sounds", "knock.wav"))
    knocker.create_port()

    def alert() -> None:
        # After every change of any call: ring when idle, knock while talking; the
        # bridge's clock runs only while there are calls.
        endpoint.clock_bridge(bool(calls.calls))
        ringer.update(calls.ringing())
        knocker.update(calls.waiting())

    calls = CallManager(server.emit, bridge, graveyard, on_change=alert)
    accounts = AccountManager(endpoint, server.emit, graveyard, calls.incoming,
                              retry_interval=args.retry_interval)
    return Engine(endpoint, accounts, calls, bridge, ringer, knocker, graveyard, server.emit)


def run(engine: Engine, server: Server) -> None:
    while not engine.quitting and not server.conn.closed:
        server.poll(engine)
        engine.endpoint.handle_events(10)
        engine.accounts.poll()
        engine.graveyard.reap()
        server.conn.flush()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    redirect_output(args.log_file)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(args.socket)
    except OSError as exc:
        log.error("cannot connect to %s: %s", args.socket, exc)
        return 2
    server = Server(Connection(sock))
    engine = build(args, server)

    def stop(signum: int, frame: Any) -> None:
        engine.quitting = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.emit("ready", engine.ready())
    try:
        run(engine, server)
    finally:
        log.info("shutting down (%s)", "socket closed" if server.conn.closed else "request")
        engine.shutdown()
        server.conn.flush()
        server.conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
