"""A minimal SIP phone over TCP for flow tests (RFC 5626): it registers over one connection
(its flow) with +sip.instance and reg-id, sends CRLFCRLF keep-alives, and listens for the
PBX's own connections on the port its Contact names (or names a port nobody listens on)."""

from __future__ import annotations

import socket
import uuid

from softphone.pbx.sip.message import Request, Response, make_response
from softphone.pbx.sip.parser import parse_message
from tests.helpers.sipclient import digest_response


class Stream:
    """SIP messages framed by Content-Length over one connected socket."""

    def __init__(self, sock: socket.socket, timeout: float = 5.0) -> None:
        self.sock = sock
        self.sock.settimeout(timeout)
        self.buf = b""

    def send(self, msg: Request | Response) -> None:
        self.sock.sendall(msg.to_bytes())

    def read_bytes(self, count: int) -> bytes:
        while len(self.buf) < count:
            self._fill()
        data, self.buf = self.buf[:count], self.buf[count:]
        return data

    def read(self) -> Request | Response:
        while b"\r\n\r\n" not in self.buf.lstrip(b"\r\n"):
            self._fill()
        self.buf = self.buf.lstrip(b"\r\n")
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() in (b"content-length", b"l"):
                length = int(value)
        while len(rest) < length:
            self._fill()
            rest = self.buf.partition(b"\r\n\r\n")[2]
        msg = parse_message(head + b"\r\n\r\n" + rest[:length])
        self.buf = rest[length:]
        assert isinstance(msg, Request | Response), msg
        return msg

    def read_final(self) -> Response:
        while True:
            msg = self.read()
            if isinstance(msg, Response) and msg.status >= 200:
                return msg

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf += chunk

    def close(self) -> None:
        self.sock.close()


class TcpPhone:
    def __init__(self, pbx_port: int, user: str, *, listening: bool = True) -> None:
        self.pbx = ("127.0.0.1", pbx_port)
        self.user = user
        self.instance = f"<urn:uuid:{uuid.uuid4()}>"
        self.listener: socket.socket | None = None
        if listening:
            self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.listener.bind(("127.0.0.1", 0))
            self.listener.listen(4)
            self.listener.settimeout(5.0)
            self.port = self.listener.getsockname()[1]
        else:  # a Contact port nobody listens on (bound and closed again)
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
        self.contact = f"<sip:{user}@127.0.0.1:{self.port};transport=tcp>"
        self.flow: Stream | None = None
        self.call_id = uuid.uuid4().hex
        self.cseq = 0

    def _request(self, local: tuple[str, int], extra: list[tuple[str, str]]) -> Request:
        self.cseq += 1
        lines = [
            f"REGISTER sip:127.0.0.1:{self.pbx[1]};transport=tcp SIP/2.0",
            f"Via: SIP/2.0/TCP {local[0]}:{local[1]};branch=z9hG4bK{uuid.uuid4().hex[:12]};rport",
            "Max-Forwards: 70",
            f"From: <sip:{self.user}@127.0.0.1>;tag={self.call_id[:8]}",
            f"To: <sip:{self.user}@127.0.0.1>",
            f"Call-ID: {self.call_id}",
            f"CSeq: {self.cseq} REGISTER",
            f'Contact: {self.contact};+sip.instance="{self.instance}";reg-id=1',
            "Supported: outbound, path",
            "Expires: 300",
            *(f"{n}: {v}" for n, v in extra),
            "Content-Length: 0", "", "",
        ]
        msg = parse_message("\r\n".join(lines).encode())
        assert isinstance(msg, Request)
        return msg

    def register(self, password: str) -> Response:
        """REGISTER over a new connection (the flow) with digest; the final response."""
        sock = socket.create_connection(self.pbx, timeout=5.0)
        self.flow = Stream(sock)
        local = sock.getsockname()
        uri = f"sip:127.0.0.1:{self.pbx[1]};transport=tcp"
        self.flow.send(self._request(local, []))
        challenge = self.flow.read_final()
        assert challenge.status == 401, challenge
        auth = digest_response(challenge.headers.get("WWW-Authenticate") or "", "REGISTER",
                               uri, self.user, password)
        self.flow.send(self._request(local, [("Authorization", auth)]))
        return self.flow.read_final()

    def ping(self) -> bytes:
        """RFC 5626 section 4.4.1: CRLFCRLF over the flow; returns what came back."""
        assert self.flow is not None
        self.flow.sock.sendall(b"\r\n\r\n")
        return self.flow.read_bytes(2)

    def drop_flow(self) -> None:
        if self.flow is not None:
            self.flow.close()
            self.flow = None

    def accept(self) -> Stream:
        """The next connection the PBX opens to the Contact's port."""
        assert self.listener is not None
        sock, _ = self.listener.accept()
        return Stream(sock)

    def answer(self, stream: Stream, invite: Request, status: int) -> None:
        stream.send(make_response(invite, status, to_tag="phone1"))

    def close(self) -> None:
        self.drop_flow()
        if self.listener is not None:
            self.listener.close()
