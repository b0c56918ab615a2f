"""The four floods of bench/abuse.py, each bounded in count and time, each from its own
loopback address (127.0.0.2-5: the PBX's per-address bans then hit the flooder only, as
they would an attacker's address; the legitimate phones send from 127.0.0.1).

They run as threads of one child process (bench/abuse.py forks it), so that their Python
work does not take the GIL from the process that plays the legitimate phones. Each returns
its counts; ``per_s`` is what it achieved, not what it aimed at.
"""

from __future__ import annotations

import errno
import os
import random
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from tests.helpers.sipclient import SipClient, digest_response

PBX = "127.0.0.1"
INVITER, GUESSER, SLOW_READER, RTP_SPRAYER = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"
TICK = 0.01


def _paced(rate: float, limit: int, seconds: float) -> Iterator[int]:
    """Yields the number of items to send now, ``rate`` a second, until ``limit`` items or
    ``seconds`` have passed."""
    start = time.monotonic()
    done = 0
    while done < limit and (now := time.monotonic()) - start < seconds:
        due = min(limit, int((now - start) * rate) + 1)
        if due > done:
            yield due - done
            done = due
        time.sleep(TICK)


def _sip(method: str, uri: str, via: str, user: str, extra: str = "") -> bytes:
    call_id = uuid.uuid4().hex
    return (f"{method} {uri} SIP/2.0\r\nVia: SIP/2.0/{via};branch=z9hG4bK{call_id[:12]};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:{user}@127.0.0.1>;tag={call_id[:8]}\r\n"
            f"To: <{uri}>\r\nCall-ID: {call_id}\r\nCSeq: 1 {method}\r\n"
            f"Contact: <sip:{user}@{via.split()[-1]}>\r\n{extra}Content-Length: 0\r\n\r\n"
            ).encode()


def invites(port: int, rate: float, limit: int, seconds: float) -> dict[str, Any]:
    """(a) INVITEs without credentials to extension 100, never ACKed (each leaves the PBX a
    transaction resending its 407, RFC 3261 17.2.1)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((INVITER, 0))
    sock.setblocking(False)
    via = f"UDP {INVITER}:{sock.getsockname()[1]}"
    sent = answered = 0
    start = time.monotonic()
    for n in _paced(rate, limit, seconds):
        for _ in range(n):
            sock.sendto(_sip("INVITE", f"sip:100@{PBX}:{port}", via, "666"), (PBX, port))
            sent += 1
        while True:
            try:
                sock.recv(65535)
                answered += 1
            except BlockingIOError:
                break
    sock.close()
    return {"sent": sent, "answers": answered, "per_s": sent / (time.monotonic() - start)}


def wrong_passwords(port: int, rate: float, limit: int, seconds: float) -> dict[str, Any]:
    """(b) REGISTERs as extension 101 answering the challenge with a wrong password; once
    the PBX bans the address its requests go unanswered (0.2 s each)."""
    client = SipClient((PBX, port), timeout=0.2, bind=GUESSER)
    uri = f"sip:{PBX}"
    statuses: dict[str, int] = {}
    tries = 0
    start = time.monotonic()
    for n in _paced(rate, limit, seconds):
        for _ in range(n):
            tries += 1
            req = client.request("REGISTER", uri, "101")
            client.send_raw(req.to_bytes())
            first = client.recv_final()
            final = first
            if first is not None and first.status == 401:
                auth = digest_response(first.headers.get("WWW-Authenticate") or "",
                                       "REGISTER", uri, "101", f"guess{tries}")
                call_id = req.headers.get("Call-ID") or ""
                again = client.request("REGISTER", uri, "101", call_id=call_id, cseq=2,
                                       headers=[("Authorization", auth)])
                client.send_raw(again.to_bytes())
                final = client.recv_final()
            key = "no answer" if final is None else str(final.status)
            statuses[key] = statuses.get(key, 0) + 1
            if time.monotonic() - start >= seconds:
                break
    client.close()
    return {"tries": tries, "finals": statuses, "per_s": tries / (time.monotonic() - start)}


def slow_readers(port: int, connections: int, seconds: float) -> dict[str, Any]:
    """(c) TCP connections that send OPTIONS, pipelined, and never read the answers: the
    PBX must bound what it buffers for them (drop them) and cap connections per address."""
    socks: list[socket.socket] = []
    refused = dropped = 0
    sent_bytes = 0
    start = time.monotonic()
    for n in _paced(connections / max(0.1, seconds / 2), connections, seconds / 2):
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.bind((SLOW_READER, 0))
            s.settimeout(1.0)
            try:
                s.connect((PBX, port))
            except OSError:
                refused += 1
                s.close()
                continue
            s.setblocking(False)
            socks.append(s)
    while time.monotonic() - start < seconds:
        for s in list(socks):
            via = f"TCP {SLOW_READER}:{s.getsockname()[1]}"
            try:
                for _ in range(20):
                    sent_bytes += s.send(_sip("OPTIONS", f"sip:{PBX}:{port}", via, "666"))
            except BlockingIOError:
                pass                    # the PBX does not read either: fine, next one
            except OSError as exc:
                if exc.errno not in (errno.EPIPE, errno.ECONNRESET):
                    raise
                dropped += 1            # the PBX closed it
                socks.remove(s)
                s.close()
        time.sleep(0.05)
    for s in socks:
        s.close()
    return {"connections": connections, "refused": refused, "dropped_by_pbx": dropped,
            "kept_open": len(socks), "sent_kb": round(sent_bytes / 1024),
            "per_s": (connections - refused) / (time.monotonic() - start)}


def rtp_garbage(ports: tuple[int, int], rate: float, limit: int,
                seconds: float) -> dict[str, Any]:
    """(d) RTP-looking packets (version 2, random rest) at random ports of the PBX's RTP
    range, the legitimate calls' ports among them: the relay must not latch onto them."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((RTP_SPRAYER, 0))
    sock.setblocking(False)
    rng = random.Random(15)
    sent = 0
    start = time.monotonic()
    for n in _paced(rate, limit, seconds):
        for _ in range(n):
            packet = struct.pack("!BB", 0x80, rng.choice((0, 8))) + os.urandom(170)
            try:
                sock.sendto(packet, (PBX, rng.randint(*ports)))
                sent += 1
            except BlockingIOError:
                pass
    sock.close()
    return {"sent": sent, "per_s": sent / (time.monotonic() - start)}


def flood_main(conn: Connection, port: int, rtp_ports: tuple[int, int],
               load: dict[str, float], seconds: float) -> None:
    """Runs the four floods at once for ``seconds`` and sends back their counts."""
    results: dict[str, Any] = {}
    jobs = {
        "invite": lambda: invites(port, load["invite_rate"], int(load["invite_rate"] * seconds),
                                  seconds),
        "register_wrong_password": lambda: wrong_passwords(
            port, load["register_rate"], int(load["register_rate"] * seconds), seconds),
        "slow_tcp_readers": lambda: slow_readers(port, int(load["slow_readers"]), seconds),
        "rtp_garbage": lambda: rtp_garbage(rtp_ports, load["rtp_rate"],
                                           int(load["rtp_rate"] * seconds), seconds),
    }

    def run(name: str) -> None:
        try:
            results[name] = jobs[name]()
        except Exception as exc:  # reported; the other floods go on
            results[name] = {"error": repr(exc), "per_s": 0.0}

    threads = [threading.Thread(target=run, args=(name,), daemon=True) for name in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    conn.send(results)
