"""G.711 against the ITU-T reference, and the tone helpers the audio tests rely on."""

from __future__ import annotations

import numpy as np
import pytest

from softphone.pbx.media import g711
from softphone.pbx.media.tones import (
    DTMF_FREQUENCIES,
    dominant_frequency,
    dual_tone,
    goertzel_power,
    level_dbfs,
    sine,
)

ALL_INT16 = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)
ALL_CODES = np.arange(256, dtype=np.uint8)


# Scalar transcriptions of ITU-T G.191 g711.c, written loop-for-loop as in the C source, so
# the vectorised tables are checked against an independent implementation.
def ref_ulaw_compress(x: int) -> int:
    absno = ((~x) >> 2) + 33 if x < 0 else (x >> 2) + 33
    absno = min(absno, 0x1FFF)
    i = absno >> 6
    segno = 1
    while i != 0:
        segno += 1
        i >>= 1
    high = 0x08 - segno
    low = 0x0F - ((absno >> segno) & 0x0F)
    code = (high << 4) | low
    return code | 0x80 if x >= 0 else code


def ref_alaw_compress(x: int) -> int:
    ix = (~x) >> 4 if x < 0 else x >> 4
    if ix > 15:
        iexp = 1
        while ix > 16 + 15:
            ix >>= 1
            iexp += 1
        ix -= 16
        ix += iexp << 4
    if x >= 0:
        ix |= 0x80
    return ix ^ 0x55


