"""The door station's SIP options on the command line, checked with clear messages."""

from __future__ import annotations

import argparse
import wave
from pathlib import Path

from softphone.doorsim.dtmf import check_code
from softphone.doorsim.sip import SipConfig

TRANSPORTS = ("udp", "tcp", "tls")


def add_sip_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("SIP (the bell's call; without --sip-server: HTTP only)")
    g.add_argument("--sip-server", metavar="HOST[:PORT]",
                   help="the SIP server (registrar) to register at, e.g. 127.0.0.1:5060")
    g.add_argument("--sip-user", metavar="NUMBER", help="the door's extension, e.g. 150")
    g.add_argument("--sip-password", default="", help="the door's SIP password")
    g.add_argument("--sip-transport", choices=TRANSPORTS, default="udp")
    g.add_argument("--sip-bind", default="", metavar="ADDR",
                   help="address for SIP and RTP (default: loopback for a server on "
                        "loopback, else all)")
    g.add_argument("--sip-retry", type=int, default=30, metavar="SECONDS",
                   help="seconds between registration attempts after a failure")
    g.add_argument("--sip-log", type=Path, metavar="FILE",
                   help="pjsip's log (default: none; stdout stays quiet)")
    g.add_argument("--sip-log-level", type=int, metavar="N",
                   help="pjsip's log level 0-6 (default 4 with --sip-log, else 0)")
    g.add_argument("--call", default="210", metavar="NUMBER",
                   help="what the bell calls: a user or a ring group (default 210)")
    g.add_argument("--ring-timeout", type=float, default=30.0, metavar="SECONDS",
                   help="an unanswered call ends after this long (default 30)")
    g.add_argument("--dtmf-code", default="*1",
                   help="keys that open the door during a call (default *1)")
    g.add_argument("--dtmf-reset", type=float, default=3.0, metavar="SECONDS",
                   help="keys typed so far are dropped after a pause this long")
    g.add_argument("--decline-calls", action="store_true",
                   help="refuse calls to the door (default: answer them at once, as door "
                        "stations do, so someone can look and talk before opening)")
    g.add_argument("--visitor-audio", type=Path, metavar="FILE.wav",
                   help="the visitor's voice, looped (16-bit PCM mono WAV); default a "
                        "steady 700 Hz tone")


def check_wav(path: Path) -> None:
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                raise ValueError(f"--visitor-audio {path}: needs 16-bit PCM mono, got "
                                 f"{8 * wav.getsampwidth()}-bit, {wav.getnchannels()} channels")
    except (OSError, EOFError, wave.Error) as exc:
        raise ValueError(f"--visitor-audio {path}: not a readable WAV file ({exc})") from exc


def sip_config(args: argparse.Namespace) -> SipConfig | None:
    """The SIP configuration from the arguments, None without --sip-server; ValueError
    saying what is wrong."""
    if not args.sip_server:
        if args.sip_user:
            raise ValueError("--sip-user needs --sip-server")
        return None
    if not args.sip_user:
        raise ValueError("--sip-server needs --sip-user (the door's extension)")
    if args.ring_timeout <= 0:
        raise ValueError("--ring-timeout must be positive")
    if args.dtmf_reset <= 0:
        raise ValueError("--dtmf-reset must be positive")
    if args.sip_retry < 1:
        raise ValueError("--sip-retry must be at least 1")
    code = check_code(args.dtmf_code)
    level = args.sip_log_level
    if level is None:
        level = 4 if args.sip_log else 0
    if args.visitor_audio is not None:
        check_wav(args.visitor_audio)
    return SipConfig(
        server=args.sip_server, user=args.sip_user, password=args.sip_password,
        transport=args.sip_transport, target=args.call, ring_timeout=args.ring_timeout,
        dtmf_code=code, dtmf_reset=args.dtmf_reset,
        visitor_audio=args.visitor_audio.resolve() if args.visitor_audio else None,
        bind=args.sip_bind, retry_interval=args.sip_retry, log_level=level,
        answer_calls=not args.decline_calls)
