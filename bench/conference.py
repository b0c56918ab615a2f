"""Conference mixing capacity of the PBX: how many participants one process mixes in real
time, in rooms of ten, on one core.

    .venv/bin/python bench/conference.py [--smoke] [--output FILE] [--step-seconds 5]

The PBX daemon runs on core 0 with open rooms of ten; this process (core 1) dials the
participants in over SIP (INVITE, digest, ACK) and then plays each one's phone: a G.711
frame every 20 ms, phases spread over the frame as real calls' are. One participant per
room is the "speaker": every 500 ms it sends one loud frame among silence, and the time
until that frame comes back out of the mix at the other nine is the one-way delay the PBX
adds (jitter buffer, tick phase, mixing). Of what the PBX sends each participant, the
interval between packets is measured against the 20 ms it should be: p99 of that
deviation is the send-interval jitter. Participants are added in steps while p99 jitter
stays under 5 ms and loss under 1 %.

The floor: the same sockets and send loop with the PBX left out (each participant's
packets go straight to another socket of this process): what bare UDP send and receive
on this machine, measured by this process, cost by themselves. The PBX's CPU time per
step gives the participants a whole core would carry, a figure that other load on the
machine disturbs less than the jitter does. Targets: >= 100
participants (goal 200) with p99 jitter < 5 ms, added delay <= 40 ms. --smoke: 20
participants, 2 s a step: a check that it runs, no figure to trust. Writes
bench/results/conference.json (bench/cli.py). Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import struct
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import cli  # noqa: E402
from bench.servers import pin  # noqa: E402
from softphone.pbx.media.g711 import ulaw_decode  # noqa: E402
from softphone.pbx.sip.message import Response  # noqa: E402
from tests.helpers.pbxproc import PbxProcess, free_port, write_config  # noqa: E402
from tests.helpers.sipclient import SipClient, digest_response  # noqa: E402

ROOM_SIZE = 10
FRAME = 0.02
SILENCE, LOUD = b"\xff" * 160, b"\x80" * 160     # mu-law: 0 and near full scale
MARK_EVERY = 25                                   # frames between the speaker's loud frames
TARGETS = {"participants": 100, "goal": 200, "p99_jitter_ms": 5.0, "delay_ms": 40.0}
MAX_LOSS = 1.0
PBX_CPU, BENCH_CPU = 0, 1


class Phone(asyncio.DatagramProtocol):
    """One participant's RTP socket: what arrives, when."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.arrivals: list[float] = []
        self.loud: list[float] = []
        self.transport: asyncio.DatagramTransport | None = None
        self.target: tuple[str, int] | None = None
        self.seq = 0
        self.speaker: Phone | None = None     # whose loud frames this one listens for
        self.marks: list[float] = []          # when this one sent its loud frames

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        now = time.monotonic()
        self.arrivals.append(now)
        if len(data) > 12 and int(abs(ulaw_decode(data[12:]).astype(int)).max()) > 8000:
            self.loud.append(now)

    def send(self, loud: bool) -> None:
        payload = LOUD if loud and self.speaker is None else SILENCE
        if payload is LOUD:
            self.marks.append(time.monotonic())
        self.seq += 1
        header = struct.pack("!BBHII", 0x80, 0, self.seq & 0xFFFF, self.seq * 160 & 0xFFFFFFFF,
                             self.index + 1)
        if self.transport is not None and self.target is not None:
            self.transport.sendto(header + payload, self.target)


