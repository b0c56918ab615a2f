"""The audio bridge: device stream -> ring buffer -> pj.AudioMediaPort, and back.

Three clocks meet here: the sound card's (PortAudio callbacks), pjmedia's conference
bridge clock (the null sound device's thread calls our AudioMediaPort every 20 ms) and,
with ``--test-audio``, our own 20 ms file clock.  None of them may wait for another, so
each direction goes through a :class:`RingBuffer` and every callback only copies bytes
(DESIGN.md: "the callbacks only copy").  The rings are bounded: an overrun drops the
oldest audio (latency stays bounded when the card's clock runs fast), an underrun is
padded with silence (the card's clock runs slow, or the stream has not started).
An underrun also leaves latency behind: the late audio is played a frame later for the
rest of the call, and scheduling hiccups add up.  So the bridge's rings drop audio that
stood in them for a whole second of reads (TRIM_AFTER_READS) - latency no read needed.
(bench/client.py, tone bursts through --test-audio loopback on a loaded 2-core machine:
without it a 30 s call's added round trip crept from 20 ms up to 140 ms; with it the rings
gave back 20-40 ms of such standing audio a call, a frame at a time.)

The backend behind the rings (softphone.engine.audiodev) is PortAudio via sounddevice,
the test-audio files, or nothing at all (null audio): the pj side is the same in each
case, so the test-audio e2e tests exercise the real bridge code.

pjsua2 facts this relies on (pjsua2 docs, "Media" - AudioMediaPort): onFrameRequested
and onFrameReceived run on pjmedia's clock thread, not our loop; onFrameRequested is
only called while the port transmits to some other port.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import pjsua2 as pj

from softphone.common.engine_protocol import AudioDevice, AudioStatus

log = logging.getLogger(__name__)

CLOCK_RATE = 16000          # the conference bridge's rate (EpConfig.medConfig.clockRate)
FRAME_MS = 20
SAMPLE_BYTES = 2            # 16-bit mono PCM
FRAME_BYTES = CLOCK_RATE * FRAME_MS // 1000 * SAMPLE_BYTES   # 640
RING_MS = 120               # bound on the latency a ring can add
TRIM_AFTER_READS = 50       # 1 s of 20 ms reads (RingBuffer.trim_after)


class RingBuffer:
    """A bounded byte FIFO shared by one producer and one consumer thread.

    write() never blocks and never fails: on overrun it drops the oldest bytes (whole
    samples).  read(n) always returns n bytes: on underrun the missing tail is silence.
    The lock is held only for a memcpy, so it is safe in audio callbacks.

    With `trim_after` > 0, audio that was still waiting after each of the last `trim_after`
    reads is dropped (the least fill seen after a read in that window): it only delayed
    everything behind it.  An underrun in the window means the fill was needed: no trim.
    """

    def __init__(self, capacity: int = CLOCK_RATE * RING_MS // 1000 * SAMPLE_BYTES,
                 sample_bytes: int = SAMPLE_BYTES, trim_after: int = 0) -> None:
        if capacity <= 0 or capacity % sample_bytes:
            raise ValueError("capacity must be a positive whole number of samples")
        self.capacity = capacity
        self.sample_bytes = sample_bytes
        self._buf = bytearray()
        self._lock = threading.Lock()
        self.overruns = 0       # writes that had to drop old audio
        self.underruns = 0      # reads that had to pad with silence
        self.dropped = 0        # bytes dropped by overruns
        self.trim_after = trim_after
        self.trimmed = 0        # bytes dropped as standing latency
        self._reads = 0         # reads in the current trim window
        self._least = 0         # least fill after a read in it

    def __len__(self) -> int:
        with self._lock:
            return len(self._buf)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        with self._lock:
            self._buf += data
            excess = len(self._buf) - self.capacity
            if excess > 0:
                excess += -excess % self.sample_bytes   # keep sample alignment
                del self._buf[:excess]
                self.overruns += 1
                self.dropped += excess

    def read(self, size: int) -> bytes:
        with self._lock:
            chunk = bytes(self._buf[:size])
            del self._buf[:size]
            if len(chunk) < size:
                self.underruns += 1
            if self.trim_after:
                self._trim_standing()
        if len(chunk) < size:
            chunk += bytes(size - len(chunk))
        return chunk

    def _trim_standing(self) -> None:
        """After a read, with the lock held: count the window, trim at its end."""
        fill = len(self._buf)
        self._least = fill if self._reads == 0 else min(self._least, fill)
        self._reads += 1
        if self._reads >= self.trim_after:
            excess = self._least - self._least % self.sample_bytes
            if excess:
                del self._buf[:excess]
                self.trimmed += excess
            self._reads = 0

    def clear(self) -> None:
        with self._lock:
            self._buf.clear()
            self._reads = 0


class BridgePort(pj.AudioMediaPort):
    """The conference bridge's view of the local audio: it receives what the calls send
    to the speaker and supplies what the microphone captured.  Only copies bytes."""

    def __init__(self, mic: RingBuffer, speaker: RingBuffer) -> None:
        super().__init__()
        self.mic = mic
        self.speaker = speaker

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        frame.buf = pj.ByteVector(self.mic.read(FRAME_BYTES))
        frame.size = FRAME_BYTES
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size:
            self.speaker.write(bytes(frame.buf))


class FrameSource(Protocol):
    """Something a ringer stream reads from (softphone.engine.ringer.LoopSource)."""

    def read(self, size: int) -> bytes: ...


class AudioBackend(Protocol):
    """Where the rings' far ends go: sound devices, test files, or nowhere."""

    null_audio: bool

    def devices(self) -> list[AudioDevice]: ...

    def open(self, input_name: str | None, output_name: str | None) -> str:
        """Start capture into `mic` and playback from `speaker`; returns an ErrorCode value
        ("" on success)."""
        ...

    def close(self) -> None: ...

    def start_ringer(self, device: str | None, source: FrameSource) -> str: ...

    def stop_ringer(self) -> None: ...

    def shutdown(self) -> None: ...


