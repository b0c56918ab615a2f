"""Shared-line state fan-out of the real PBX: SIP NOTIFYs (call-info) and API WebSocket events.

    .venv/bin/python bench/shared_lines.py [--members 35] [--rounds 20] [--smoke]

The real daemon (`PbxProcess`) with shared line 250 carried by extensions 2000.. (35: the
most appearances a BroadWorks phone shows, and the issue's target). Every member has a
phone subscribed to `Event: call-info` on the line (tests/helpers/watcher.py, a reader
thread per phone) and a WebSocket client on /api/v1/events (aiohttp, one thread). A
change is caused for real: extension 100 calls the line (every appearance change goes
out: idle -> alerting) and, once every phone has seen that, the first member's registered
device turns it down with 486 (alerting -> idle). The clock (time.monotonic) starts
before the caller's INVITE is sent (its 407 round trip included, so call figures are
upper bounds) and before the 486; it
stops when each member's phone has the NOTIFY and each client the event. The peer in the
same run: the dialog-package NOTIFY (RFC 4235, busy-lamp keys, a feature older than this
one) about the same calls to the same 35 phones, watching the first member.

Target (issue 13): p99 under 100 ms for both. Prints a table, writes
bench/results/shared_lines.json. Everything on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import queue
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import cli
from softphone.pbx.sip.message import Request, Response, make_response
from tests.helpers.pbxproc import PbxProcess, free_port, write_config
from tests.helpers.sipclient import SipClient
from tests.helpers.watcher import Watcher

TARGET_P99_MS = 100.0
FIRST = 2000
SDP = (b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       b"m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), "p50": round(pct(values, 50), 2),
            "p99": round(pct(values, 99), 2), "max": round(max(values), 2)}


class Device(threading.Thread):
    """The first member's phone: rings (180) until the bench has it turn the call down."""

    def __init__(self, port: int, user: str) -> None:
        super().__init__(daemon=True)
        self.client = SipClient(("127.0.0.1", port), timeout=0.2)
        ok = self.client.register(user, f"pw{user}")
        assert ok is not None and ok.status == 200, ok
        self.ringing: queue.Queue[Request] = queue.Queue()
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            msg = self.client.recv()
            if isinstance(msg, Request) and msg.method == "INVITE":
                self.client.send_raw(make_response(msg, 180, to_tag="busy").to_bytes())
                self.ringing.put(msg)

    def refuse(self) -> float:
        """486 to the ringing call; returns when it was sent."""
        invite = self.ringing.get(timeout=10)
        sent = time.monotonic()
        self.client.send_raw(make_response(invite, 486, to_tag="busy").to_bytes())
        return sent


class Sockets(threading.Thread):
    """The members' event WebSockets on one asyncio loop; each shared_line event's receipt
    time (time.monotonic) by appearance state."""

    def __init__(self, url: str, members: list[str]) -> None:
        super().__init__(daemon=True)
        self.url, self.members = url, members
        self.seen: dict[str, list[float]] = {"alerting": [], "idle": []}
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.done: asyncio.Event | None = None

    def run(self) -> None:
        self.loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self.done = asyncio.Event()
        async with aiohttp.ClientSession() as http:
            sockets = []
            for user in self.members:
                async with http.post(self.url + "/api/v1/auth/token",
                                     json={"user": user, "password": f"pw{user}"}) as r:
                    token = (await r.json())["token"]
                ws = await http.ws_connect(self.url + "/api/v1/events",
                                           params={"token": token})
                await ws.receive_json()   # the snapshot
                sockets.append(ws)
            self.ready.set()
            readers = [asyncio.ensure_future(self._read(ws)) for ws in sockets]
            await self.done.wait()
            for task in readers:
                task.cancel()
            for ws in sockets:
                await ws.close()

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            now = time.monotonic()
            event = message.json()
            if event.get("type") == "shared_line":
                state = event["line"]["appearances"][0]["state"]
                if state in self.seen:
                    self.seen[state].append(now)

    def close(self) -> None:
        if self.done is not None:
            self.loop.call_soon_threadsafe(self.done.set)
        self.join(5)


class Stamped(queue.Queue[Request]):
    """A phone's NOTIFY queue that notes when each arrived (its reader thread puts them)."""

    def __init__(self) -> None:
        super().__init__()
        self.times: deque[float] = deque()

    def put(self, item: Request, block: bool = True, timeout: float | None = None) -> None:
        self.times.append(time.monotonic())
        super().put(item, block, timeout)


def phone(port: int, user: str) -> Watcher:
    w = Watcher(port, user)
    w.notifies = Stamped()
    return w


