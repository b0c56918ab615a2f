"""The conference mixer: each participant hears the sum of the others and not itself,
summed wide and clipped; a missing packet is concealed and a late one dropped; G.711 and
G.722 participants hear each other (tone in, frequency out)."""

from __future__ import annotations

import numpy as np
import pytest

from softphone.pbx.media.codecs import PT_G722, PT_PCMA, PT_PCMU, Codec
from softphone.pbx.media.jitter import JitterBuffer
from softphone.pbx.media.mixer import MAX_QUEUED, Mixer, MixPort, mix_minus
from softphone.pbx.media.talk import HANGOVER, TalkDetector
from softphone.pbx.media.ticker import Ticker
from softphone.pbx.media.tones import sine
from tests.helpers.audio import dominant_frequency, tone_present


def test_each_hears_the_sum_of_the_others_minus_its_own() -> None:
    frames = np.array([[100] * 4, [20] * 4, [3] * 4], dtype=np.int16)
    assert mix_minus(frames).tolist() == [[23] * 4, [103] * 4, [120] * 4]


def test_the_sum_is_wide_and_clipped_not_wrapped() -> None:
    loud = np.full((3, 4), 30000, dtype=np.int16)
    assert mix_minus(loud).tolist() == [[32767] * 4] * 3
    quiet_and_loud = np.array([[-30000] * 2, [-30000] * 2, [-30000] * 2, [5] * 2],
                              dtype=np.int16)
    assert mix_minus(quiet_and_loud)[3].tolist() == [-32768, -32768]
    # The others' sum overflows int16 on the way (30000 + 30000) but comes back in range.
    swing = np.array([[30000], [30000], [-30000], [0]], dtype=np.int16)
    assert mix_minus(swing)[3].tolist() == [30000]


class Phone:
    """A participant fed a tone, frame by frame, recording what the mixer sends it."""

    def __init__(self, mixer: Mixer, pt: int, freq: float) -> None:
        self.encoder = Codec(pt)        # the phone's own codec state, as on a real phone
        self.decoder = Codec(pt)
        self.sent: list[bytes] = []
        self.port = MixPort(Codec(pt), self.sent.append)
        self.port.in_mix = True
        mixer.add(self.port)
        rate = self.encoder.rate
        self.tone = sine(freq, 2.0, rate, 0.3) if freq else np.zeros(2 * rate, np.int16)
        self.seq = 1000

    def speak(self, frame: int) -> None:
        n = self.encoder.frame_samples
        self.port.receive(self.seq, self.encoder.encode(self.tone[frame * n:(frame + 1) * n]))
        self.seq += 1

    def heard(self, skip: int = 5) -> tuple[np.ndarray, int]:
        audio = np.concatenate([self.decoder.decode(p) for p in self.sent])
        return audio[skip * self.decoder.frame_samples:], self.decoder.rate


def run(mixer: Mixer, phones: list[Phone], frames: int = 50) -> None:
    for i in range(frames):
        for phone in phones:
            phone.speak(i)
        mixer.tick()


@pytest.mark.parametrize("pts", [(PT_PCMU, PT_PCMU, PT_PCMU), (PT_PCMA, PT_G722, PT_PCMU)])
def test_three_participants_hear_the_other_two_not_themselves(pts: tuple[int, ...]) -> None:
    mixer = Mixer()
    freqs = (500, 900, 1300)
    phones = [Phone(mixer, pt, f) for pt, f in zip(pts, freqs, strict=True)]
    run(mixer, phones)
    assert mixer.rate == (16000 if PT_G722 in pts else 8000)
    for phone, own in zip(phones, freqs, strict=True):
        audio, rate = phone.heard()
        others = [f for f in freqs if f != own]
        for f in others:
            assert tone_present(audio, rate, f, min_ratio=0.3), (phone.port.codec.name, f)
        assert not tone_present(audio, rate, own, min_ratio=0.02)


def test_a_g711_and_a_g722_participant_hear_each_other() -> None:
    mixer = Mixer()
    narrow, wide = Phone(mixer, PT_PCMU, 700), Phone(mixer, PT_G722, 1100)
    run(mixer, [narrow, wide])
    audio, rate = narrow.heard()
    assert rate == 8000 and dominant_frequency(audio, rate) == pytest.approx(1100, abs=10)
    audio, rate = wide.heard()
    assert rate == 16000 and dominant_frequency(audio, rate) == pytest.approx(700, abs=10)