class AudioBridge:
    """Links calls' audio to the local devices through one BridgePort.

    Only the engine loop's thread calls this class (it makes pjsua2 calls).  The device
    streams run only while some call has active media (no open microphone otherwise).
    """

    def __init__(self, backend: AudioBackend, mic: RingBuffer, speaker: RingBuffer) -> None:
        self.backend = backend
        self.mic = mic
        self.speaker = speaker
        for ring in (mic, speaker):     # live audio: keep the latency at what jitter needs
            ring.trim_after = TRIM_AFTER_READS
        self.port: BridgePort | None = None
        self.input: str | None = None
        self.output: str | None = None
        self.error = ""
        self.active = False

    def create_port(self) -> None:
        """After libStart: the port joins the conference bridge."""
        fmt = pj.MediaFormatAudio()
        fmt.init(pj.PJMEDIA_FORMAT_PCM, CLOCK_RATE, 1, FRAME_MS * 1000, SAMPLE_BYTES * 8)
        port = BridgePort(self.mic, self.speaker)
        port.createPort("softphone-bridge", fmt)
        self.port = port

    def link(self, media: pj.AudioMedia, send_mic: bool) -> None:
        """Connect a call's conference port both ways (mic only when not muted).

        Called on every media-active callback: after hold/resume a call may have a new
        conference port (pjsua2 Call.getAudioMedia), and connecting twice is harmless
        (pjmedia_conf_connect_port returns success for an existing link)."""
        if self.port is None:
            return
        media.startTransmit(self.port)
        if send_mic:
            self.port.startTransmit(media)
        else:
            self.unlink_mic(media)

    def unlink_mic(self, media: pj.AudioMedia) -> None:
        if self.port is not None:
            try:
                self.port.stopTransmit(media)
            except pj.Error:
                pass   # the call's port is already gone from the bridge

    def set_active(self, active: bool) -> None:
        """Open the devices when the first call gets media, close them after the last."""
        if active == self.active:
            return
        self.active = active
        if active:
            self.mic.clear()
            self.speaker.clear()
            self.error = self.backend.open(self.input, self.output)
        else:
            self.backend.close()

    def choose(self, input_name: str | None, output_name: str | None) -> None:
        """Change devices, also during a call: the streams are reopened, the rings and the
        pj port stay as they are."""
        self.input, self.output = input_name, output_name
        known = {d.name for d in self.backend.devices()}
        unknown = [n for n in (input_name, output_name) if n is not None and n not in known]
        self.error = "audio_device" if unknown else ""
        if self.active:
            self.backend.close()
            self.error = self.backend.open(input_name, output_name) or self.error

    def status(self, ringer: str | None) -> AudioStatus:
        return AudioStatus(devices=self.backend.devices(), input=self.input, output=self.output,
                           ringer=ringer, null_audio=self.backend.null_audio, error=self.error)

    def release(self) -> BridgePort | None:
        """Stop the devices and hand the port to the caller, who lets it linger."""
        self.set_active(False)
        self.backend.shutdown()
        for name, ring in (("mic", self.mic), ("speaker", self.speaker)):
            log.info("%s ring: %d underruns, %d overruns (%d bytes dropped), %d bytes of "
                     "standing latency trimmed", name, ring.underruns, ring.overruns,
                     ring.dropped, ring.trimmed)
        port, self.port = self.port, None
        return port
