"""A desk phone's subscriber side for SUBSCRIBE/NOTIFY tests (RFC 6665): SUBSCRIBE with
digest auth, the dialog from the 200, and a reader thread answering every NOTIFY."""

from __future__ import annotations

import queue
import threading
import uuid

from softphone.pbx.sip.message import Request, Response, make_response
from tests.helpers.sipclient import SipClient, digest_response


class Watcher:
    """A phone's subscriber side: SUBSCRIBE with digest auth, the dialog from the 200, and
    a reader thread that answers every NOTIFY at once (with `notify_status`) and queues it."""

    def __init__(self, port: int, user: str = "102", notify_status: int = 200) -> None:
        self.client = SipClient(("127.0.0.1", port), timeout=0.2)
        self.user, self.password = user, f"pw{user}"
        self.notify_status = notify_status
        self.notifies: queue.Queue[Request] = queue.Queue()
        self.responses: queue.Queue[Response] = queue.Queue()
        self.call_id = uuid.uuid4().hex
        self.from_tag = uuid.uuid4().hex[:10]
        self.to_tag: str | None = None
        self.cseq = 0
        self.target = ""
        self.ruri = ""
        self.event = ""
        self.first_status: int | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.client.close()

    def _read(self) -> None:
        while not self._stop:
            try:
                msg = self.client.recv()
            except OSError:
                return
            if isinstance(msg, Request) and msg.method == "NOTIFY":
                self.client.send_raw(make_response(msg, self.notify_status).to_bytes())
                self.notifies.put(msg)
            elif isinstance(msg, Response) and msg.status >= 200:
                self.responses.put(msg)

    def _send(self, expires: int | None, auth: str | None, extra: list[str]) -> None:
        self.cseq += 1
        host = f"127.0.0.1:{self.client.port}"
        to_tag = f";tag={self.to_tag}" if self.to_tag else ""
        lines = [
            f"SUBSCRIBE {self.ruri} SIP/2.0",
            f"Via: SIP/2.0/UDP {host};branch=z9hG4bK{uuid.uuid4().hex[:12]};rport",
            "Max-Forwards: 70",
            f"From: <sip:{self.user}@127.0.0.1>;tag={self.from_tag}",
            f"To: <sip:{self.target}@127.0.0.1>{to_tag}",
            f"Call-ID: {self.call_id}",
            f"CSeq: {self.cseq} SUBSCRIBE",
            f"Contact: <sip:{self.user}@{host}>",
            f"Event: {self.event}",
            *([f"Expires: {expires}"] if expires is not None else []),
            *([f"Authorization: {auth}"] if auth else []),
            *extra,
            "Content-Length: 0", "", "",
        ]
        self.client.send_raw("\r\n".join(lines).encode())

    def _transaction(self, expires: int | None, extra: list[str]) -> Response:
        self._send(expires, None, extra)
        resp = self.response()
        self.first_status = resp.status
        if resp.status == 401:
            challenge = resp.headers.get("WWW-Authenticate") or ""
            auth = digest_response(challenge, "SUBSCRIBE", self.ruri, self.user, self.password)
            self._send(expires, auth, extra)
            resp = self.response()
        return resp

    def subscribe(self, target: str, event: str = "dialog", expires: int | None = 600,
                  extra: list[str] | None = None) -> Response:
        self.target, self.event = target, event
        self.ruri = f"sip:{target}@127.0.0.1:{self.client.server[1]}"
        resp = self._transaction(expires, extra or [])
        if resp.status == 200:
            self.to_tag = resp.to_tag
            contact = resp.headers.get("Contact") or ""
            self.ruri = contact.strip("<>")
        return resp

    def refresh(self, expires: int) -> Response:
        return self._transaction(expires, [])

    def response(self, timeout: float = 5.0) -> Response:
        try:
            return self.responses.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no response to SUBSCRIBE") from None

    def notify(self, timeout: float = 5.0) -> Request:
        try:
            return self.notifies.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no NOTIFY") from None

    def no_notify(self, within: float = 0.5) -> None:
        try:
            extra = self.notifies.get(timeout=within)
        except queue.Empty:
            return
        raise AssertionError(f"unexpected NOTIFY: {extra.headers.get('Subscription-State')}")