def ref_ulaw_expand(code: int) -> int:
    sign = -1 if code < 0x80 else 1
    mantissa = ~code
    exponent = (mantissa >> 4) & 0x07
    step = 4 << (exponent + 1)
    mantissa &= 0x0F
    return sign * ((0x80 << exponent) + step * mantissa + step // 2 - 4 * 33)


def ref_alaw_expand(code: int) -> int:
    ix = (code ^ 0x55) & 0x7F
    iexp = ix >> 4
    mant = ix & 0x0F
    if iexp > 0:
        mant += 16
    mant = (mant << 4) + 0x08
    if iexp > 1:
        mant <<= iexp - 1
    return mant if code > 127 else -mant


@pytest.mark.parametrize(
    ("linear", "ulaw", "alaw"),
    [
        (0, 0xFF, 0xD5),  # silence: the codes a line carries when nobody speaks
        (-1, 0x7F, 0x55),  # one's complement: -1 is "negative zero"
        (32767, 0x80, 0xAA),  # positive full scale
        (-32768, 0x00, 0x2A),  # negative full scale
        (1000, 0xCE, 0xFA),
        (-1000, 0x4E, 0x7A),
    ],
)
def test_known_codes(linear: int, ulaw: int, alaw: int) -> None:
    sample = np.array([linear], dtype=np.int16)
    assert g711.ulaw_encode(sample)[0] == ulaw
    assert g711.alaw_encode(sample)[0] == alaw


@pytest.mark.parametrize(
    ("table", "code", "linear"),
    [
        ("ulaw", 0xFF, 0), ("ulaw", 0x7F, 0), ("ulaw", 0x80, 32124), ("ulaw", 0x00, -32124),
        ("ulaw", 0xF0, 120), ("ulaw", 0xEF, 132),
        ("alaw", 0xD5, 8), ("alaw", 0x55, -8), ("alaw", 0xAA, 32256), ("alaw", 0x2A, -32256),
    ],
)
def test_known_reconstruction_values(table: str, code: int, linear: int) -> None:
    decode = g711.ulaw_decode if table == "ulaw" else g711.alaw_decode
    assert decode(bytes([code]))[0] == linear


def test_every_sample_matches_itu_reference() -> None:
    values = ALL_INT16.tolist()
    assert g711.ulaw_encode(ALL_INT16).tolist() == [ref_ulaw_compress(x) for x in values]
    assert g711.alaw_encode(ALL_INT16).tolist() == [ref_alaw_compress(x) for x in values]


def test_every_code_matches_itu_reference() -> None:
    codes = ALL_CODES.tolist()
    assert g711.ulaw_decode(ALL_CODES).tolist() == [ref_ulaw_expand(c) for c in codes]
    assert g711.alaw_decode(ALL_CODES).tolist() == [ref_alaw_expand(c) for c in codes]


@pytest.mark.parametrize("law", ["ulaw", "alaw"])
def test_round_trip_error_is_within_half_a_step(law: str) -> None:
    enc, dec = (
        (g711.ulaw_encode, g711.ulaw_decode) if law == "ulaw"
        else (g711.alaw_encode, g711.alaw_decode)
    )
    back = dec(enc(ALL_INT16)).astype(np.int32)
    x = ALL_INT16.astype(np.int32)
    err = np.abs(back - x)
    # Logarithmic quantisation: the step doubles with each segment, so the error is
    # about 1/32 of the magnitude (3 % = the ~38 dB SNR G.711 is known for), plus the
    # smallest half-step near zero and the clipping above the largest reconstruction value.
    peak = 32124 if law == "ulaw" else 32256
    inside = np.abs(x) <= peak
    bound = np.abs(x[inside]) / 32 + (10 if law == "ulaw" else 16)
    assert np.all(err[inside] <= bound)
    assert np.all(err[~inside] <= 32768 - peak)
    # Decoding a reconstruction value and encoding again gives the same value back.
    levels = dec(ALL_CODES)
    assert np.array_equal(dec(enc(levels)), levels)
    # Louder in, never quieter out: the quantiser is monotonic.
    assert np.all(np.diff(back) >= 0)


@pytest.mark.parametrize("payload_type", [g711.PT_PCMU, g711.PT_PCMA])
def test_tone_survives_the_codec(payload_type: int) -> None:
    tone = sine(1000, 1.0, amplitude=0.3)
    payload = g711.encode(tone, payload_type)
    assert len(payload) == 8000  # one byte a sample, 8000 samples a second
    out = g711.decode(payload, payload_type)
    assert out.dtype == np.int16
    noise = out.astype(np.float64) - tone
    snr = 10 * np.log10(np.sum(tone.astype(np.float64) ** 2) / np.sum(noise**2))
    assert snr > 35.0
    assert dominant_frequency(out) == pytest.approx(1000, abs=2)


def test_rejects_wrong_types() -> None:
    with pytest.raises(TypeError, match="int16"):
        g711.ulaw_encode(np.zeros(4, dtype=np.float32))
    with pytest.raises(TypeError, match="uint8"):
        g711.alaw_decode(np.zeros(4, dtype=np.int16))
    with pytest.raises(ValueError, match=r"not G\.711"):
        g711.encode(np.zeros(4, dtype=np.int16), 9)


def test_sine_level_and_length() -> None:
    tone = sine(440, 0.5, amplitude=0.5)
    assert tone.dtype == np.int16 and tone.size == 4000
    assert int(tone.max()) == pytest.approx(16384, abs=2)
    assert level_dbfs(tone) == pytest.approx(-9.03, abs=0.05)  # 0.5 peak -> 0.354 RMS
    assert level_dbfs(np.zeros(160, dtype=np.int16)) == float("-inf")


@pytest.mark.parametrize("freq", [350.0, 440.0, 1000.0, 2600.0, 3400.0])
def test_dominant_frequency_finds_the_tone(freq: float) -> None:
    # 20 ms, one packet's worth: what a per-packet check would look at.
    assert dominant_frequency(sine(freq, 0.02)) == pytest.approx(freq, abs=20)
    assert dominant_frequency(sine(freq, 1.0)) == pytest.approx(freq, abs=1)


def test_goertzel_separates_near_frequencies() -> None:
    tone = sine(1000, 0.1, amplitude=1.0)
    assert goertzel_power(tone, 1000) == pytest.approx(0.5, rel=0.01)
    assert goertzel_power(tone, 1100) < 0.001
    assert goertzel_power(np.zeros(800, dtype=np.int16), 1000) == 0.0


def test_goertzel_detects_dtmf_digit() -> None:
    low, high = DTMF_FREQUENCIES["5"]
    tone = dual_tone(low, high, 0.05)
    powers = {f: goertzel_power(tone, f) for f in (697, 770, 852, 941, 1209, 1336, 1477, 1633)}
    strongest = sorted(powers, key=powers.__getitem__)[-2:]
    assert sorted(strongest) == [770, 1336]
    assert min(powers[770], powers[1336]) > 20 * max(powers[f] for f in (697, 852, 1209, 1477))