def ack_failure(caller: SipClient, invite: Request, resp: Response) -> None:
    """RFC 3261 17.1.1.3: the ACK of a non-2xx final response, in the INVITE's transaction
    (its Via), so the PBX stops resending the 486."""
    ack = caller.request("ACK", invite.uri, "100", call_id=invite.call_id,
                         cseq=invite.cseq[0])
    ack.headers.set("Via", invite.headers.get("Via") or "")
    ack.headers.set("From", invite.headers.get("From") or "")
    ack.headers.set("To", resp.headers.get("To") or "")
    caller.send_raw(ack.to_bytes())


def take(w: Watcher) -> tuple[float, Request]:
    """A phone's next NOTIFY and when it arrived."""
    n = w.notify(timeout=10)
    assert isinstance(w.notifies, Stamped)
    return w.notifies.times.popleft(), n


def notified(watchers: list[Watcher], wanted: str) -> list[float]:
    """Arrival times of the next NOTIFY naming ``wanted`` at each phone."""
    times = []
    for w in watchers:
        while True:
            seen, n = take(w)
            text = (n.headers.get("Call-Info") or "") + n.body.decode(errors="replace")
            if wanted in text:
                times.append(seen)
                break
    return times


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    members = [str(FIRST + i) for i in range(args.members)]
    port = free_port()
    line = (f'[[shared_lines]]\nnumber = "250"\nname = "Bench line"\n'
            f"members = {members!r}\nappearances = 2\n".replace("'", '"'))
    cfg = write_config(tmp / "pbx.toml", sip_port=port, rtp_base=24000 + (port % 40) * 200,
                       extra_users=args.members, extra=line)
    pbx = PbxProcess(cfg, tmp / "data", sip_port=port).start()
    try:
        device = Device(port, members[0])
        device.start()
        lines = [phone(port, m) for m in members]
        lamps = [phone(port, m) for m in members]
        for w in lines:
            assert w.subscribe("250", "call-info").status == 200
        for w in lamps:
            assert w.subscribe(members[0], "dialog").status == 200
        for w in (*lines, *lamps):
            take(w)
        sockets = Sockets(pbx.api_url(), members)
        sockets.start()
        sockets.ready.wait(30)
        caller = SipClient(("127.0.0.1", port))
        ms: dict[str, list[float]] = {"notify": [], "websocket": [], "dialog_peer": []}
        for _ in range(args.rounds):
            mark = len(sockets.seen["alerting"]), len(sockets.seen["idle"])
            start = time.monotonic()
            invite = caller.call("100", "pw100", "250", SDP)
            ms["notify"] += [(t - start) * 1000 for t in notified(lines, "alerting")]
            ms["dialog_peer"] += [(t - start) * 1000 for t in notified(lamps, "early")]
            refused = device.refuse()
            busy = caller.recv_final()
            assert busy is not None and busy.status == 486, busy
            ack_failure(caller, invite, busy)
            idle = notified(lines, "appearance-index=1;appearance-state=idle")
            ms["notify"] += [(t - refused) * 1000 for t in idle]
            ms["dialog_peer"] += [(t - refused) * 1000 for t in notified(lamps, "terminated")]
            deadline = time.monotonic() + 10
            while (len(sockets.seen["idle"]) < mark[1] + len(members)
                   and time.monotonic() < deadline):
                time.sleep(0.01)   # the socket thread collects; the bench only waits for it
            ms["websocket"] += [(t - start) * 1000
                                for t in sockets.seen["alerting"][mark[0]:]]
            ms["websocket"] += [(t - refused) * 1000 for t in sockets.seen["idle"][mark[1]:]]
        sockets.close()
        device.stop = True
        for w in (*lines, *lamps):
            w.close()
        caller.close()
    finally:
        pbx.stop()
    result = {name: summary(values) for name, values in ms.items()}
    result["ratio_notify_p99_to_dialog_peer"] = round(
        result["notify"]["p99"] / result["dialog_peer"]["p99"], 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=35)
    parser.add_argument("--rounds", type=int, default=20)
    args = cli.parse(parser, "shared_lines", smoke={"members": 3, "rounds": 2})
    print(f"shared lines benchmark: {args.members} members, {args.rounds} rounds, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}; target p99 < "
          f"{TARGET_P99_MS:.0f} ms", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args, Path(tmp))
    for name in ("notify", "websocket", "dialog_peer"):
        s = result[name]
        verdict = "" if name == "dialog_peer" else (
            "  meets target" if s["p99"] < TARGET_P99_MS else "  MISSES target")
        print(f"{name:12} n={s['n']:5}  p50 {s['p50']:7.2f} ms  p99 {s['p99']:7.2f} ms  "
              f"max {s['max']:7.2f} ms{verdict}")
    print(f"NOTIFY p99 / dialog-package peer p99: {result['ratio_notify_p99_to_dialog_peer']}")
    cli.write_results(args, "shared_lines", {
        "members": args.members, "rounds": args.rounds, "target_p99_ms": TARGET_P99_MS,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, **result})


if __name__ == "__main__":
    main()
