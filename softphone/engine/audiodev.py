"""Backends behind the audio bridge's rings: sound devices, test files, or none.

- :class:`SoundDeviceBackend`: PortAudio streams via sounddevice.  Their callbacks run on
  PortAudio's thread and only copy bytes between the stream and a ring.
- :class:`FileBackend` (``--test-audio DIR``): the "microphone" is DIR/mic.wav, looped;
  the speaker output is recorded to DIR/speaker.wav and the ringer's to DIR/ringer.wav.
  A 20 ms clock thread of our own moves the audio through the SAME rings and the same
  AudioMediaPort as real devices would, so tests exercise the real bridge; only PortAudio
  is replaced.  The recordings run from engine start to exit (silence while no call has
  media), so a test can measure the last seconds of speaker.wav.
  If DIR/loopback exists (an empty file will do), the microphone hears what the speaker
  played in the same tick instead (a loopback cable: no delay of its own), so the delay
  the engine adds can be measured from the far end (bench/client.py).
- :class:`NullBackend`: no device exists at all; calls still work (pjsua2's null sound
  device clocks the conference bridge), nothing is played or captured.

All three are used only from the engine loop's thread, except their callbacks/clock.
"""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

from softphone.common.engine_protocol import AudioDevice
from softphone.engine.audio import CLOCK_RATE, FRAME_BYTES, FRAME_MS, FrameSource, RingBuffer

TEST_DEVICE = "test-audio"


