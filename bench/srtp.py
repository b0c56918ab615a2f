"""SRTP per-packet cost: protect/unprotect (RTP and RTCP) and the relay's decrypt+re-encrypt.

Everything runs in this process, one core, no load generator:
- crypto: ``SrtpContext.protect``/``unprotect`` on RTP packets of 12 + 160 bytes (20 ms of
  G.711) and ``protect_rtcp``/``unprotect_rtcp`` on a 52-byte RTCP sender report + SDES;
- relay: the relay's own receive path (``datagram_received`` of a real ``RtpRelay``
  session, the one the PBX runs) fed packets directly, forwarding with the session's real
  UDP socket to a sink on 127.0.0.1: once as plain RTP on both legs (the floor: what
  relaying costs without SRTP), once SRTP on both legs (decrypt on the way in, re-encrypt
  on the way out), and the ratio of the two.
Every suite the PBX offers is measured. Figures are the best of ``--repeats`` runs of
``--packets`` each, in microseconds per packet and packets/s; they go to stdout and
bench/results/srtp.json (bench/cli.py). ``--baseline FILE``: an earlier srtp.json (e.g. of the
hand-written implementation this replaced) whose figures are printed beside these as a
ratio. ``--smoke``: a few hundred packets, seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pylibsrtp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import cli
from softphone.pbx.media.relay import RtpRelay
from softphone.pbx.media.srtp import SUITES, SrtpContext

HOST = "127.0.0.1"
PORT_MIN, PORT_MAX = 30000, 39999
PAYLOAD = 160
IMPLEMENTATION = f"libsrtp via pylibsrtp {pylibsrtp.__version__}"


def context(suite: str) -> Callable[[], SrtpContext]:
    """A factory of contexts that all share one random key of ``suite``."""
    key = os.urandom(SUITES[suite].key_salt_len)
    return lambda: SrtpContext(SUITES[suite], key)


def rtp(seq: int, ssrc: int = 0x5EC0DE) -> bytes:
    return struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, seq * 160 & 0xFFFFFFFF, ssrc) + (
        b"\xd5" * PAYLOAD)


def rtcp(ssrc: int = 0x5EC0DE) -> bytes:
    """A sender report (RFC 3550 6.4.1) without blocks, then SDES with a CNAME (6.5)."""
    sr = struct.pack("!BBHIQII", 0x80, 200, 6, ssrc, 0, 0, 0) + struct.pack("!II", 0, 0)
    cname = b"bench@pbx"
    sdes = struct.pack("!BBHIBB", 0x81, 202, 5, ssrc, 1, len(cname)) + cname + bytes(
        20 - 6 - len(cname))
    return sr + sdes


def per_packet_us(run: Callable[[list[bytes]], object], batches: list[list[bytes]]) -> float:
    """The time per packet of ``run(batch)``, best of the batches: the machine is shared,
    and other processes only ever add time."""
    times = []
    for batch in batches:
        start = time.perf_counter_ns()
        run(batch)
        times.append((time.perf_counter_ns() - start) / len(batch) / 1000)
    return min(times)


def batches_of(make: Callable[[int], bytes], n: int, repeats: int) -> list[list[bytes]]:
    # Sequence numbers go on across batches: a receiver must not see a replay.
    return [[make(r * n + i) for i in range(n)] for r in range(repeats)]


def crypto_costs(suite: str, n: int, repeats: int) -> dict[str, float]:
    new = context(suite)
    sender, receiver, rtcp_sender, rtcp_receiver = new(), new(), new(), new()
    plain = batches_of(rtp, n, repeats)
    secret = [[sender.protect(p) for p in batch] for batch in plain]
    report = rtcp()
    rtcp_plain = [[report] * n for _ in range(repeats)]
    rtcp_secret = [[rtcp_sender.protect_rtcp(p) for p in batch] for batch in rtcp_plain]

    def each(method: Callable[[bytes], bytes]) -> Callable[[list[bytes]], object]:
        return lambda batch: [method(p) for p in batch]

    return {
        # A second sender: protect must see fresh sequence numbers too.
        "rtp_protect_us": per_packet_us(each(new().protect), plain),
        "rtp_unprotect_us": per_packet_us(each(receiver.unprotect), secret),
        "rtcp_protect_us": per_packet_us(each(new().protect_rtcp), rtcp_plain),
        "rtcp_unprotect_us": per_packet_us(each(rtcp_receiver.unprotect_rtcp), rtcp_secret),
    }


async def relay_costs(suite: str | None, n: int, repeats: int) -> float:
    """us per packet through the relay's receive path, leg a -> leg b; ``suite`` None: plain
    RTP on both legs, else SRTP on both (decrypt with leg a's key, encrypt with leg b's)."""
    relay = RtpRelay(HOST, PORT_MIN, PORT_MAX)
    session = await relay.allocate()
    phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for s in (phone, sink):
            s.bind((HOST, 0))
        # The sink never reads: the kernel drops what overflows its buffer, as it would
        # for a slow phone; the relay's send costs the same.
        session.leg_a.set_remote(phone.getsockname())
        session.leg_b.set_remote(sink.getsockname())
        batches = batches_of(rtp, n, repeats)
        if suite is not None:
            new_a, new_b = context(suite), context(suite)
            session.leg_a.set_srtp(new_a(), new_a())
            session.leg_b.set_srtp(new_b(), new_b())
            phone_side = new_a()
            batches = [[phone_side.protect(p) for p in batch] for batch in batches]
        channel = session.leg_a._rtp
        source = phone.getsockname()
        receive = channel.datagram_received

        def run(batch: list[bytes]) -> None:
            for packet in batch:
                receive(packet, source)

        us = per_packet_us(run, batches)
        stats = session.stats
        assert stats.a_to_b_packets == n * repeats, f"relay dropped packets: {stats}"
        return us
    finally:
        session.close()
        await relay.close()
        phone.close()
        sink.close()


def pps(us: float) -> int:
    return int(1e6 / us) if us > 0 else 0


def baseline_of(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    report: dict[str, Any] = json.loads(path.read_text())
    print(f"  baseline: {path} ({report['implementation']})")
    return report


async def run(args: argparse.Namespace) -> dict[str, Any]:
    n, repeats = args.packets, args.repeats
    print(f"SRTP benchmark ({IMPLEMENTATION}): {n} packets x {repeats}, "
          f"{PAYLOAD}-byte G.711 payload, Python {platform.python_version()}, "
          f"{type(asyncio.get_running_loop()).__module__} loop")
    base = baseline_of(args.baseline)
    floor = await relay_costs(None, n, repeats)
    print(f"  plain relay (floor)        {floor:7.2f} us/packet  {pps(floor):9,d} packets/s")
    suites: dict[str, Any] = {}
    for suite in SUITES:
        before = base.get("suites", {}).get(suite, {})
        costs = crypto_costs(suite, n, repeats)
        relayed = await relay_costs(suite, n, repeats)
        costs["relay_srtp_us"] = relayed
        costs["relay_ratio_to_plain"] = relayed / floor
        print(f"  {suite}:")
        for name, us in list(costs.items()):
            if name.endswith("_us"):
                vs = ""
                if name in before:
                    costs[name[:-3] + "_vs_baseline"] = ratio = us / before[name]
                    vs = f"  {ratio:5.2f} x baseline ({before[name]:.2f} us)"
                print(f"    {name[:-3]:<22} {us:7.2f} us/packet  {pps(us):9,d} packets/s{vs}")
        print(f"    relay SRTP / plain      {costs['relay_ratio_to_plain']:7.2f} x")
        suites[suite] = {k: round(v, 3) for k, v in costs.items()}
    return {
        "implementation": IMPLEMENTATION,
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "loadavg_at_start": os.getloadavg(),
                    "loop": type(asyncio.get_running_loop()).__module__},
        "config": {"packets": n, "repeats": repeats, "rtp_payload_bytes": PAYLOAD,
                   "rtcp_bytes": len(rtcp()), "smoke": args.smoke},
        "relay_plain_us": round(floor, 3),
        "baseline": str(args.baseline) if args.baseline else None,
        "suites": suites,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=10000, help="packets a run")
    parser.add_argument("--repeats", type=int, default=9, help="runs; the best is shown")
    parser.add_argument("--baseline", type=Path, help="an earlier srtp.json to compare with")
    args = cli.parse(parser, "srtp", smoke={"packets": 200, "repeats": 3})
    try:
        import uvloop  # the loop the PBX daemon runs on
    except ImportError:
        report = asyncio.run(run(args))
    else:
        report = uvloop.run(run(args))
    cli.write_results(args, "srtp", report)


if __name__ == "__main__":
    main()
