"""SIP dialogs (RFC 3261 section 12): the state a UA keeps to send requests inside a call.

The PBX is a B2BUA, so it is a UA on both legs of a call: the caller's leg is a UAS dialog
(made from the INVITE it received), each callee's leg a UAC dialog (made from the INVITE it
sent and the response that came back). Requests inside a dialog go to the address the peer
sends from (`dest`), not to a DNS lookup of its Contact: that is what keeps NAT simple.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from softphone.pbx.sip.address import NameAddr
from softphone.pbx.sip.message import Headers, Request, Response
from softphone.pbx.sip.transaction import new_branch

Addr = tuple[str, int]


@dataclass
class Dialog:
    call_id: str
    local_tag: str
    remote_tag: str
    local_uri: str          # the name-addr we put in From (without tag)
    remote_uri: str         # the name-addr we put in To (without tag)
    remote_target: str      # the peer's Contact URI: our Request-URI
    local_contact: str      # our Contact header value
    dest: Addr
    transport: str
    via_host: str
    route_set: list[str] = field(default_factory=list)
    local_seq: int = 1
    remote_seq: int = 0
    # The methods the peer said it allows (its last Allow, 20.5), None while it said none:
    # "the absence of an Allow header field MUST NOT be interpreted to mean that the UA
    # sending the message supports no methods".
    allow: frozenset[str] | None = None

    @classmethod
    def as_uas(
        cls, req: Request, local_tag: str, source: Addr, transport: str, local_contact: str,
        via_host: str,
    ) -> Dialog:
        """RFC 3261 12.1.1: the dialog a UAS creates when it answers `req`."""
        contact = req.headers.get_all("Contact")
        target = _contact_uri(contact[0]) if contact else str(req.from_.uri)
        dialog = cls(
            call_id=req.call_id,
            local_tag=local_tag,
            remote_tag=req.from_tag or "",
            local_uri=_strip_tag(req.headers.get("To") or ""),
            remote_uri=_strip_tag(req.headers.get("From") or ""),
            remote_target=target,
            local_contact=local_contact,
            dest=source,
            transport=transport,
            via_host=via_host,
            route_set=req.headers.get_all("Record-Route"),
            local_seq=0,
            remote_seq=req.cseq[0],
        )
        dialog.note_allow(req)
        return dialog

    @classmethod
    def as_uac(
        cls, req: Request, resp: Response, dest: Addr, transport: str, via_host: str
    ) -> Dialog:
        """RFC 3261 12.1.2: the dialog a UAC creates from a 2xx/1xx with a To tag."""
        contact = resp.headers.get_all("Contact")
        target = _contact_uri(contact[0]) if contact else req.uri
        dialog = cls(
            call_id=req.call_id,
            local_tag=req.from_tag or "",
            remote_tag=resp.to_tag or "",
            local_uri=_strip_tag(req.headers.get("From") or ""),
            remote_uri=_strip_tag(req.headers.get("To") or ""),
            remote_target=target,
            local_contact=req.headers.get("Contact") or "",
            dest=dest,
            transport=transport,
            via_host=via_host,
            route_set=list(reversed(resp.headers.get_all("Record-Route"))),
            local_seq=req.cseq[0],
        )
        dialog.note_allow(resp)
        return dialog

    def note_allow(self, msg: Request | Response) -> None:
        """Remember the methods the peer allows, if `msg` from it says (20.5)."""
        methods = msg.headers.get_all("Allow")
        if methods:
            self.allow = frozenset(m.upper() for m in methods)

    def allows(self, method: str) -> bool:
        """Whether the peer may be sent `method`: it listed it, or never listed any."""
        return self.allow is None or method in self.allow

    def update_target(self, msg: Request | Response) -> None:
        """Target refresh (12.2.1.2, 12.2.2): a re-INVITE or its 2xx may move the Contact."""
        contact = msg.headers.get_all("Contact")
        if contact:
            self.remote_target = _contact_uri(contact[0])

    def accepts(self, req: Request) -> bool:
        """12.2.2: a request with a lower CSeq than the last one is out of order (-> 500)."""
        seq = req.cseq[0]
        if seq < self.remote_seq and req.method != "ACK":
            return False
        if req.method not in ("ACK", "CANCEL"):
            self.remote_seq = seq
        return True

    def request(
        self, method: str, body: bytes = b"", content_type: str | None = None,
        extra: list[tuple[str, str]] | None = None, cseq: int | None = None,
    ) -> Request:
        """12.2.1.1: a request inside this dialog."""
        if cseq is None:
            self.local_seq += 1
            cseq = self.local_seq
        h = Headers()
        tp = self.transport.upper()
        h.add("Via", f"SIP/2.0/{tp} {self.via_host};branch={new_branch()};rport")
        h.add("Max-Forwards", "70")
        for route in self.route_set:
            h.add("Route", route)
        h.add("From", f"{self.local_uri};tag={self.local_tag}")
        h.add("To", f"{self.remote_uri};tag={self.remote_tag}")
        h.add("Call-ID", self.call_id)
        h.add("CSeq", f"{cseq} {method}")
        if method in ("INVITE", "UPDATE", "SUBSCRIBE", "NOTIFY", "REFER"):
            h.add("Contact", self.local_contact)
        for name, value in extra or []:
            h.add(name, value)
        if body and content_type:
            h.add("Content-Type", content_type)
        return Request(headers=h, body=body, method=method, uri=self.remote_target)

    def ack(self, invite_cseq: int, body: bytes = b"", content_type: str | None = None) -> Request:
        """13.2.2.4: the ACK for a 2xx has the INVITE's CSeq number and a new branch."""
        return self.request("ACK", body, content_type, cseq=invite_cseq)


def _strip_tag(value: str) -> str:
    """A From/To value without its tag parameter (the tags live in the Dialog)."""
    addr = NameAddr.parse(value)
    addr.params.pop("tag", None)
    return str(addr)


def _contact_uri(contact: str) -> str:
    return NameAddr.parse(contact).raw_uri
