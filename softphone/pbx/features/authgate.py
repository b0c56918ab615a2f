"""Digest authentication of requests, shared by the registrar and the call handler.

One place decides who is asking: REGISTER is challenged with 401/WWW-Authenticate
(RFC 3261 22.2), calls with 407/Proxy-Authenticate (22.3), as desk phones expect of a PBX.
Known and unknown users get the same challenge and the same refusal (no enumeration).

A failure counts only where its source is proven: over TCP/TLS, or over UDP with a nonce
issued to that very address (the sender received our challenge there; features/auth.py).
A forged UDP source carries no such nonce, so it can neither get its victim banned
(features/ban.py, SIP bans only: the API keeps its own) nor slow the victim's account
(features/throttle.py). Each ban is logged with user, address and length.
"""

from __future__ import annotations

import logging
import math

from softphone.pbx.features.auth import DigestAuthenticator
from softphone.pbx.features.ban import BanList
from softphone.pbx.features.digestpolicy import DigestPolicy
from softphone.pbx.features.throttle import AccountThrottle
from softphone.pbx.sip.address import AddressError
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.message import Request
from softphone.pbx.sip.transaction import ServerTransaction

log = logging.getLogger(__name__)


class AuthGate:
    def __init__(self, core: SipCore, authenticator: DigestAuthenticator, bans: BanList,
                 policy: DigestPolicy | None = None,
                 throttle: AccountThrottle | None = None) -> None:
        self.core = core
        self.authenticator = authenticator
        self.bans = bans
        self.policy = policy or DigestPolicy(authenticator.algorithms, ())
        self.throttle = throttle

    def user(self, req: Request, tx: ServerTransaction, *, proxy: bool) -> str | None:
        """The authenticated user, or None after answering the request with a challenge
        or a refusal."""
        header = "Proxy-Authorization" if proxy else "Authorization"
        value = req.headers.get(header)
        if value is None:
            self._challenge(req, tx, proxy, stale=False)
            return None
        ip = tx.source[0]
        result = self.authenticator.verify(req.method, value, ip)
        wait = self.throttle.wait(result.claimed, ip) if self.throttle is not None else 0.0
        if wait > 0:
            # The account is slowed down: right password or not, nothing is checked now.
            if not (result.ok or result.stale):
                self._count(result.claimed, ip, tx, result.proven)
            self.core.respond(tx, 503, "Too many failed sign-ins for this account",
                              extra=[("Retry-After", str(math.ceil(wait)))])
            return None
        if result.ok and result.user is not None:
            self.bans.succeeded(ip)
            self.policy.succeeded(result.user, req.headers.get("User-Agent") or "",
                                  result.algorithm)
            return result.user
        if result.stale:
            self._challenge(req, tx, proxy, stale=True)
            return None
        proven = self._count(result.claimed, ip, tx, result.proven)
        log.info("authentication failed for %r from %s: %s%s", result.claimed, ip,
                 result.reason, "" if proven else " (source not proven: not counted)",
                 extra={"event": "auth_failed", "ip": ip, "user": result.claimed,
                        "counted": proven})
        self.core.respond(tx, 403, "Wrong user name or password")
        return None

    def _count(self, user: str, ip: str, tx: ServerTransaction, proven: bool) -> bool:
        """Count a failure towards the address's ban and the account's throttle if its
        source is proven (round trip or connection); whether it was."""
        proven = proven or tx.transport.lower() != "udp"
        if not proven:
            return False
        if self.bans.failed(ip):
            log.warning("SIP: %s banned for %d s after failed authentications (last as %r)",
                        ip, self.bans.ban_seconds, user,
                        extra={"event": "ban", "ip": ip, "user": user,
                               "seconds": self.bans.ban_seconds, "service": "sip"})
        delay = self.throttle.failed(user) if self.throttle is not None and user else 0.0
        if delay:
            log.warning("SIP: sign-ins for %r slowed down for %d s after failures (last "
                        "from %s)", user, delay, ip,
                        extra={"event": "account_throttled", "ip": ip, "user": user,
                               "seconds": delay, "service": "sip"})
        return True

    def _challenge(self, req: Request, tx: ServerTransaction, proxy: bool, *,
                   stale: bool) -> None:
        # Who the request claims to be: the To of a REGISTER (RFC 3261 10.2), the From of
        # anything else; unauthenticated, it only orders the configured algorithms.
        try:
            claimed = (req.from_ if proxy else req.to).uri.user or ""
        except (AddressError, LookupError):
            claimed = ""
        algorithms = self.policy.offer(req.headers.get("User-Agent") or "", claimed)
        headers = self.authenticator.challenge(stale=stale, algorithms=algorithms,
                                               source=tx.source[0])
        if proxy:
            headers = [("Proxy-Authenticate", value) for _, value in headers]
        self.core.respond(tx, 407 if proxy else 401, extra=headers)
