"""G.711 companding (ITU-T G.711, 1988): mu-law (PCMU) and A-law (PCMA) with NumPy.

The arithmetic is the ITU-T reference implementation (G.191 Software Tool Library,
``g711.c``: ``ulaw_compress``/``ulaw_expand``/``alaw_compress``/``alaw_expand``), not the
older Sun code: negative samples are taken in one's complement (``~x``), so -1 encodes
like -0 and the tables match the G.711 decision values bit for bit.

Linear samples are 16-bit two's complement, left-justified as G.191 expects (mu-law uses
the top 14 bits, A-law the top 13). Every conversion is a table lookup: the encoder tables
have one entry per int16 value (64 KiB each), the decoder tables one per code (256). They
are built once per process on first use and are read-only, so sharing them is safe.

RTP payload types (RFC 3551 section 6): PCMU = 0, PCMA = 8; 8000 Hz, one byte a sample.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

PT_PCMU = 0
PT_PCMA = 8

Int16Array = npt.NDArray[np.int16]
Uint8Array = npt.NDArray[np.uint8]


def _all_int16() -> npt.NDArray[np.int32]:
    # Indexed by the int16 value reinterpreted as uint16, so that encode() can use
    # samples.view(np.uint16) as the index without any arithmetic.
    return np.arange(65536, dtype=np.uint16).view(np.int16).astype(np.int32)


def _segment_of(magnitude: npt.NDArray[np.int32], lowest_bits: int) -> npt.NDArray[np.int32]:
    """Position of the highest set bit above ``lowest_bits`` (0 when below): the segment."""
    seg = np.zeros_like(magnitude)
    rest = magnitude >> lowest_bits
    while np.any(rest):
        seg += rest > 0
        rest >>= 1
    return seg


@cache
def _ulaw_encode_table() -> Uint8Array:
    x = _all_int16()
    # G.191 ulaw_compress: 14-bit magnitude in one's complement, plus the bias of 33.
    absno = np.where(x < 0, (~x) >> 2, x >> 2) + 33
    absno = np.minimum(absno, 0x1FFF)
    segno = _segment_of(absno, 6) + 1
    high = 8 - segno
    low = 0x0F - ((absno >> segno) & 0x0F)
    code = (high << 4) | low
    code = np.where(x >= 0, code | 0x80, code)
    table = code.astype(np.uint8)
    table.setflags(write=False)
    return table


@cache
def _ulaw_decode_table() -> Int16Array:
    code = np.arange(256, dtype=np.int32)
    # G.191 ulaw_expand: codes are transmitted inverted (G.711 table 2a).
    sign = np.where(code < 0x80, -1, 1)
    mantissa = ~code
    exponent = (mantissa >> 4) & 0x07
    step = 4 << (exponent + 1)
    mantissa &= 0x0F
    value = sign * ((0x80 << exponent) + step * mantissa + step // 2 - 4 * 33)
    table = value.astype(np.int16)
    table.setflags(write=False)
    return table


@cache
def _alaw_encode_table() -> Uint8Array:
    x = _all_int16()
    # G.191 alaw_compress: 12-bit magnitude in one's complement; segment 0 and 1 share a step.
    ix = np.where(x < 0, (~x) >> 4, x >> 4)
    big = ix > 15
    iexp = _segment_of(ix, 5) + 1
    mant = ix >> (iexp - 1)
    seg_code = (mant - 16) + (iexp << 4)
    ix = np.where(big, seg_code, ix)
    ix = np.where(x >= 0, ix | 0x80, ix)
    # Even bits inverted on the line (G.711 table 1a): the 0x55 pattern.
    table = (ix ^ 0x55).astype(np.uint8)
    table.setflags(write=False)
    return table


@cache
def _alaw_decode_table() -> Int16Array:
    code = np.arange(256, dtype=np.int32)
    ix = (code ^ 0x55) & 0x7F
    iexp = ix >> 4
    mant = ix & 0x0F
    mant = np.where(iexp > 0, mant + 16, mant)
    mant = (mant << 4) + 0x08
    mant = np.where(iexp > 1, mant << np.maximum(iexp - 1, 0), mant)
    table = np.where(code > 127, mant, -mant).astype(np.int16)
    table.setflags(write=False)
    return table


def _as_int16(samples: npt.ArrayLike) -> Int16Array:
    arr = np.asarray(samples)
    if arr.dtype != np.int16:
        raise TypeError(f"G.711 encodes int16 samples, got {arr.dtype}")
    return arr


def _as_codes(codes: npt.ArrayLike | bytes) -> Uint8Array:
    if isinstance(codes, bytes | bytearray | memoryview):
        return np.frombuffer(codes, dtype=np.uint8)
    arr = np.asarray(codes)
    if arr.dtype != np.uint8:
        raise TypeError(f"G.711 decodes uint8 codes, got {arr.dtype}")
    return arr


def ulaw_encode(samples: npt.ArrayLike) -> Uint8Array:
    """int16 linear samples -> mu-law codes (uint8), same shape."""
    return _ulaw_encode_table()[_as_int16(samples).view(np.uint16)]


def ulaw_decode(codes: npt.ArrayLike | bytes) -> Int16Array:
    """mu-law codes (uint8 array or an RTP payload as bytes) -> int16 linear samples."""
    return _ulaw_decode_table()[_as_codes(codes)]


def alaw_encode(samples: npt.ArrayLike) -> Uint8Array:
    """int16 linear samples -> A-law codes (uint8), same shape."""
    return _alaw_encode_table()[_as_int16(samples).view(np.uint16)]


def alaw_decode(codes: npt.ArrayLike | bytes) -> Int16Array:
    """A-law codes (uint8 array or an RTP payload as bytes) -> int16 linear samples."""
    return _alaw_decode_table()[_as_codes(codes)]


def encode(samples: npt.ArrayLike, payload_type: int) -> bytes:
    """Encode for an RTP payload of static type 0 (PCMU) or 8 (PCMA)."""
    if payload_type == PT_PCMU:
        return ulaw_encode(samples).tobytes()
    if payload_type == PT_PCMA:
        return alaw_encode(samples).tobytes()
    raise ValueError(f"payload type {payload_type} is not G.711 (0 = PCMU, 8 = PCMA)")


def decode(payload: bytes, payload_type: int) -> Int16Array:
    """Decode an RTP payload of static type 0 (PCMU) or 8 (PCMA)."""
    if payload_type == PT_PCMU:
        return ulaw_decode(payload)
    if payload_type == PT_PCMA:
        return alaw_decode(payload)
    raise ValueError(f"payload type {payload_type} is not G.711 (0 = PCMU, 8 = PCMA)")
