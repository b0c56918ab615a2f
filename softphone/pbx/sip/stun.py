"""STUN keep-alives on the SIP UDP port (RFC 5626 sections 4.4.2 and 8.1, RFC 8489).

A phone using outbound over UDP sends STUN Binding requests to the registrar's SIP port and
watches the mapped address in the answer to notice a NAT rebinding or a dead PBX. SIP and
STUN share the port; a STUN message is told apart by its first two bits being zero and the
magic cookie (RFC 8489 section 6), which no SIP message can start with. Only the Binding
request is answered, with XOR-MAPPED-ADDRESS and nothing else: no authentication is used on
keep-alives (RFC 5626 section 8.1), so nothing in a request is taken beyond its ID.
"""

from __future__ import annotations

import ipaddress
import struct

MAGIC_COOKIE = 0x2112A442
BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101
XOR_MAPPED_ADDRESS = 0x0020
_HEADER = struct.Struct("!HHI12s")  # type, length, cookie, transaction ID (section 5)


def is_stun(data: bytes) -> bool:
    return len(data) >= 20 and data[0] < 0x40 and \
        int.from_bytes(data[4:8], "big") == MAGIC_COOKIE


def binding_response(request: bytes, source: tuple[str, int]) -> bytes | None:
    """The success response to a Binding request from `source`, or None for any other or
    malformed STUN message (they are dropped, section 6.3)."""
    if not is_stun(request):
        return None
    kind, length, _, transaction = _HEADER.unpack_from(request)
    if kind != BINDING_REQUEST or length % 4 or 20 + length != len(request):
        return None
    address = ipaddress.ip_address(source[0])
    port = source[1] ^ (MAGIC_COOKIE >> 16)
    if address.version == 4:
        family = 0x01
        xored = (int(address) ^ MAGIC_COOKIE).to_bytes(4, "big")
    else:  # section 14.2: IPv6 is XORed with the cookie and the transaction ID
        family = 0x02
        mask = int.from_bytes(MAGIC_COOKIE.to_bytes(4, "big") + transaction, "big")
        xored = (int(address) ^ mask).to_bytes(16, "big")
    value = struct.pack("!BBH", 0, family, port) + xored
    attribute = struct.pack("!HH", XOR_MAPPED_ADDRESS, len(value)) + value
    return _HEADER.pack(BINDING_SUCCESS, len(attribute), MAGIC_COOKIE, transaction) + attribute