def test_a_caller_outside_the_room_hears_only_its_prompts_and_is_not_heard() -> None:
    mixer = Mixer()
    inside, lobby = Phone(mixer, PT_PCMU, 600), Phone(mixer, PT_PCMU, 1000)
    lobby.port.in_mix = False
    done: list[str] = []
    lobby.port.play(sine(400, 0.5, 8000, 0.3), then=lambda: done.append("prompt"))
    run(mixer, [inside, lobby], 50)
    assert done == ["prompt"]
    audio, rate = lobby.heard(skip=0)
    assert tone_present(audio[:4000], rate, 400, 0.9)
    assert np.abs(audio[4000:]).max() < 100            # after the prompt: nothing
    audio, rate = inside.heard()
    assert np.abs(audio).max() < 100                   # the room hears nothing of it


def test_a_missing_packet_is_concealed_and_a_late_one_dropped() -> None:
    buf = JitterBuffer(depth=2)
    assert buf.pop() is None                          # filling up
    buf.put(10, b"a")
    buf.put(12, b"c")                                 # 11 is missing
    assert buf.pop() == b"a"
    assert buf.pop() is None and buf.lost == 1        # 11: a gap, concealed by the port
    assert buf.put(11, b"b") is False and buf.late == 1   # too late now: dropped
    assert buf.pop() == b"c"
    buf.put(14, b"e")
    buf.put(13, b"d")                                 # reordered: played in order
    assert [buf.pop(), buf.pop()] == [b"d", b"e"]
    assert buf.put(14, b"e") is False                 # a duplicate


def test_a_lost_frame_is_filled_from_the_last_fading_out() -> None:
    mixer = Mixer()
    speaker, listener = Phone(mixer, PT_PCMU, 800), Phone(mixer, PT_PCMU, 0)
    for i in range(20):
        if i != 10:                                   # packet 10 never arrives
            speaker.speak(i)
        else:
            speaker.seq += 1
        listener.speak(i)
        mixer.tick()
    audio, rate = listener.heard(skip=0)
    frame = 160
    # Frame 10 reaches the listener two ticks later (the buffer's depth) as a repeat of
    # frame 9 at half the level, not as silence.
    lost = audio[11 * frame:12 * frame].astype(float)
    assert 0.3 < np.abs(lost).max() / np.abs(audio[10 * frame:11 * frame]).max() < 0.7
    assert dominant_frequency(audio[2 * frame:], rate) == pytest.approx(800, abs=15)


def test_muted_participants_are_not_heard_and_talking_has_a_hangover() -> None:
    mixer = Mixer()
    a, b = Phone(mixer, PT_PCMU, 600), Phone(mixer, PT_PCMU, 0)
    a.port.muted = True
    run(mixer, [a, b], 20)
    assert np.abs(b.heard()[0]).max() < 100
    changes: list[bool] = []
    detector = TalkDetector(changes.append)
    loud, quiet = sine(600, 0.02, 8000, 0.3), np.zeros(160, np.int16)
    for frame in [loud] * 3 + [quiet] * (HANGOVER - 1) + [loud] + [quiet] * HANGOVER:
        detector.feed(frame)
    assert changes == [True, False]


class FakeLoop:
    """time() and call_at() of an event loop whose clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0
        self.due: list[tuple[float, object]] = []

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, fn: object) -> Handle:
        self.due.append((when, fn))
        return Handle()


class Handle:
    def cancel(self) -> None:
        pass


def test_ticks_follow_deadlines_without_drift_and_skip_after_a_stall() -> None:
    loop = FakeLoop()
    ticks: list[float] = []
    ticker = Ticker(loop, lambda: ticks.append(loop.now))  # type: ignore[arg-type]
    ticker.start()
    for _ in range(100):
        when, fire = loop.due.pop()
        loop.now = when + 0.007          # every tick runs 7 ms late ...
        fire()                           # type: ignore[operator]
    # ... yet tick 100 is still due at start + 100 * 20 ms: lateness does not add up.
    assert loop.due[-1][0] == pytest.approx(100.0 + 101 * 0.02)
    loop.now += 1.0                      # the process stalled for a second
    when, fire = loop.due.pop()
    fire()                               # type: ignore[operator]
    # Ticks 102-150 fell into the stall: skipped, not sent in a burst.
    assert ticker.skipped == 49 and loop.due[-1][0] > loop.now


def test_a_full_prompt_queue_drops_more_prompts() -> None:
    port = MixPort(Codec(PT_PCMU), lambda payload: None)
    done: list[int] = []
    for i in range(MAX_QUEUED + 5):
        port.play(np.zeros(160, np.int16), then=lambda i=i: done.append(i))
    assert done == list(range(MAX_QUEUED, MAX_QUEUED + 5))   # told at once: dropped
