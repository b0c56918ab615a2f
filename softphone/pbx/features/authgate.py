"""Digest authentication of requests, shared by the registrar and the call handler.

One place decides who is asking: REGISTER is challenged with 401/WWW-Authenticate
(RFC 3261 22.2), calls with 407/Proxy-Authenticate (22.3), as desk phones expect of a PBX.
Known and unknown users get the same challenge and the same refusal (no enumeration);
every failure counts towards the source address's ban (features/ban.py).
"""

from __future__ import annotations

import logging

from softphone.pbx.features.auth import DigestAuthenticator
from softphone.pbx.features.ban import BanList
from softphone.pbx.features.digestpolicy import DigestPolicy
from softphone.pbx.sip.address import AddressError
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.message import Request
from softphone.pbx.sip.transaction import ServerTransaction

log = logging.getLogger(__name__)


class AuthGate:
    def __init__(self, core: SipCore, authenticator: DigestAuthenticator, bans: BanList,
                 policy: DigestPolicy | None = None) -> None:
        self.core = core
        self.authenticator = authenticator
        self.bans = bans
        self.policy = policy or DigestPolicy(authenticator.algorithms, ())

    def user(self, req: Request, tx: ServerTransaction, *, proxy: bool) -> str | None:
        """The authenticated user, or None after answering the request with a challenge
        or a refusal."""
        header = "Proxy-Authorization" if proxy else "Authorization"
        value = req.headers.get(header)
        if value is None:
            self._challenge(req, tx, proxy, stale=False)
            return None
        result = self.authenticator.verify(req.method, value)
        ip = tx.source[0]
        if result.ok and result.user is not None:
            self.bans.succeeded(ip)
            self.policy.succeeded(result.user, req.headers.get("User-Agent") or "",
                                  result.algorithm)
            return result.user
        if result.stale:
            self._challenge(req, tx, proxy, stale=True)
            return None
        if self.bans.failed(ip):
            log.warning("authentication failures from %s: ignoring it for a while", ip,
                        extra={"event": "ban", "ip": ip})
        log.info("authentication failed from %s: %s", ip, result.reason,
                 extra={"event": "auth_failed", "ip": ip})
        self.core.respond(tx, 403, "Wrong user name or password")
        return None

    def _challenge(self, req: Request, tx: ServerTransaction, proxy: bool, *,
                   stale: bool) -> None:
        # Who the request claims to be: the To of a REGISTER (RFC 3261 10.2), the From of
        # anything else; unauthenticated, it only orders the configured algorithms.
        try:
            claimed = (req.from_ if proxy else req.to).uri.user or ""
        except (AddressError, LookupError):
            claimed = ""
        algorithms = self.policy.offer(req.headers.get("User-Agent") or "", claimed)
        headers = self.authenticator.challenge(stale=stale, algorithms=algorithms)
        if proxy:
            headers = [("Proxy-Authenticate", value) for _, value in headers]
        self.core.respond(tx, 407 if proxy else 401, extra=headers)
