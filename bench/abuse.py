"""The PBX under abuse: do legitimate calls keep working while it is flooded?

    .venv/bin/python bench/abuse.py [--smoke] [--output FILE] [--calls 10] [--seconds 10]

The real PBX daemon (tests/helpers/pbxproc.py) runs on loopback. A child process
(bench/abuse_floods.py) floods it from 127.0.0.2-5 with (a) INVITEs without credentials,
(b) REGISTERs with wrong passwords, (c) slow TCP readers (connections that send requests and
never read) and (d) RTP garbage at random ports of the PBX's RTP range. Meanwhile, from
127.0.0.1, ``--calls`` legitimate calls are dialled (INVITE with digest, as extensions
2000, 2001, ... that the floods never use) into rooms of two: each side sends a G.711 tone
(500 Hz and 1000 Hz) every 20 ms and the other side's tone is measured in what the PBX
sends back (tests/helpers/audio.py). A call succeeds when it is set up and each side hears
the other's tone; audio loss is the share of 20 ms frames that did not arrive. The PBX's
RSS (/proc/PID/status) and open file descriptors (/proc/PID/fd) are taken before the
floods and calls, at their peak, and after both ended (calls hung up with BYE). The peer
in the same run: the same calls on a fresh PBX without floods ("quiet"). Targets:
100 % of calls, audio loss < 1 %, memory and descriptors flat. The floods' rates and what
the PBX did to them (answers, bans from its log) are printed too. Everything bounded in
count and time. --smoke: 2 calls, 3 s, low rates. Writes bench/results/abuse.json.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import platform
import socket
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import cli  # noqa: E402
from bench.abuse_floods import flood_main  # noqa: E402
from bench.servers import cpu_seconds  # noqa: E402
from softphone.pbx.media.g711 import ulaw_decode, ulaw_encode  # noqa: E402
from softphone.pbx.media.tones import sine  # noqa: E402
from softphone.pbx.sip.message import Response  # noqa: E402
from tests.helpers.audio import skip_start, tone_ratio  # noqa: E402
from tests.helpers.pbxproc import PbxProcess, free_port, write_config  # noqa: E402
from tests.helpers.sipclient import SipClient  # noqa: E402

FRAME, RATE = 0.02, 8000
TONES = (500.0, 1000.0)          # whole cycles in 20 ms: no click between frames
TARGETS = {"success_pct": 100.0, "audio_loss_pct_below": 1.0}


class Phone(asyncio.DatagramProtocol):
    """One side of a legitimate call: sends its tone, keeps what the PBX sends back."""

    def __init__(self, index: int, freq: float) -> None:
        self.index, self.freq = index, freq
        self.frame = bytes(ulaw_encode(sine(freq, FRAME, RATE, 0.5)))
        self.received: list[bytes] = []
        self.transport: asyncio.DatagramTransport | None = None
        self.target: tuple[str, int] | None = None
        self.seq = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.received.append(data[12:])

    def send(self) -> None:
        self.seq += 1
        header = struct.pack("!BBHII", 0x80, 0, self.seq & 0xFFFF, self.seq * 160 & 0xFFFFFFFF,
                             self.index + 1)
        if self.transport is not None and self.target is not None:
            self.transport.sendto(header + self.frame, self.target)

    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])


class Call:
    """A phone's SIP dialog into a room: INVITE with digest, ACK, later BYE."""

    def __init__(self, sip_port: int, user: str, room: str) -> None:
        self.client = SipClient(("127.0.0.1", sip_port), timeout=5.0)
        self.user, self.room = user, room
        self.uri = f"sip:{room}@127.0.0.1"
        self.to = ""
        self.call_id = ""

    def dial(self, rtp_port: int) -> tuple[str, int] | None:
        """The PBX's RTP address, or None if the call failed."""
        sdp = (f"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               f"m=audio {rtp_port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
               f"a=sendrecv\r\n").encode()
        try:
            invite = self.client.call(self.user, f"pw{self.user}", self.room, sdp)
        except AssertionError:
            return None
        self.call_id = invite.headers.get("Call-ID") or ""
        ok = self.client.recv_final()
        if not isinstance(ok, Response) or ok.status != 200:
            return None
        self.to = ok.headers.get("To") or ""
        self._send("ACK", 2)
        return "127.0.0.1", int(ok.body.split(b"m=audio ", 1)[1].split(b" ", 1)[0])

    def hang_up(self) -> None:
        if self.to:
            self._send("BYE", 3)
            self.client.recv_final()
        self.client.close()

    def _send(self, method: str, cseq: int) -> None:
        req = self.client.request(method, self.uri, self.user, call_id=self.call_id,
                                  cseq=cseq, to_user=self.room)
        req.headers.set("To", self.to)
        self.client.send_raw(req.to_bytes())


def usage(pid: int) -> dict[str, float]:
    """RSS (MB) and open file descriptors of ``pid`` (Linux /proc)."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = next(int(line.split()[1]) for line in status.splitlines()
                  if line.startswith("VmRSS:"))
    return {"rss_mb": round(rss_kb / 1024, 1), "fds": len(os.listdir(f"/proc/{pid}/fd"))}


async def play(phones: list[Phone], seconds: float, pid: int,
               peak: dict[str, float]) -> int:
    """Every phone sends a frame every 20 ms for ``seconds``; returns the frames each sent.
    Samples the PBX's usage meanwhile (its peak)."""
    loop = asyncio.get_running_loop()
    for phone in phones:
        phone.received.clear()
    start, frames = loop.time() + 0.05, int(seconds / FRAME)
    for frame in range(frames):
        delay = start + frame * FRAME - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        for phone in phones:
            phone.send()
        if frame % 25 == 0:
            for key, value in usage(pid).items():
                peak[key] = max(peak.get(key, 0.0), value)
    await asyncio.sleep(0.2)        # the last frames on their way back
    return frames


def judge(phones: list[Phone], set_up: list[bool], frames: int) -> dict[str, Any]:
    """Per call (both sides' dialogs ``set_up``): each side's peer tone present in what it
    received."""
    ok = lost = 0
    ratios = []
    failed = []
    for a, b, up in zip(phones[::2], phones[1::2], set_up, strict=True):
        heard = []
        for phone, other in ((a, b), (b, a)):
            lost += max(0, frames - len(phone.received))
            audio = ulaw_decode(b"".join(phone.received)) if phone.received else np.zeros(1)
            ratio = tone_ratio(skip_start(audio, RATE), RATE, other.freq)
            ratios.append(ratio)
            heard.append(ratio >= 0.5)
        ok += int(up and all(heard))
        if not (up and all(heard)):
            failed.append({"call": a.index // 2, "set_up": up,
                           "tone_ratios": [round(r, 3) for r in ratios[-2:]],
                           "frames_received": [len(a.received), len(b.received)]})
    calls = len(phones) // 2
    return {"calls": calls, "succeeded": ok, "success_pct": round(100 * ok / calls, 1),
            "audio_loss_pct": round(100 * lost / (frames * len(phones)), 2),
            "tone_ratio_min": round(min(ratios), 3), "failed": failed}


async def bench(args: argparse.Namespace, workdir: Path, flooded: bool) -> dict[str, Any]:
    """One fresh PBX, the calls, and the floods if ``flooded``."""
    port = free_port()
    rtp_base = 24000 + (port % 40) * 200
    rooms = "".join(f'[[conferences]]\nnumber = "{500 + r}"\naccess = "open"\n'
                    f"max_participants = 2\n\n" for r in range(args.calls))
    # Legitimate callers are extensions 2000+, one call each (max_calls is per extension);
    # the floods use 100 and 101. Bans and throttles stay at their defaults.
    config = write_config(workdir / "pbx.toml", sip_port=port, rtp_base=rtp_base,
                          extra_users=2 * args.calls,
                          extra=rooms + "[security]\nmax_calls = 2\n")
    pbx = PbxProcess(config, workdir / f"data-{flooded}", sip_port=port).start()
    assert pbx.proc is not None
    pid = pbx.proc.pid
    loop = asyncio.get_running_loop()
    phones: list[Phone] = []
    calls: list[Call] = []
    try:
        before = usage(pid)
        ctx = mp.get_context("fork")
        conn, child = ctx.Pipe()
        load = {k: float(getattr(args, k)) for k in
                ("invite_rate", "register_rate", "slow_readers", "rtp_rate")}
        flood_seconds = args.seconds + 2.0 + 0.5 * args.calls
        flooder = ctx.Process(target=flood_main, daemon=True,
                              args=(child, port, (rtp_base, rtp_base + 399), load,
                                    flood_seconds))
        if flooded:
            flooder.start()
            await asyncio.sleep(1.0)    # the floods at full rate before the first call
        for i in range(2 * args.calls):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            sock.bind(("127.0.0.1", 0))
            _, phone = await loop.create_datagram_endpoint(
                lambda i=i: Phone(i, TONES[i % 2]), sock=sock)
            phones.append(phone)
        dialled = []
        for phone in phones:
            call = Call(port, str(2000 + phone.index), str(500 + phone.index // 2))
            calls.append(call)
            phone.target = await asyncio.to_thread(call.dial, phone.port())
            dialled.append(phone.target is not None)
        peak = dict(before)
        cpu, wall = cpu_seconds([pid]), time.monotonic()
        frames = await play(phones, args.seconds, pid, peak)
        peak["cpu_pct"] = round(100 * (cpu_seconds([pid]) - cpu) / (time.monotonic() - wall))
        result = judge(phones, [a and b for a, b in zip(dialled[::2], dialled[1::2],
                                                        strict=True)], frames)
        for call in calls:
            await asyncio.to_thread(call.hang_up)
        calls.clear()
        floods: dict[str, Any] = {}
        if flooded:
            floods = conn.recv() if conn.poll(flood_seconds + 60) else {
                "flooder": {"error": "no answer", "per_s": 0.0}}
            flooder.join(10)
        await asyncio.sleep(args.settle)
        after = usage(pid)
        bans = [{k: line.get(k) for k in ("ip", "user")} for line in pbx.lines
                if line.get("event") == "ban"]
    finally:
        for call in calls:
            call.client.close()
        for phone in phones:
            if phone.transport is not None:
                phone.transport.close()
        pbx.stop()
    return {"legitimate": result, "pbx": {"before": before, "peak": peak, "after": after,
                                          "rss_growth_mb": round(after["rss_mb"]
                                                                 - before["rss_mb"], 1),
                                          "fd_growth": after["fds"] - before["fds"],
                                          "settle_s": args.settle},
            "floods": floods, "bans": bans}


def show(name: str, r: dict[str, Any]) -> None:
    legit, pbx = r["legitimate"], r["pbx"]
    print(f"{name}: legitimate calls {legit['succeeded']}/{legit['calls']} succeeded "
          f"({legit['success_pct']} %, target 100 %), audio loss {legit['audio_loss_pct']} % "
          f"(target < 1 %), weakest tone ratio {legit['tone_ratio_min']}; PBX CPU "
          f"{pbx['peak']['cpu_pct']} % while the calls played")
    for when in ("before", "peak", "after"):
        print(f"  PBX {when:>6}: RSS {pbx[when]['rss_mb']:7.1f} MB, {pbx[when]['fds']:5d} fds")
    print(f"  PBX growth after {pbx['settle_s']} s settle: RSS {pbx['rss_growth_mb']:+.1f} MB, "
          f"fds {pbx['fd_growth']:+d} (target flat)")
    for flood, f in r["floods"].items():
        rest = ", ".join(f"{k} {v}" for k, v in f.items() if k != "per_s")
        print(f"  flood {flood}: {f.get('per_s', 0):.0f}/s; {rest}")
    for call in legit["failed"]:
        print(f"  failed call {call}")
    if r["floods"]:
        print(f"  bans the PBX logged: {r['bans'] or 'none'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=10, help="legitimate calls at once")
    parser.add_argument("--seconds", type=float, default=10.0, help="audio per call")
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds after the floods before the 'after' reading")
    parser.add_argument("--invite-rate", type=float, default=500.0, help="INVITEs/s")
    parser.add_argument("--register-rate", type=float, default=100.0,
                        help="wrong-password REGISTERs/s (at most)")
    parser.add_argument("--slow-readers", type=int, default=200, help="TCP connections")
    parser.add_argument("--rtp-rate", type=float, default=5000.0, help="garbage packets/s")
    args = cli.parse(parser, "abuse", argv=argv, smoke={
        "calls": 2, "seconds": 3.0, "settle": 1.0, "invite_rate": 100.0,
        "register_rate": 30.0, "slow_readers": 20, "rtp_rate": 500.0})
    with tempfile.TemporaryDirectory(prefix="bench-abuse-") as tmp:
        began = time.monotonic()
        # The peer in the same run: the same calls on a fresh PBX without the floods.
        result = {phase: asyncio.run(bench(args, Path(tmp), phase == "flooded"))
                  for phase in ("quiet", "flooded")}
    for phase, figures in result.items():
        show(phase, figures)
    cli.write_results(args, "abuse", {
        "targets": TARGETS,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "loadavg": os.getloadavg()},
        "config": {k: v for k, v in vars(args).items() if k not in ("output",)},
        "elapsed_s": round(time.monotonic() - began, 1), **result})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
