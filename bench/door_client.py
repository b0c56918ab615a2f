"""bench/door.py's second half: bell to the first video frame in the real client.

The door simulator, registered as door 150, calls 100 when its bell is pressed; the real
GUI process (offscreen, `softphone --log-format json`, bench/client_procs.py) is signed in
as 100 with the PBX's client API. Per bell: POST /bell at t0, then the GUI's log lines
"call" (the window rings) and "door_video" state playing (its door view has decoded the
first frame of the door's video, fetched through the PBX relay under a fresh link). The
door gives up after its ring timeout; the next bell follows once the relay has closed its
connection to the camera (it lingers 3 s after the last viewer), so every bell is measured
cold: link, relay connecting to the camera, first frame, decode. All times are
CLOCK_MONOTONIC on this machine (the GUI's lines are stamped when they arrive).
"""

from __future__ import annotations

import statistics
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.client_procs import GuiProcess, write_client_config
from softphone.pbx.media.videorelay import LINGER
from tests.helpers.doorsim import DoorsimProcess
from tests.helpers.pbxproc import PbxProcess

RELAY_LINGER_S = LINGER   # the relay keeps the camera this long after the last viewer


def _ms(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {"n": len(values), "median_ms": round(statistics.median(values), 1),
            "min_ms": round(ordered[0], 1), "max_ms": round(ordered[-1], 1)}


def bell_to_first_frame(pbx: PbxProcess, door: DoorsimProcess, tmp: Path,
                        bells: int) -> dict[str, Any]:
    api_port = int(pbx.api_url().rsplit(":", 1)[1])
    config = write_client_config(tmp / "gui-door", pbx.sip_port, "100")
    with (config / "softphone.ini").open("a") as ini:
        ini.write(f"\n[pbx]\napi_port={api_port}\n")
    gui = GuiProcess(config).start()
    ring: list[float] = []
    frame: list[float] = []
    try:
        gui.wait_for("registration", 20, state="registered")
        gui.wait_for("directory", 20)       # which says that 150 is a door
        door_mark = 0
        for n in range(bells):
            if n:   # the door gave up ringing, the relay let go of the camera: measured cold
                _door_after(door, door_mark, "call_ended", 15)   # its ring timeout
                time.sleep(RELAY_LINGER_S + 1.0)
            seen = len(gui.lines)
            door_mark = len(door.lines)
            t0 = time.monotonic()
            urllib.request.urlopen(urllib.request.Request(f"{door.url}/bell", method="POST"),
                                   timeout=5).close()
            ring.append(1000 * (_after(gui, seen, "call", 10, state="incoming") - t0))
            frame.append(1000 * (_after(gui, seen, "door_video", 10, state="playing") - t0))
            print(f"  bell {n + 1}: ringing after {ring[-1]:.0f} ms, first frame after "
                  f"{frame[-1]:.0f} ms", flush=True)
    finally:
        gui.stop()
    return {"ringing": _ms(ring), "first_frame": _ms(frame), **_ms(frame)}


def _after(gui: GuiProcess, seen: int, event: str, timeout: float, **match: Any) -> float:
    """When the first matching line after the first ``seen`` lines arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for arrived, item in gui.lines[seen:]:
            if item.get("event") == event and all(item.get(k) == v for k, v in match.items()):
                return arrived
        time.sleep(0.005)
    raise RuntimeError(f"softphone did not log {event} {match} within {timeout} s")


def _door_after(door: DoorsimProcess, seen: int, event: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(item.get("event") == event for item in door.lines[seen:]):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the door did not log {event} within {timeout} s")
