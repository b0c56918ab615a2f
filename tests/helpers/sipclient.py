"""A minimal SIP client over a real UDP socket, for integration tests of the PBX: it
sends hand-written requests and reads the answers, computing digest responses as a
phone would (RFC 2617 / RFC 8760)."""

from __future__ import annotations

import hashlib
import re
import socket
import uuid

from softphone.pbx.sip.message import Request, Response
from softphone.pbx.sip.parser import parse_message


def digest_response(challenge: str, method: str, uri: str, user: str, password: str,
                    nc: int = 1) -> str:
    """The Authorization value answering a WWW-Authenticate/Proxy-Authenticate challenge."""
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge))
    algorithm = params.get("algorithm", "MD5")
    h = (lambda s: hashlib.sha256(s.encode()).hexdigest()) if algorithm == "SHA-256" else \
        (lambda s: hashlib.md5(s.encode()).hexdigest())
    realm, nonce = params["realm"], params["nonce"]
    ha1 = h(f"{user}:{realm}:{password}")
    ha2 = h(f"{method}:{uri}")
    cnonce = uuid.uuid4().hex[:16]
    ncs = f"{nc:08x}"
    resp = h(f"{ha1}:{nonce}:{ncs}:{cnonce}:auth:{ha2}")
    opaque = f', opaque="{params["opaque"]}"' if "opaque" in params else ""
    return (f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
            f'response="{resp}", algorithm={algorithm}, qop=auth, nc={ncs}, '
            f'cnonce="{cnonce}"{opaque}')


class SipClient:
    def __init__(self, server: tuple[str, int], timeout: float = 3.0,
                 bind: str = "127.0.0.1") -> None:
        """``bind``: the loopback address to send from (127.0.0.2 is another source)."""
        self.server = server
        self.bind = bind
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((bind, 0))
        self.sock.settimeout(timeout)
        self.port = self.sock.getsockname()[1]

    def close(self) -> None:
        self.sock.close()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendto(data, self.server)

    def recv_status(self) -> int | None:
        """The status code of the next datagram, read from its raw status line (a 400 may
        repeat the very fault it answers, so it need not parse); None after the timeout."""
        try:
            data, _ = self.sock.recvfrom(65535)
        except TimeoutError:
            return None
        first = data.split(b"\r\n", 1)[0].split(b" ")
        return int(first[1]) if len(first) > 1 and first[1].isdigit() else -1

    def recv(self) -> Response | Request | None:
        """The next message, or None after the timeout."""
        try:
            data, _ = self.sock.recvfrom(65535)
        except TimeoutError:
            return None
        return parse_message(data)

    def recv_final(self) -> Response | None:
        """Skip provisional responses; None after the timeout."""
        while True:
            msg = self.recv()
            if msg is None or (isinstance(msg, Response) and msg.status >= 200):
                return msg if isinstance(msg, Response) or msg is None else None

    def request(self, method: str, uri: str, user: str, *, call_id: str | None = None,
                cseq: int = 1, headers: list[tuple[str, str]] | None = None,
                body: bytes = b"", to_user: str | None = None) -> Request:
        host = f"{self.bind}:{self.port}"
        call_id = call_id or uuid.uuid4().hex
        lines = [
            f"{method} {uri} SIP/2.0",
            f"Via: SIP/2.0/UDP {host};branch=z9hG4bK{uuid.uuid4().hex[:12]};rport",
            "Max-Forwards: 70",
            f"From: <sip:{user}@127.0.0.1>;tag={call_id[:8]}",
            f"To: <sip:{to_user or user}@127.0.0.1>",
            f"Call-ID: {call_id}",
            f"CSeq: {cseq} {method}",
            f"Contact: <sip:{user}@{host}>",
            *(f"{n}: {v}" for n, v in headers or []),
            f"Content-Length: {len(body)}",
            "", "",
        ]
        msg = parse_message("\r\n".join(lines).encode() + body)
        assert isinstance(msg, Request)
        return msg

    def register(self, user: str, password: str, expires: int = 300) -> Response | None:
        """REGISTER, answer the challenge, return the final response."""
        uri = f"sip:{self.server[0]}"
        call_id = uuid.uuid4().hex
        req = self.request("REGISTER", uri, user, call_id=call_id,
                           headers=[("Expires", str(expires))])
        self.send_raw(req.to_bytes())
        first = self.recv_final()
        if first is None or first.status != 401:
            return first
        challenge = first.headers.get("WWW-Authenticate") or ""
        auth = digest_response(challenge, "REGISTER", uri, user, password)
        req = self.request("REGISTER", uri, user, call_id=call_id, cseq=2,
                           headers=[("Expires", str(expires)), ("Authorization", auth)])
        self.send_raw(req.to_bytes())
        return self.recv_final()

    def call(self, user: str, password: str, callee: str, sdp: bytes,
             extra: list[tuple[str, str]] | None = None) -> Request:
        """INVITE `callee` as `user` (with `extra` headers): answers the 407 (and ACKs it),
        sends the authenticated INVITE and returns it; its responses are for the caller."""
        uri = f"sip:{callee}@127.0.0.1"
        call_id = uuid.uuid4().hex
        sdp_type = [("Content-Type", "application/sdp"), *(extra or [])]
        first = self.request("INVITE", uri, user, call_id=call_id, to_user=callee,
                             headers=sdp_type, body=sdp)
        self.send_raw(first.to_bytes())
        challenge = self.recv_final()
        assert challenge is not None and challenge.status == 407, challenge
        # RFC 3261 17.1.1.3: the ACK of a non-2xx is in the INVITE's transaction (its Via),
        # with the response's To; otherwise the PBX keeps resending the 407.
        ack = self.request("ACK", uri, user, call_id=call_id, to_user=callee)
        ack.headers.set("Via", first.headers.get("Via") or "")
        ack.headers.set("To", challenge.headers.get("To") or "")
        self.send_raw(ack.to_bytes())
        auth = digest_response(challenge.headers.get("Proxy-Authenticate") or "", "INVITE",
                               uri, user, password)
        invite = self.request("INVITE", uri, user, call_id=call_id, cseq=2, to_user=callee,
                              headers=[*sdp_type, ("Proxy-Authorization", auth)], body=sdp)
        self.send_raw(invite.to_bytes())
        return invite
