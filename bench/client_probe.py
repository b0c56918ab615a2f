"""pjsua2 agents for bench/client.py's audio delay measure: ``python -m bench.client_probe``.

Both are tests/helpers/pjagent.py's agent (same pjsua2 settings, commands and JSON-lines
events) with one more mode:

- ``--mode echo``: answers every call at once and connects the call's conference port to
  itself, as pjsua's own ``--auto-loop`` does: what arrives is sent back in the same
  conference-bridge tick. This is the baseline: an echoing endpoint that adds no buffering
  of its own beyond pjsua2's jitter buffer.
- ``--mode probe``: ``{"cmd": "probe", "uri": ..., "seconds": 8}`` calls `uri` and, once media
  is up, sends a tone burst (a 40 ms Hann-windowed sweep 600-3000 Hz, so the correlation
  has one sharp peak) every 800 ms from an AudioMediaPort, and keeps what comes back. Sent
  and received frames are counted on the same conference-bridge clock, so each burst's
  round trip is the lag of its cross-correlation peak in the received audio, to the sample.
  It then hangs up and emits ``{"event": "probe", "rtt_ms": [...], ...}``.

Driven by :class:`ProbeProcess` (the same JSON lines as tests/helpers/agent.py).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pjsua2 as pj

from tests.helpers.pjagent import AgentAccount, AgentCall, PjAgent, argument_parser, op

ROOT = Path(__file__).resolve().parents[1]
RATE = 16000                      # the agent's conference bridge (pjsua's default clock rate)
FRAME = RATE // 50                # samples in 20 ms
PERIOD = RATE * 800 // 1000       # a burst every 800 ms: longer than any round trip here
BURST_S = 0.04
MIN_PEAK = 0.5                    # normalised correlation below this: burst not found


def burst() -> np.ndarray:
    t = np.arange(int(BURST_S * RATE)) / RATE
    f0, f1 = 600.0, 3000.0
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * BURST_S))
    return np.sin(phase) * np.hanning(t.size) * 0.5 * 32767


def round_trips(received: np.ndarray, sent_bursts: int, skip: int = 1) -> list[float]:
    """Round trip (ms) of each burst found in `received` (bridge samples from the start)."""
    template = burst()
    norm = float(np.linalg.norm(template))
    out = []
    for k in range(skip, sent_bursts):
        window = received[k * PERIOD: (k + 1) * PERIOD].astype(np.float64)
        if window.size < PERIOD:
            break
        corr = np.correlate(window, template, mode="valid")
        lag = int(np.argmax(corr))
        energy = float(np.linalg.norm(window[lag: lag + template.size]))
        if energy and corr[lag] / (norm * energy) >= MIN_PEAK:
            out.append(round(lag * 1000 / RATE, 2))
    return out


class ProbePort(pj.AudioMediaPort):
    """Sends the burst train, keeps what it receives; both indexed by bridge ticks."""

    def __init__(self) -> None:
        super().__init__()
        signal_ = np.zeros(PERIOD, dtype=np.float64)
        signal_[: int(BURST_S * RATE)] = burst()
        self.signal = signal_.astype("<i2").tobytes()
        self.tick = 0
        self.received: list[tuple[int, bytes]] = []

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        start = (self.tick * FRAME * 2) % len(self.signal)
        self.tick += 1
        frame.buf = pj.ByteVector(self.signal[start: start + FRAME * 2])
        frame.size = FRAME * 2
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size:
            self.received.append((self.tick - 1, bytes(frame.buf)))

    def recording(self) -> np.ndarray:
        out = np.zeros(self.tick * FRAME, dtype=np.int16)
        for tick, data in self.received:
            if tick >= 0 and len(data) == FRAME * 2:
                out[tick * FRAME: (tick + 1) * FRAME] = np.frombuffer(data, dtype="<i2")
        return out


class ProbeAgent(PjAgent):
    def __init__(self, args: argparse.Namespace, out: Any) -> None:
        super().__init__(args, out)
        self.mode = args.mode
        self.port: ProbePort | None = None
        self.seconds = 0.0

    def on_incoming(self, acc: AgentAccount, call_id: int) -> None:
        super().on_incoming(acc, call_id)
        if self.mode == "echo":
            self.calls[-1].answer(op(200))

    def on_media_state(self, call: AgentCall) -> None:
        super().on_media_state(call)
        if not call.media_active:
            return
        media = call.getAudioMedia(-1)
        if self.mode == "echo":
            media.startTransmit(media)      # pjsua --auto-loop
        elif self.port is None and self.seconds:
            fmt = pj.MediaFormatAudio()
            fmt.init(pj.PJMEDIA_FORMAT_PCM, RATE, 1, 20000, 16)
            self.port = ProbePort()
            self.port.createPort("probe", fmt)
            self.port.startTransmit(media)
            media.startTransmit(self.port)
            self.graveyard.append((time.monotonic() + self.seconds, None, self._finish))

    def cmd_probe(self, cmd: dict[str, Any]) -> None:
        self.seconds = float(cmd.get("seconds", 8.0))
        self.cmd_call({"uri": cmd["uri"]})

    def _finish(self) -> None:
        port, self.port, self.seconds = self.port, None, 0.0
        assert port is not None
        jitter_buffer: dict[str, int] = {}
        for call in self.calls:
            if call.media_active:
                jitter_buffer = self._jitter_buffer(call)
                media = call.getAudioMedia(-1)
                port.stopTransmit(media)
                media.stopTransmit(port)
            call.hangup(op())
        bursts = port.tick * FRAME // PERIOD
        rtts = round_trips(port.recording(), bursts)
        self._bury(port)
        self.emit("probe", rtt_ms=rtts, bursts=bursts, frames_received=len(port.received),
                  jitter_buffer=jitter_buffer)

    @staticmethod
    def _jitter_buffer(call: AgentCall) -> dict[str, int]:
        """The probe's own jitter buffer: how the far end's packets arrived."""
        info = call.getInfo()   # kept: SWIG's vector would outlive a temporary CallInfo
        audio = [m.index for m in info.media if m.type == pj.PJMEDIA_TYPE_AUDIO]
        jb = call.getStreamStat(audio[0]).jbuf
        return {"avg_delay_ms": jb.avgDelayMsec, "max_delay_ms": jb.maxDelayMsec,
                "prefetch": jb.prefetch, "avg_burst": jb.avgBurst, "discard": jb.discard,
                "empty": jb.empty}


class ProbeProcess:
    """One probe/echo agent process: send(**cmd), wait_for(event) -> the event's dict."""

    def __init__(self, name: str, mode: str, log_dir: Path) -> None:
        self.name = name
        self._log = (log_dir / f"{name}.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.client_probe", "--name", name, "--mode", mode,
             "--log-level", "3"],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            text=True, bufsize=1)
        self.events: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for("ready", 20)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cond:
                self.events.append(json.loads(line))
                self._cond.notify_all()

    def send(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def wait_for(self, event: str, timeout: float = 10.0, **match: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, e in enumerate(self.events):
                    if e["event"] == event and all(e.get(k) == v for k, v in match.items()):
                        return self.events.pop(i)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"{self.name}: no {event} {match} in {timeout} s: "
                                       f"{self.events[-5:]}")
                self._cond.wait(left)

    def close(self) -> None:
        try:
            self.send(cmd="quit")
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def main() -> int:
    parser = argument_parser("python -m bench.client_probe")
    parser.add_argument("--mode", choices=("probe", "echo"), required=True)
    args = parser.parse_args()
    out = os.fdopen(os.dup(1), "w", buffering=1)   # pjsip logs to fd 1 (see pjagent.main)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    agent = ProbeAgent(args, out)
    signal.signal(signal.SIGTERM, lambda *_: setattr(agent, "quitting", True))
    try:
        agent.run()
    finally:
        agent.shutdown()
    out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
