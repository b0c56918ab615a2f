"""The engine's audio bridge pieces without a running pjsua2 library: the ring buffers'
under/overrun behaviour, the 20 ms frame size, the frame copying of the AudioMediaPort
callbacks, the test-audio file backend's clock, and the ringer's looping source."""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path

import numpy as np
import pjsua2 as pj
import pytest

from softphone.engine.audio import (
    CLOCK_RATE,
    FRAME_BYTES,
    RING_MS,
    BridgePort,
    RingBuffer,
)
from softphone.engine.audiodev import FileBackend, read_wav_16k
from softphone.engine.ringer import LoopSource
from tests.helpers.audio import dominant_frequency, write_tone_wav


def test_a_frame_is_20_ms_of_16_bit_mono_at_the_bridge_rate() -> None:
    assert CLOCK_RATE == 16000
    assert FRAME_BYTES == 640 == CLOCK_RATE // 50 * 2


def test_ring_passes_bytes_through_in_order() -> None:
    ring = RingBuffer()
    ring.write(b"\x01\x00\x02\x00")
    ring.write(b"\x03\x00")
    assert ring.read(4) == b"\x01\x00\x02\x00"
    assert ring.read(2) == b"\x03\x00"
    assert ring.underruns == ring.overruns == 0


def test_underrun_pads_with_silence_and_is_counted() -> None:
    ring = RingBuffer()
    ring.write(b"\x07\x00" * 10)
    frame = ring.read(FRAME_BYTES)
    assert len(frame) == FRAME_BYTES
    assert frame[:20] == b"\x07\x00" * 10 and frame[20:] == bytes(FRAME_BYTES - 20)
    assert ring.underruns == 1
    assert ring.read(FRAME_BYTES) == bytes(FRAME_BYTES)   # empty: a whole silent frame
    assert ring.underruns == 2


def test_overrun_drops_the_oldest_audio_and_bounds_latency() -> None:
    ring = RingBuffer()
    assert ring.capacity == CLOCK_RATE * RING_MS // 1000 * 2
    frames = [bytes([n, 0]) * (FRAME_BYTES // 2) for n in range(20)]   # 400 ms
    for frame in frames:
        ring.write(frame)
    assert len(ring) == ring.capacity
    assert ring.overruns > 0 and ring.dropped == 20 * FRAME_BYTES - ring.capacity
    kept = ring.capacity // FRAME_BYTES
    assert [ring.read(FRAME_BYTES) for _ in range(kept)] == frames[-kept:]


def test_overrun_keeps_sample_alignment() -> None:
    ring = RingBuffer(capacity=8)
    ring.write(b"\x01\x02\x03\x04\x05\x06")
    ring.write(b"\x07\x08\x09\x0a\x0b")   # 3 bytes too many: 2 whole samples go
    assert len(ring) == 7 and ring.dropped == 4
    assert ring.read(2) == b"\x05\x06"       # still on a sample boundary of the stream
    with pytest.raises(ValueError):
        RingBuffer(capacity=7)


def test_ring_survives_a_producer_and_a_consumer_thread() -> None:
    ring = RingBuffer(capacity=FRAME_BYTES * 64)
    total = FRAME_BYTES * 200
    data = bytes(range(256)) * (total // 256)
    got = bytearray()

    def produce() -> None:
        for i in range(0, len(data), FRAME_BYTES):
            ring.write(data[i : i + FRAME_BYTES])
            time.sleep(0.0005)

    producer = threading.Thread(target=produce)
    producer.start()
    while len(got) < len(data):
        if len(ring) >= FRAME_BYTES:
            got += ring.read(FRAME_BYTES)
        else:
            time.sleep(0.0002)
    producer.join()
    assert bytes(got) == data


def test_bridge_port_callbacks_only_copy_frames() -> None:
    mic, speaker = RingBuffer(), RingBuffer()
    port = BridgePort(mic, speaker)
    mic.write(b"\x10\x00" * (FRAME_BYTES // 2))
    frame = pj.MediaFrame()
    port.onFrameRequested(frame)
    assert frame.size == FRAME_BYTES and frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO
    assert bytes(frame.buf) == b"\x10\x00" * (FRAME_BYTES // 2)
    port.onFrameRequested(frame)                 # nothing captured: silence, not an error
    assert bytes(frame.buf) == bytes(FRAME_BYTES)

    received = pj.MediaFrame()
    received.buf = pj.ByteVector(b"\x20\x00" * (FRAME_BYTES // 2))
    received.size = FRAME_BYTES
    received.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
    port.onFrameReceived(received)
    assert speaker.read(FRAME_BYTES) == b"\x20\x00" * (FRAME_BYTES // 2)


def test_wav_input_is_resampled_to_the_bridge_rate(tmp_path: Path) -> None:
    path = write_tone_wav(tmp_path / "t8k.wav", 500, 1.0, rate=8000)
    pcm = np.frombuffer(read_wav_16k(path), dtype="<i2")
    assert len(pcm) == pytest.approx(CLOCK_RATE, abs=2)
    assert dominant_frequency(pcm, CLOCK_RATE) == pytest.approx(500, abs=5)


def test_file_backend_feeds_the_mic_ring_and_records_the_speaker(tmp_path: Path) -> None:
    write_tone_wav(tmp_path / "mic.wav", 600, 1.0)
    mic, speaker = RingBuffer(capacity=CLOCK_RATE * 2 * 2), RingBuffer()
    backend = FileBackend(tmp_path, mic, speaker)
    try:
        assert backend.open(None, None) == ""
        assert backend.open("no such device", None) == "audio_device"
        speaker.write(b"\x00\x10" * (CLOCK_RATE // 10))   # 100 ms: fits the ring
        time.sleep(0.5)
    finally:
        backend.shutdown()
    captured = np.frombuffer(mic.read(len(mic)), dtype="<i2")
    assert 0.3 * CLOCK_RATE < len(captured) < 0.8 * CLOCK_RATE   # ~25 frames of 20 ms
    assert dominant_frequency(captured, CLOCK_RATE) == pytest.approx(600, abs=15)
    with wave.open(str(tmp_path / "speaker.wav"), "rb") as wav:
        assert wav.getframerate() == CLOCK_RATE
        played = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert np.count_nonzero(played == 0x1000) == CLOCK_RATE // 10


def test_ringtone_loops_seamlessly() -> None:
    source = LoopSource(b"\x01\x00\x02\x00\x03\x00")
    assert source.read(8) == b"\x01\x00\x02\x00\x03\x00\x01\x00"
    assert source.read(4) == b"\x02\x00\x03\x00"
