"""SDES a=crypto lines (RFC 4568, RFC 7714 section 12): which lines are usable, which one an
answer takes, what an offer lists."""

from __future__ import annotations

import base64

import pytest

from softphone.pbx.media.sdes import offer_keys, parse_crypto, pick
from softphone.pbx.media.srtp import SUITES


def line(tag: int, suite: str, length: int, extra: str = "") -> str:
    return f"{tag} {suite} inline:{base64.b64encode(bytes(length)).decode()}{extra}"


@pytest.mark.parametrize(("suite", "length"), [
    ("AEAD_AES_256_GCM", 44), ("AEAD_AES_128_GCM", 28),
    ("AES_CM_128_HMAC_SHA1_80", 30), ("AES_CM_128_HMAC_SHA1_32", 30),
])
def test_each_suite_takes_its_key_and_salt_length(suite: str, length: int) -> None:
    crypto = parse_crypto(line(3, suite, length, "|2^31"))   # a lifetime is fine
    assert crypto is not None and crypto.suite is SUITES[suite] and crypto.tag == "3"
    assert crypto.attribute() == ("crypto", line(3, suite, length))
    assert parse_crypto(line(3, suite, length + 2)) is None
    assert parse_crypto(line(3, suite, length - 2)) is None


@pytest.mark.parametrize("value", [
    line(1, "AES_256_CM_HMAC_SHA1_80", 46),                  # a suite libsrtp lacks
    line(1, "AES_CM_128_HMAC_SHA1_80", 30, "|2^20|1:4"),     # MKI
    line(1, "AES_CM_128_HMAC_SHA1_80", 30) + " UNENCRYPTED_SRTP",  # session parameter
    "1 AES_CM_128_HMAC_SHA1_80 inline:not*base64",
    "x AES_CM_128_HMAC_SHA1_80 inline:" + base64.b64encode(bytes(30)).decode(),
])
def test_unusable_lines_are_skipped(value: str) -> None:
    assert parse_crypto(value) is None


def test_pick_takes_the_best_suite_not_the_first_line() -> None:
    attributes: list[tuple[str, str | None]] = [
        ("rtpmap", "0 PCMU/8000"),
        ("crypto", line(1, "AES_CM_128_HMAC_SHA1_32", 30)),
        ("crypto", line(2, "AES_CM_128_HMAC_SHA1_80", 30)),
        ("crypto", line(3, "AEAD_AES_128_GCM", 29)),         # bad length: skipped
        ("crypto", line(4, "AEAD_AES_128_GCM", 28)),
        ("crypto", line(5, "AEAD_AES_128_GCM", 28)),
    ]
    chosen = pick(attributes)
    assert chosen is not None and (chosen.suite.name, chosen.tag) == ("AEAD_AES_128_GCM", "4")
    assert pick(attributes[:3]).tag == "2"  # type: ignore[union-attr]
    assert pick([("crypto", None), ("sendrecv", None)]) is None


def test_offer_lists_every_suite_best_first_with_fresh_keys() -> None:
    offer, other = offer_keys(), offer_keys()
    assert list(offer) == list(SUITES) == ["AEAD_AES_256_GCM", "AEAD_AES_128_GCM",
                                           "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"]
    assert [c.tag for c in offer.values()] == ["1", "2", "3", "4"]
    assert all(len(c.key_salt) == c.suite.key_salt_len for c in offer.values())
    keys = {c.key_salt for c in offer.values()} | {c.key_salt for c in other.values()}
    assert len(keys) == 8
