"""Many event WebSocket clients in one process, for bench/presence.py.

    python -m bench.presence_clients '{"url": ..., "logins": [["2000", "pw2000"], ...],
                                       "connections": 250}'

Signs in once per user (POST /api/v1/auth/token), then opens `connections` WebSockets to
/api/v1/events, the users taken in turn (several connections per user: several devices),
each reading its snapshot first. Then it takes JSON-line commands on stdin and answers on
stdout:

    {"cmd": "expect", "id": k, "number": "103", "presence": "available"}
        -> {"event": "armed", "id": k}; later, when every connection has seen that
           presence event (or after `timeout` seconds): {"event": "seen", "id": k,
           "times": [CLOCK_MONOTONIC of each connection's receipt, or null], ...}
    {"cmd": "quit"} -> closes everything, {"event": "closed"}

Receipt times are time.monotonic(), taken as soon as the frame is read and before it is
parsed: CLOCK_MONOTONIC is one clock for every process on the machine, so the benchmark
compares them with its own. uvloop (as the PBX uses) keeps this process's own cost low.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from typing import Any

import aiohttp

CONNECT_CONCURRENCY = 50      # below the server's listen backlog
EXPECT_TIMEOUT = 15.0


def raise_fd_limit(needed: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        soft = hard if hard == resource.RLIM_INFINITY else min(hard, max(needed, soft))
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


def say(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


class Expectation:
    def __init__(self, ident: int, count: int) -> None:
        self.ident = ident
        self.times: list[float | None] = [None] * count
        self.missing = count
        self.done = asyncio.get_running_loop().create_future()

    def seen(self, index: int, at: float) -> None:
        if self.times[index] is None:
            self.times[index] = at
            self.missing -= 1
            if self.missing == 0 and not self.done.done():
                self.done.set_result(None)


class Clients:
    def __init__(self, url: str, logins: list[list[str]], connections: int) -> None:
        self.url = url.rstrip("/") + "/api/v1"
        self.logins = logins
        self.count = connections
        self.sockets: list[aiohttp.ClientWebSocketResponse] = []
        self.pending: dict[tuple[str, str], Expectation] = {}
        self.closed_early = 0
        self.other_messages = 0
        self._readers: list[asyncio.Task[None]] = []

    async def open(self, session: aiohttp.ClientSession) -> dict[str, float]:
        t0 = time.monotonic()
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def login(user: str, password: str) -> str:
            async with gate, session.post(f"{self.url}/auth/token",
                                          json={"user": user, "password": password}) as r:
                if r.status != 200:
                    raise RuntimeError(f"login {user}: HTTP {r.status} {await r.text()}")
                return str((await r.json())["token"])

        tokens = await asyncio.gather(*(login(u, p) for u, p in self.logins))
        t1 = time.monotonic()

        async def connect(index: int) -> aiohttp.ClientWebSocketResponse:
            token = tokens[index % len(tokens)]
            async with gate:
                ws = await session.ws_connect(f"{self.url}/events", autoping=True,
                                              headers={"Authorization": f"Bearer {token}"})
                first = await ws.receive_json(timeout=30)
                if first.get("type") != "snapshot":
                    raise RuntimeError(f"first event was not a snapshot: {first}")
                return ws

        self.sockets = list(await asyncio.gather(*(connect(i) for i in range(self.count))))
        t2 = time.monotonic()
        self._readers = [asyncio.create_task(self._read(i, ws))
                         for i, ws in enumerate(self.sockets)]
        return {"login_s": round(t1 - t0, 3), "connect_s": round(t2 - t1, 3)}

    async def _read(self, index: int, ws: aiohttp.ClientWebSocketResponse) -> None:
        while True:
            msg = await ws.receive()
            at = time.monotonic()
            if msg.type != aiohttp.WSMsgType.TEXT:
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):
                    self.closed_early += 1
                    return
                continue
            data = json.loads(msg.data)
            if data.get("type") != "presence":
                self.other_messages += 1
                continue
            expectation = self.pending.get((data["number"], data["presence"]))
            if expectation is not None:
                expectation.seen(index, at)

    async def expect(self, ident: int, number: str, presence: str) -> None:
        expectation = Expectation(ident, self.count)
        self.pending[(number, presence)] = expectation
        say(event="armed", id=ident)
        try:
            await asyncio.wait_for(asyncio.shield(expectation.done), EXPECT_TIMEOUT)
        except TimeoutError:
            pass
        del self.pending[(number, presence)]
        say(event="seen", id=ident, times=expectation.times, missing=expectation.missing,
            closed_early=self.closed_early)

    async def close(self) -> None:
        for task in self._readers:
            task.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


async def main(spec: dict[str, Any]) -> None:
    clients = Clients(spec["url"], spec["logins"], int(spec["connections"]))
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        timing = await clients.open(session)
        say(event="ready", connections=len(clients.sockets), **timing)
        tasks: set[asyncio.Task[None]] = set()
        while line := await stdin.readline():
            cmd = json.loads(line)
            if cmd["cmd"] == "expect":
                task = asyncio.create_task(
                    clients.expect(int(cmd["id"]), str(cmd["number"]), str(cmd["presence"])))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            elif cmd["cmd"] == "quit":
                break
        await clients.close()
    say(event="closed")


if __name__ == "__main__":
    spec = json.loads(sys.argv[1])
    raise_fd_limit(int(spec["connections"]) + 256)
    try:
        import uvloop
    except ImportError:
        asyncio.run(main(spec))
    else:
        uvloop.run(main(spec))
