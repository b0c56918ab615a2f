"""STUN keep-alives on the SIP UDP port (sip/stun.py), checked against the RFC 5769 test
vectors (sections 2.2 and 2.3: the XOR-MAPPED-ADDRESS of the sample responses)."""

from __future__ import annotations

from softphone.pbx.sip import stun

TRANSACTION = bytes.fromhex("b7e7a701bc34d686fa87dfae")  # RFC 5769 section 2.2


def binding_request(transaction: bytes = TRANSACTION, attributes: bytes = b"") -> bytes:
    return (b"\x00\x01" + len(attributes).to_bytes(2, "big") + b"\x21\x12\xa4\x42"
            + transaction + attributes)


def test_ipv4_mapped_address_is_rfc5769_sample() -> None:
    answer = stun.binding_response(binding_request(), ("192.0.2.1", 32853))
    assert answer is not None
    assert answer[:2] == b"\x01\x01" and answer[8:20] == TRANSACTION
    assert answer[20:] == bytes.fromhex("00200008" "0001a147" "e112a643")


def test_ipv6_mapped_address_is_rfc5769_sample() -> None:
    answer = stun.binding_response(
        binding_request(), ("2001:db8:1234:5678:11:2233:4455:6677", 32853))
    assert answer is not None
    assert answer[20:] == bytes.fromhex(
        "00200014" "0002a147" "0113a9fa" "a5d3f179" "bc25f4b5" "bed2b9d9")


def test_only_well_formed_binding_requests_are_answered() -> None:
    source = ("127.0.0.1", 5000)
    assert stun.binding_response(b"OPTIONS sip:x SIP/2.0\r\n\r\n", source) is None
    indication = b"\x00\x11" + binding_request()[2:]
    assert stun.binding_response(indication, source) is None
    assert stun.binding_response(binding_request()[:-1], source) is None   # cut short
    assert stun.binding_response(binding_request() + b"\0\0\0\0", source) is None  # length lies
    with_attribute = binding_request(attributes=b"\x80\x22\x00\x04test")  # SOFTWARE: ignored
    assert stun.binding_response(with_attribute, source) is not None
    assert not stun.is_stun(b"\r\n\r\n")
