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
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.message import Request
from softphone.pbx.sip.transaction import ServerTransaction

log = logging.getLogger(__name__)


class AuthGate:
    def __init__(self, core: SipCore, authenticator: DigestAuthenticator, bans: BanList) -> None:
        self.core = core
        self.authenticator = authenticator
        self.bans = bans

    def user(self, req: Request, tx: ServerTransaction, *, proxy: bool) -> str | None:
        """The authenticated user, or None after answering the request with a challenge
        or a refusal."""
        header = "Proxy-Authorization" if proxy else "Authorization"
        value = req.headers.get(header)
        if value is None:
            self._challenge(tx, proxy, stale=False)
            return None
        result = self.authenticator.verify(req.method, value)
        ip = tx.source[0]
        if result.ok and result.user is not None:
            self.bans.succeeded(ip)
            return result.user
        if result.stale:
            self._challenge(tx, proxy, stale=True)
            return None
        if self.bans.failed(ip):
            log.warning("authentication failures from %s: ignoring it for a while", ip,
                        extra={"event": "ban", "ip": ip})
        log.info("authentication failed from %s: %s", ip, result.reason,
                 extra={"event": "auth_failed", "ip": ip})
        self.core.respond(tx, 403, "Wrong user name or password")
        return None

    def _challenge(self, tx: ServerTransaction, proxy: bool, *, stale: bool) -> None:
        headers = self.authenticator.challenge(stale=stale)
        if proxy:
            headers = [("Proxy-Authenticate", value) for _, value in headers]
        self.core.respond(tx, 407 if proxy else 401, extra=headers)
