"""RFC 5626 outbound for the registrar and for requests to registered phones.

A phone registering over a connection with ``+sip.instance`` and ``reg-id`` binds its
registration to that flow (section 6): the PBX answers with ``Require: outbound`` and a
``Flow-Timer``, the phone then keeps the flow alive (CRLFCRLF pings answered with CRLF over
TCP/TLS, STUN over UDP: sip/transport.py, sip/stun.py) and requests to it go over the flow
while it lives (section 5.3). When it is gone (the phone closed it, or the PBX restarted and
restored the registration from SQLite) the PBX falls back to the Contact, on the address the
phone registered from only: its port and transport (RFC 3263 section 4.1 for a numeric host),
connecting itself (sip/connector.py), over TLS too; where that fails the caller hears 480 at
once (features/dialer.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from softphone.pbx.sip.address import AddressError, NameAddr, SipUri
from softphone.pbx.sip.message import Request, split_list
from softphone.pbx.store import Binding

Addr = tuple[str, int]
STREAMS = ("tcp", "tls")


def flow_target(binding: Binding,
                open_flows: Mapping[str, Mapping[Addr, object]]) -> tuple[Addr, str]:
    """(address, transport) to send a new request to ``binding``'s phone: its flow while
    that connection is open (or any UDP registration, whose flow is its source address),
    else its Contact, if that is on the address the phone registered from.

    The Contact is the registering user's to write: taken as it is, it would let any
    extension make the PBX connect to whatever host it names. Desk phones name their own
    address with the port they listen on; a Contact elsewhere (a NATed phone's private
    address, another host) gets the old flow's address, whose failure is a fast 480 too.
    """
    if binding.transport not in STREAMS or binding.source in open_flows.get(binding.transport, {}):
        return binding.source, binding.transport
    target = contact_target(binding.contact)
    if target is None or target[0][0] != binding.source[0]:
        return binding.source, binding.transport
    return target


def contact_target(contact: str) -> tuple[Addr, str] | None:
    """Host, port and transport of a Contact URI (RFC 3263 section 4.1-4.2 for a numeric
    host: transport param, sips means TLS; default port 5060, 5061 for TLS), or None."""
    try:
        uri = SipUri.parse(contact)
    except AddressError:
        return None
    transport = uri.params.get("transport", "").lower()
    if uri.scheme == "sips":
        transport = "tls"
    if transport not in ("udp", *STREAMS):
        transport = "udp"
    port = uri.port or (5061 if transport == "tls" else 5060)
    return (uri.host.strip("[]"), port), transport


def outbound_contact(req: Request, contact: NameAddr) -> bool:
    """Whether this REGISTER Contact asks for an outbound flow (RFC 5626 section 6): both
    +sip.instance and reg-id, a well-formed reg-id, and we are the first hop (one Via)."""
    reg_id = contact.params.get("reg-id", "")
    return bool(contact.params.get("+sip.instance")) and reg_id.isdigit() and \
        0 < int(reg_id) < 2**31 and len(req.headers.get_all("Via")) == 1 and \
        all("," not in v for v in req.headers.get_all("Via"))


def flow_headers(flow_timer: int, transport: str) -> list[tuple[str, str]]:
    """What a 200 to an outbound REGISTER adds (RFC 5626 section 6, step 5): Require, and
    a Flow-Timer for connections. Over UDP the phone's own interval (25-29 s, section
    4.4.1) is short enough for NATs; the PBX's would not be."""
    timer = [("Flow-Timer", str(flow_timer))] if transport in STREAMS else []
    return [("Require", "outbound"), *timer]


def supports_outbound(req: Request) -> bool:
    """RFC 5626 section 4.2.1: a phone using outbound lists it in Supported."""
    return any(tag.strip().lower() == "outbound"
               for line in req.headers.get_all("Supported") for tag in split_list(line))
