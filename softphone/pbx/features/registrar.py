"""The registrar (RFC 3261 section 10.3): REGISTER processing, step by step.

Several devices may register one extension (desk phone, softphone, mobile); each is a
binding with its own expiry. Authentication comes first, so an unknown extension looks
exactly like a wrong password to whoever asks.
"""

from __future__ import annotations

import email.utils
import logging
from collections.abc import Callable

from softphone.pbx.config import PbxConfig
from softphone.pbx.features.authgate import AuthGate
from softphone.pbx.features.location import Location
from softphone.pbx.features.outbound import flow_headers, outbound_contact, supports_outbound
from softphone.pbx.sip.address import AddressError, NameAddr
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.message import Request, split_list
from softphone.pbx.sip.transaction import ServerTransaction
from softphone.pbx.store import Binding

log = logging.getLogger(__name__)


class RegistrarError(Exception):
    def __init__(self, status: int, reason: str, extra: list[tuple[str, str]] | None = None):
        super().__init__(reason)
        self.status, self.reason, self.extra = status, reason, extra or []


class Registrar:
    def __init__(self, core: SipCore, config: PbxConfig, auth: AuthGate, location: Location,
                 clock: Callable[[], float]) -> None:
        self.core = core
        self.config = config
        self.auth = auth
        self.location = location
        self.clock = clock
        self._date_second = -1
        self._date_text = ""

    def handle_REGISTER(self, req: Request, tx: ServerTransaction) -> None:
        user = self.auth.user(req, tx, proxy=False)
        if user is None:
            return
        aor = req.to.uri.user or ""
        # 10.3 step 6: the authenticated user may only change its own bindings.
        if aor != user:
            self.core.respond(tx, 403, "Not allowed to register this extension")
            return
        if self.config.extension(aor) is None:
            self.core.respond(tx, 404, "Unknown extension")
            return
        try:
            outbound = self._apply(aor, req, tx)
        except RegistrarError as err:
            self.core.respond(tx, err.status, err.reason, extra=err.extra)
            return
        contacts = [
            (
                "Contact",
                f"<{b.contact}>;expires={max(0, int(b.expires_at - self.clock()))}",
            )
            for b in self.location.bindings(aor)
        ]
        extra = [*contacts, ("Date", self._date())]
        if outbound:
            extra += flow_headers(self.config.sip.flow_timer, tx.transport)
        self.core.respond(tx, 200, extra=extra)

    def _check_limit(self, aor: str, updates: list[tuple[str, int, NameAddr]]) -> None:
        """403 when the REGISTER would leave ``aor`` more devices than
        security.max_contacts: each is a branch of every fork to it (and a line of every
        200), so thousands make huge forks and oversized UDP. A device's new flow replaces
        its old binding (same +sip.instance), so it is not counted twice."""
        limit = self.config.security.max_contacts
        bound = {b.contact: b.instance for b in self.location.bindings(aor)}
        after = dict(bound)
        for contact, expires, addr in updates:
            if expires == 0:
                after.pop(contact, None)
                continue
            instance = addr.params.get("+sip.instance", "").strip('"<>')
            if instance:
                after = {c: i for c, i in after.items() if i != instance}
            after[contact] = instance
        if len(after) > limit and len(after) > len(bound):
            log.warning("%s refused a device: %d would be registered, at most %d", aor,
                        len(after), limit, extra={"event": "register_limit", "aor": aor})
            raise RegistrarError(403, f"Too many registered devices (at most {limit} per "
                                      f"extension)")

    def _date(self) -> str:
        """The Date header of a 200 (10.3 step 8): it has whole seconds, so it is formatted
        once a second rather than per REGISTER (formatdate was 2 % of REGISTER's CPU)."""
        second = int(self.clock())
        if second != self._date_second:
            self._date_second = second
            self._date_text = email.utils.formatdate(second, usegmt=True)
        return self._date_text

    def _apply(self, aor: str, req: Request, tx: ServerTransaction) -> bool:
        """Apply the REGISTER; True if a Contact was bound to its flow (RFC 5626)."""
        sec = self.config.security
        raw_contacts = [c for line in req.headers.get_all("Contact") for c in split_list(line)]
        expires_header = req.headers.get("Expires")
        default = sec.default_register_expires
        if expires_header is not None:
            if not expires_header.strip().isdigit():
                raise RegistrarError(400, "Bad Expires")
            default = int(expires_header)
        call_id, cseq = req.call_id, req.cseq[0]

        if any(c.strip() == "*" for c in raw_contacts):
            # 10.3 step 6: '*' only alone and with Expires: 0.
            if len(raw_contacts) != 1 or expires_header is None or int(expires_header) != 0:
                raise RegistrarError(400, "Wildcard Contact needs Expires: 0 and no other Contact")
            for b in self.location.bindings(aor):
                if b.call_id == call_id and cseq <= b.cseq:
                    raise RegistrarError(500, "Out of order REGISTER")
            self.location.remove_all(aor)
            log.info("%s unregistered all devices", aor, extra={"event": "unregister", "aor": aor})
            return False

        updates: list[tuple[str, int, NameAddr]] = []
        for raw in raw_contacts:
            try:
                addr = NameAddr.parse(raw)
            except AddressError as exc:
                raise RegistrarError(400, f"Bad Contact: {exc}") from exc
            expires = default
            if "expires" in addr.params:
                value = addr.params["expires"]
                if not value.isdigit():
                    raise RegistrarError(400, "Bad expires parameter")
                expires = int(value)
            if 0 < expires < sec.min_register_expires:
                # 10.3 step 7 / RFC 3261 20.23: 423 with Min-Expires.
                raise RegistrarError(423, "Interval Too Brief",
                                     [("Min-Expires", str(sec.min_register_expires))])
            updates.append((addr.raw_uri, min(expires, sec.max_register_expires), addr))

        self._check_limit(aor, updates)
        now = self.clock()
        outbound = False
        for contact, expires, addr in updates:
            old = self.location.binding(aor, contact)
            if old is not None and old.call_id == call_id and cseq <= old.cseq:
                raise RegistrarError(500, "Out of order REGISTER")  # 10.3 step 7
            if expires == 0:
                self.location.remove(aor, contact)
                log.info("%s unregistered %s", aor, contact,
                         extra={"event": "unregister", "aor": aor})
                continue
            binding = Binding(
                aor=aor, contact=contact, expires_at=now + expires, source=tx.source,
                transport=tx.transport, call_id=call_id, cseq=cseq,
                user_agent=req.headers.get("User-Agent") or "",
                instance=addr.params.get("+sip.instance", "").strip('"<>'),
            )
            if supports_outbound(req) and outbound_contact(req, addr):
                outbound = True
                # RFC 5626 section 6: the instance's new flow replaces its old binding.
                for other in self.location.bindings(aor):
                    if other.instance == binding.instance and other.contact != contact:
                        self.location.remove(aor, other.contact)
            self.location.put(binding)
            if old is None:
                log.info("%s registered %s", aor, contact,
                         extra={"event": "register", "aor": aor, "contact": contact,
                                "transport": tx.transport, "outbound": outbound})
        return outbound