def dial(sip_port: int, user: str, room: str, rtp_port: int) -> tuple[str, int]:
    """INVITE ``room`` as ``user`` (digest), ACK the 200; the PBX's RTP address."""
    client = SipClient(("127.0.0.1", sip_port), timeout=5.0)
    sdp = (f"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           f"m=audio {rtp_port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n").encode()
    uri, call_id = f"sip:{room}@127.0.0.1:{sip_port}", uuid.uuid4().hex
    extra = [("Content-Type", "application/sdp")]
    try:
        req = client.request("INVITE", uri, user, call_id=call_id, to_user=room, body=sdp,
                             headers=extra)
        client.send_raw(req.to_bytes())
        first = client.recv_final()
        assert first is not None and first.status == 407, first
        client.send_raw(req.to_bytes().replace(b"INVITE sip", b"ACK sip", 1))
        auth = digest_response(first.headers.get("Proxy-Authenticate") or "", "INVITE", uri,
                               user, f"pw{user}")
        req = client.request("INVITE", uri, user, call_id=call_id, cseq=2, to_user=room,
                             body=sdp, headers=[*extra, ("Proxy-Authorization", auth)])
        client.send_raw(req.to_bytes())
        ok = client.recv_final()
        assert isinstance(ok, Response) and ok.status == 200, ok
        to = ok.headers.get("To") or ""
        ack = client.request("ACK", uri, user, call_id=call_id, cseq=2, to_user=room)
        client.send_raw(ack.to_bytes().replace(
            f"To: <sip:{room}@127.0.0.1>".encode(), f"To: {to}".encode(), 1))
        port = int(ok.body.split(b"m=audio ", 1)[1].split(b" ", 1)[0])
        return "127.0.0.1", port
    finally:
        client.close()


async def run_step(phones: list[Phone], seconds: float) -> dict[str, Any]:
    """Send for ``seconds``; per-phone frames spread over the 20 ms frame."""
    for phone in phones:
        phone.arrivals.clear()
        phone.loud.clear()
        phone.marks.clear()
    loop = asyncio.get_running_loop()
    start, frames = loop.time() + 0.05, int(seconds / FRAME)
    slots = 20
    for frame in range(frames):
        for slot in range(slots):
            due = start + frame * FRAME + slot * FRAME / slots
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            loud = frame % MARK_EVERY == MARK_EVERY // 2
            for phone in phones[slot::slots]:
                phone.send(loud)
    await asyncio.sleep(0.2)     # the last frames on their way
    return measure(phones, frames)


def measure(phones: list[Phone], frames: int) -> dict[str, Any]:
    deviations: list[float] = []
    received = 0
    for phone in phones:
        received += len(phone.arrivals)
        gaps = [b - a for a, b in zip(phone.arrivals, phone.arrivals[1:], strict=False)]
        deviations += [abs(g - FRAME) * 1000 for g in gaps[5:]]   # after the jitter buffer
    delays = []
    for phone in phones:
        if phone.speaker is None:
            continue
        for mark in phone.speaker.marks:
            after = [t for t in phone.loud if mark <= t < mark + 0.3]
            if after:
                delays.append((after[0] - mark) * 1000)
    deviations.sort()
    loss = max(0.0, 100.0 * (1 - received / max(1, frames * len(phones))))
    return {
        "participants": len(phones), "loss_pct": round(loss, 2),
        "p50_jitter_ms": round(_pct(deviations, 50), 2),
        "p99_jitter_ms": round(_pct(deviations, 99), 2),
        "delay_ms_median": round(statistics.median(delays), 1) if delays else None,
        "delay_ms_p99": round(_pct(sorted(delays), 99), 1) if delays else None,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else 0.0


async def open_phones(first: int, count: int) -> list[Phone]:
    loop = asyncio.get_running_loop()
    phones = []
    for i in range(first, first + count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind(("127.0.0.1", 0))
        _, phone = await loop.create_datagram_endpoint(lambda i=i: Phone(i), sock=sock)
        phones.append(phone)
    return phones


def port_of(phone: Phone) -> int:
    assert phone.transport is not None
    return int(phone.transport.get_extra_info("sockname")[1])


async def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    steps = [10, 20] if args.smoke else [50, 100, 150, 200, 250, 300]
    seconds = args.step_seconds
    most = steps[-1]
    rooms = "".join(f'[[conferences]]\nnumber = "{500 + r}"\naccess = "open"\n'
                    f"max_participants = {ROOM_SIZE}\n\n" for r in range(most // ROOM_SIZE))
    port = free_port()
    config = write_config(workdir / "pbx.toml", sip_port=port, rtp_base=42000,
                          extra_users=most, extra=rooms)
    config.write_text(config.read_text().replace("port_max = 42399", "port_max = 43999"))

    # The floor: the same phones, in pairs, straight to each other.
    floor_phones = await open_phones(0, steps[0])
    for a, b in zip(floor_phones[::2], floor_phones[1::2], strict=True):
        a.target, b.target = ("127.0.0.1", port_of(b)), ("127.0.0.1", port_of(a))
        b.speaker = a
    floor = await run_step(floor_phones, seconds)
    for phone in floor_phones:
        assert phone.transport is not None
        phone.transport.close()
    print(f"floor (bare UDP, {steps[0]} sockets): p99 jitter {floor['p99_jitter_ms']} ms, "
          f"delay median {floor['delay_ms_median']} ms")

    pbx = PbxProcess(config, workdir / "data", sip_port=port).start()
    assert pbx.proc is not None
    pin(pbx.proc.pid, PBX_CPU)
    phones: list[Phone] = []
    results = []
    try:
        for count in steps:
            new = await open_phones(len(phones), count - len(phones))
            for phone in new:
                room = str(500 + phone.index // ROOM_SIZE)
                phone.target = await asyncio.to_thread(
                    dial, port, str(2000 + phone.index), room, port_of(phone))
            phones += new
            for phone in new:
                first = phones[phone.index - phone.index % ROOM_SIZE]
                phone.speaker = None if phone is first else first
            cpu, wall = cpu_seconds(pbx.proc.pid), time.monotonic()
            step = await run_step(phones, seconds)
            share = (cpu_seconds(pbx.proc.pid) - cpu) / (time.monotonic() - wall)
            # CPU the PBX used for this many participants: what a whole core would carry.
            step["pbx_cpu_pct"] = round(100 * share, 1)
            step["participants_per_core"] = int(count / share) if share > 0 else None
            results.append(step)
            print(f"{count:4d} participants: loss {step['loss_pct']:5.2f} %, p99 jitter "
                  f"{step['p99_jitter_ms']:6.2f} ms (p50 {step['p50_jitter_ms']} ms), added "
                  f"delay median {step['delay_ms_median']} ms p99 {step['delay_ms_p99']} ms; "
                  f"PBX CPU {step['pbx_cpu_pct']} % (~{step['participants_per_core']} a core)")
            if step["loss_pct"] >= MAX_LOSS or step["p99_jitter_ms"] >= TARGETS["p99_jitter_ms"]:
                break
    finally:
        for phone in phones:
            if phone.transport is not None:
                phone.transport.close()
        pbx.stop()
    ok = [s for s in results if s["loss_pct"] < MAX_LOSS
          and s["p99_jitter_ms"] < TARGETS["p99_jitter_ms"]]
    return {"floor": floor, "steps": results,
            "max_participants_in_time": max((s["participants"] for s in ok), default=0)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--step-seconds", type=float, default=5.0)
    args = cli.parse(parser, "conference", smoke={"step_seconds": 2.0}, argv=argv)
    if (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {BENCH_CPU})
    print(f"targets: >= {TARGETS['participants']} participants (goal {TARGETS['goal']}) in "
          f"rooms of {ROOM_SIZE} with p99 send-interval jitter < {TARGETS['p99_jitter_ms']} "
          f"ms, added one-way delay <= {TARGETS['delay_ms']} ms")
    with tempfile.TemporaryDirectory(prefix="bench-conference-") as tmp:
        figures = asyncio.run(bench(args, Path(tmp)))
    best = figures["max_participants_in_time"]
    delays = [s["delay_ms_median"] for s in figures["steps"] if s["delay_ms_median"]]
    floor_delay = figures["floor"]["delay_ms_median"] or 0.0
    print(f"result: {best} participants mixed in time (target {TARGETS['participants']}, "
          f"goal {TARGETS['goal']}); added delay median "
          f"{round(statistics.median(delays), 1) if delays else 'n/a'} ms (target <= "
          f"{TARGETS['delay_ms']}; bare UDP {floor_delay} ms)")
    cli.write_results(args, "conference", {
        "targets": TARGETS,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        **figures})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
