"""The door intercom's video path, side by side: the camera directly and through the PBX.

    .venv/bin/python bench/door.py [--seconds 10] [--fps 15] [--bells 5] [--smoke]

1. Frame delay: every frame the simulator draws carries its drawing time (Unix ms) in a
   marker row (softphone/doorsim/scene.py). A viewer decodes each JPEG with PyAV, as the
   client's video worker does, reads the marker and subtracts it from the wall clock at
   decode time: the delay from drawing to a decoded picture. Measured twice, one after the
   other for the same number of seconds: straight from the simulator's /video.mjpg, and
   through the PBX's relay (POST /api/v1/doors/150/video for a link, then the link), so
   the ratio is what the relay adds. Target: < 150 ms through the relay at 640x480, 15 fps.
2. Bell to first video frame in the client (bench/door_client.py): the door simulator
   registered as door 150 and the real GUI process signed in as 100; the bell is pressed
   over HTTP and the client logs the first decoded frame of the door's video in its
   incoming-call panel. Target: < 500 ms.

Prints a table and writes bench/results/door.json. Not a test: figures depend on the
machine and its load (recorded with the results); everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import cli  # noqa: E402
from bench.door_client import bell_to_first_frame  # noqa: E402
from softphone.doorsim.scene import read_frame_marker  # noqa: E402
from tests.helpers.doorsim import DoorsimProcess, door_toml, mjpeg_parts, sip_args  # noqa: E402
from tests.helpers.pbxproc import PbxProcess, free_port, write_config  # noqa: E402

TARGETS = {"relay_frame_delay_p95_ms": 150.0, "bell_to_first_frame_ms": 500.0}
DOOR = "150"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(delays: list[float], seconds: float) -> dict[str, Any]:
    return {"frames": len(delays), "fps": round(len(delays) / seconds, 1),
            "median_ms": round(statistics.median(delays), 1),
            "p95_ms": round(percentile(delays, 0.95), 1),
            "p99_ms": round(percentile(delays, 0.99), 1), "max_ms": round(max(delays), 1)}


async def watch(url: str, seconds: float) -> list[float]:
    """Decode the stream at ``url`` for ``seconds``; the delay of each frame in ms."""
    codec = av.CodecContext.create("mjpeg", "r")
    delays: list[float] = []
    timeout = aiohttp.ClientTimeout(total=seconds + 10)
    async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as response:
        response.raise_for_status()
        end = time.monotonic() + seconds
        async for _headers, body, _arrived in mjpeg_parts(response):
            for frame in codec.decode(av.Packet(body)):
                picture: np.ndarray = frame.to_ndarray(format="rgb24")
                _counter, drawn_ms = read_frame_marker(picture)
                now_ms = int(time.time() * 1000) % 2**32
                delays.append(((now_ms - drawn_ms) % 2**32) * 1.0)
            if time.monotonic() >= end:
                break
    return delays[1:]   # the first frame waited in the camera for the connection


async def relay_link(api: str) -> str:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api}/api/v1/auth/token",
                             json={"user": "100", "password": "pw100"}) as r:
            r.raise_for_status()
            token = (await r.json())["token"]
        async with http.post(f"{api}/api/v1/doors/{DOOR}/video",
                             headers={"Authorization": f"Bearer {token}"}) as r:
            r.raise_for_status()
            return str((await r.json())["url"])


def frame_delays(pbx: PbxProcess, camera: str, seconds: float) -> dict[str, Any]:
    api = pbx.api_url()
    direct = asyncio.run(watch(f"{camera}/video.mjpg", seconds))
    relayed = asyncio.run(watch(asyncio.run(relay_link(api)), seconds))
    d, r = summary(direct, seconds), summary(relayed, seconds)
    return {"direct": d, "relay": r,
            "relay_added_median_ms": round(r["median_ms"] - d["median_ms"], 1),
            "ratio_p95": round(r["p95_ms"] / d["p95_ms"], 2) if d["p95_ms"] else None}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--fps", type=float, default=15.0)
    p.add_argument("--bells", type=int, default=5)
    args = cli.parse(p, "door", smoke={"seconds": 1.0, "bells": 1})
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_before": os.getloadavg()[0]},
        "targets": TARGETS, "fps": args.fps,
    }
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sip_port, http_port = free_port(), free_port()
        config = write_config(tmp / "pbx.toml", sip_port=sip_port,
                              rtp_base=30000 + (sip_port % 50) * 400,
                              extra=door_toml(http_port, open_roles=("admin",)))
        pbx = PbxProcess(config, tmp / "data", sip_port=sip_port).start()
        door = DoorsimProcess("--fps", str(args.fps), *sip_args(
            sip_port, call="100", ring_timeout=3), port=http_port)
        try:
            door.start()
            door.wait_for("sip_registered", 10)
            results["frame_delay"] = frame_delays(pbx, door.url, args.seconds)
            results["bell_to_first_frame"] = bell_to_first_frame(pbx, door, tmp, args.bells)
        finally:
            pbx.stop()
            door.stop()
    results["machine"]["load_after"] = os.getloadavg()[0]
    report(results)
    cli.write_results(args, "door", results)
    return 0


def report(results: dict[str, Any]) -> None:
    fd = results["frame_delay"]
    print(f"\nframe delay, drawn -> decoded ({results['fps']} fps, 640x480):")
    print(f"  {'path':<8} {'frames':>6} {'fps':>5} {'median':>8} {'p95':>8} {'p99':>8} "
          f"{'max':>8}")
    for name in ("direct", "relay"):
        s = fd[name]
        print(f"  {name:<8} {s['frames']:>6} {s['fps']:>5} {s['median_ms']:>6} ms "
              f"{s['p95_ms']:>5} ms {s['p99_ms']:>5} ms {s['max_ms']:>5} ms")
    print(f"  relay adds {fd['relay_added_median_ms']} ms at the median; p95 ratio "
          f"relay/direct {fd['ratio_p95']} (target p95 < {TARGETS['relay_frame_delay_p95_ms']}"
          f" ms)")
    bell = results["bell_to_first_frame"]
    print(f"\nbell to the window ringing: median {bell['ringing']['median_ms']} ms; to the "
          f"first video frame in it: median {bell['median_ms']} ms, max {bell['max_ms']} ms "
          f"over {bell['n']} bells (target < {TARGETS['bell_to_first_frame_ms']} ms)")


if __name__ == "__main__":
    raise SystemExit(main())