def read_wav_16k(path: Path) -> bytes:
    """A WAV file as 16-bit mono PCM at CLOCK_RATE (mixed down and resampled if needed)."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is supported")
        rate, channels = wav.getframerate(), wav.getnchannels()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    if rate != CLOCK_RATE and len(samples):
        count = round(len(samples) * CLOCK_RATE / rate)
        samples = np.interp(np.arange(count) * rate / CLOCK_RATE, np.arange(len(samples)),
                            samples)
    return np.asarray(samples).astype("<i2").tobytes()


class NullBackend:
    null_audio = True

    def devices(self) -> list[AudioDevice]:
        return []

    def open(self, input_name: str | None, output_name: str | None) -> str:
        return ""

    def close(self) -> None:
        pass

    def start_ringer(self, device: str | None, source: FrameSource) -> str:
        return ""

    def stop_ringer(self) -> None:
        pass

    def shutdown(self) -> None:
        pass


class SoundDeviceBackend:
    """PortAudio streams at the bridge's rate, 16-bit mono, 20 ms blocks."""

    def __init__(self, mic: RingBuffer, speaker: RingBuffer, sd: Any) -> None:
        self.mic, self.speaker, self.sd = mic, speaker, sd
        self.streams: list[Any] = []
        self.ringer_stream: Any = None
        self.null_audio = not self.devices()

    def devices(self) -> list[AudioDevice]:
        try:
            found = self.sd.query_devices()
        except Exception:   # PortAudio errors are plain exceptions in sounddevice
            return []
        return [AudioDevice(name=d["name"], inputs=int(d["max_input_channels"]),
                            outputs=int(d["max_output_channels"])) for d in found]

    def _index(self, name: str | None, kind: str) -> int | None:
        if name is None:
            return None   # PortAudio's default device
        for index, dev in enumerate(self.sd.query_devices()):
            if dev["name"] == name and dev[f"max_{kind}_channels"] > 0:
                return index
        raise LookupError(f"no {kind} device named {name!r}")

    def _stream(self, cls: Any, device: int | None, callback: Any) -> Any:
        stream = cls(device=device, samplerate=CLOCK_RATE, channels=1, dtype="int16",
                     blocksize=FRAME_BYTES // 2, callback=callback)
        stream.start()
        return stream

    def open(self, input_name: str | None, output_name: str | None) -> str:
        if self.null_audio:
            return ""
        try:
            self.streams.append(self._stream(self.sd.RawInputStream,
                                             self._index(input_name, "input"), self._captured))
            self.streams.append(self._stream(self.sd.RawOutputStream,
                                             self._index(output_name, "output"), self._play))
        except Exception:
            self.close()
            return "audio_device"
        return ""

    def _captured(self, indata: Any, frames: int, when: Any, status: Any) -> None:
        self.mic.write(bytes(indata))

    def _play(self, outdata: Any, frames: int, when: Any, status: Any) -> None:
        outdata[:] = self.speaker.read(len(outdata))

    def close(self) -> None:
        streams, self.streams = self.streams, []
        for stream in streams:
            try:
                stream.close()
            except Exception:
                pass

    def start_ringer(self, device: str | None, source: FrameSource) -> str:
        self.stop_ringer()
        if self.null_audio:
            return ""

        def play(outdata: Any, frames: int, when: Any, status: Any) -> None:
            outdata[:] = source.read(len(outdata))

        try:
            self.ringer_stream = self._stream(self.sd.RawOutputStream,
                                              self._index(device, "output"), play)
        except Exception:
            return "audio_device"
        return ""

    def stop_ringer(self) -> None:
        stream, self.ringer_stream = self.ringer_stream, None
        if stream is not None:
            try:
                stream.close()
            except Exception:
                pass

    def shutdown(self) -> None:
        self.close()
        self.stop_ringer()


def _wav_writer(path: Path, files: list[Any]) -> wave.Wave_write:
    # Unbuffered, so the header and frames are on disk after every tick for a test to read.
    raw = open(path, "wb", buffering=0)  # noqa: SIM115 (closed in shutdown)
    files.append(raw)
    out = wave.open(raw, "wb")  # noqa: SIM115 (closed in shutdown)
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(CLOCK_RATE)
    return out


class FileBackend:
    """Test audio: DIR/mic.wav in, DIR/speaker.wav and DIR/ringer.wav out, 20 ms clock."""

    null_audio = False

    def __init__(self, directory: Path, mic: RingBuffer, speaker: RingBuffer) -> None:
        self.mic, self.speaker = mic, speaker
        mic_wav = directory / "mic.wav"
        self.mic_pcm = read_wav_16k(mic_wav) if mic_wav.exists() else bytes(FRAME_BYTES)
        self.loopback = (directory / "loopback").exists()
        self.mic_pos = 0
        self.files: list[Any] = []
        self.speaker_wav = _wav_writer(directory / "speaker.wav", self.files)
        self.ringer_wav = _wav_writer(directory / "ringer.wav", self.files)
        self.capturing = False
        self.ringer: FrameSource | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="test-audio", daemon=True)
        self._thread.start()

    def devices(self) -> list[AudioDevice]:
        return [AudioDevice(name=TEST_DEVICE, inputs=1, outputs=1)]

    def open(self, input_name: str | None, output_name: str | None) -> str:
        if {input_name, output_name} - {None, TEST_DEVICE}:
            return "audio_device"
        self.capturing = True
        return ""

    def close(self) -> None:
        self.capturing = False

    def start_ringer(self, device: str | None, source: FrameSource) -> str:
        if device not in (None, TEST_DEVICE):
            return "audio_device"
        self.ringer = source
        return ""

    def stop_ringer(self) -> None:
        self.ringer = None

    def _mic_frame(self) -> bytes:
        pcm = self.mic_pcm
        out = bytearray()
        while len(out) < FRAME_BYTES:
            take = pcm[self.mic_pos : self.mic_pos + FRAME_BYTES - len(out)]
            out += take
            self.mic_pos = (self.mic_pos + len(take)) % len(pcm)
        return bytes(out)

    def _tick(self) -> None:
        silence = bytes(FRAME_BYTES)
        if self.capturing:
            played = self.speaker.read(FRAME_BYTES)
            self.mic.write(played if self.loopback else self._mic_frame())
            self.speaker_wav.writeframes(played)
        else:
            self.speaker_wav.writeframes(silence)
        ringer = self.ringer
        self.ringer_wav.writeframes(ringer.read(FRAME_BYTES) if ringer else silence)

    def _run(self) -> None:
        period = FRAME_MS / 1000
        due = time.monotonic()
        while not self._stop.is_set():
            self._tick()
            due += period
            delay = due - time.monotonic()
            if delay < -0.2:   # stalled (a loaded machine): resync instead of bursting
                due = time.monotonic()
            elif delay > 0:
                self._stop.wait(delay)

    def shutdown(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
        for out in (self.speaker_wav, self.ringer_wav, *self.files):
            try:
                out.close()   # wave's close() leaves a file it did not open to us
            except (OSError, ValueError):
                pass
