"""SIP event subscriptions for third-party phones (RFC 6665): `presence` (RFC 3856, PIDF
bodies) and `dialog` (RFC 4235, busy-lamp keys), both about one extension each.

A phone SUBSCRIBEs to an extension; the PBX is the notifier: it authenticates the watcher
(any extension may watch any other), answers 200 (RFC 6665 section 4.2.1.1; 202 is
deprecated), sends the current state in a NOTIFY at once and another on every change,
until the subscription expires, is refreshed to Expires: 0, or a NOTIFY fails. The state
comes from PresenceService (features/presence.py), the one source the client API uses too.

Subscriptions live in memory only: after a restart phones find theirs gone at the next
refresh (481) and subscribe again, as with any PBX; close() tells them at shutdown. Their
number is bounded per watcher and in total, and one NOTIFY at a time is in flight per
subscription: changes arriving meanwhile are folded into the next one (every body is full
state), so a flapping extension costs a phone one NOTIFY per round trip at most.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

from softphone.pbx.config import PbxConfig
from softphone.pbx.features import dialoginfo, pidf
from softphone.pbx.features.authgate import AuthGate
from softphone.pbx.features.lineevents import LINE_SEIZE, SEIZE_EXPIRES, LineEvents
from softphone.pbx.features.presence import TERMINATED, DialogState, PresenceService
from softphone.pbx.sip.address import AddressError, SipUri
from softphone.pbx.sip.clock import Clock, TimerHandle
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.dialog import Dialog
from softphone.pbx.sip.message import Request, Response
from softphone.pbx.sip.transaction import ServerTransaction, new_tag

log = logging.getLogger(__name__)

# The packages served (RFC 6665 section 7.2.2: Allow-Events lists them; 489 names them).
PACKAGES = {"presence": pidf.CONTENT_TYPE, "dialog": dialoginfo.CONTENT_TYPE}
# NOTIFY answers that end the subscription: RFC 5057 section 5.1 lists those that destroy
# a dialog usage; RFC 6665 section 4.2.2 adds the timeout (408, or no answer at all).
ENDING = frozenset({404, 405, 408, 410, 416, 480, 481, 482, 483, 484, 485, 489, 501, 604})
RETRY_AFTER = "30"


@dataclass(eq=False)
class Subscription:
    package: str                 # "presence" or "dialog"
    event: str                   # the Event header as subscribed, echoed in NOTIFYs (8.2.1)
    target: str                  # the watched extension
    owner: str                   # the authenticated watcher
    domain: str                  # host part of the URIs in bodies (the one the phone used)
    dialog: Dialog
    expires_at: float = 0.0      # on the injected clock
    timer: TimerHandle | None = None
    version: int = 0             # RFC 4235 section 4.1.1, per subscription
    ended: dict[str, DialogState] = field(default_factory=dict)  # not yet reported
    in_flight: bool = False
    dirty: bool = False          # a change arrived while a NOTIFY was in flight
    final_reason: str | None = None   # terminated: the reason of the last NOTIFY
    done: bool = False           # nothing more is sent

    @property
    def entity(self) -> str:
        return f"sip:{self.target}@{self.domain}"


class Subscriptions:
    """The SUBSCRIBE handler (register it with SipCore.register) and notifier."""

    def __init__(
        self, core: SipCore, config: PbxConfig, auth: AuthGate, presence: PresenceService,
        clock: Clock, *, max_per_watcher: int = 200, max_total: int = 10_000,
        min_expires: int = 60, default_expires: int = 3600, max_expires: int = 3600,
        lines: LineEvents | None = None,
    ) -> None:
        self.core = core
        self.config = config
        self.auth = auth
        self.presence = presence
        self.clock = clock
        self.max_per_watcher = max_per_watcher
        self.max_total = max_total
        self.min_expires = min_expires
        self.default_expires = default_expires
        self.max_expires = max_expires
        self._dialogs: dict[tuple[str, str], Subscription] = {}   # (Call-ID, our tag)
        self._by_target: dict[tuple[str, str], set[Subscription]] = {}  # (package, ext)
        self._per_watcher: dict[str, int] = {}
        self._stop_listening = [presence.subscribe(lambda u: self._changed("presence", u.number)),
                                presence.watch_dialogs(self._dialogs_changed)]
        # Shared lines' packages (lineevents.py): no body, the state is in Call-Info headers.
        self.lines = lines
        self.packages = dict(PACKAGES)
        if lines is not None:
            self.packages.update({"call-info": "", "line-seize": ""})
            lines.lines.listeners.append(
                lambda state: self._changed("call-info", state.line.number))
        self.allow_events = ", ".join(self.packages)

    def __len__(self) -> int:
        return len(self._dialogs)

    # -- SUBSCRIBE --------------------------------------------------------------------------

    def handle_SUBSCRIBE(self, req: Request, tx: ServerTransaction) -> None:
        event = (req.headers.get("Event") or "").strip()
        package = event.split(";", 1)[0].strip().lower()
        if package not in self.packages:
            # RFC 6665 section 4.2.1.1: an unknown package gets 489 with Allow-Events.
            self.core.respond(tx, 489, extra=[("Allow-Events", self.allow_events)])
            return
        if req.to_tag:
            self._refresh(req, tx, package)
            return
        if not _accepts(req, self.packages[package]):
            self.core.respond(tx, 406, extra=[("Accept", self.packages[package])])
            return
        watcher = self.auth.user(req, tx, proxy=False)
        if watcher is None:
            return
        try:
            uri = SipUri.parse(req.uri)
        except AddressError:
            self.core.respond(tx, 400, "Bad Request-URI")
            return
        target = uri.user or ""
        line_package = package in ("call-info", "line-seize")
        if line_package:
            assert self.lines is not None
            refusal = self.lines.admit(target, watcher)
            if refusal is not None:
                self.core.respond(tx, *refusal)
                return
        elif self.config.extension(target) is None:
            self.core.respond(tx, 404, "Unknown extension")
            return
        # A line-seize lasts as long as a seized appearance waits for its call.
        expires = SEIZE_EXPIRES if package == LINE_SEIZE else self._expires(req, tx)
        if expires is None:
            return
        if expires and (len(self._dialogs) >= self.max_total
                        or self._per_watcher.get(watcher, 0) >= self.max_per_watcher):
            log.warning("subscription of %s refused: limit reached", watcher,
                        extra={"event": "subscription_refused", "watcher": watcher})
            self.core.respond(tx, 503, "Too many subscriptions",
                              extra=[("Retry-After", RETRY_AFTER)])
            return
        if line_package:
            assert self.lines is not None
            refusal = self.lines.seize(package, target, watcher, req)
            if refusal is not None:
                self.core.respond(tx, *refusal)
                return
        # RFC 6665 section 4.2.1.1 / RFC 3261 12.1.1: the 200 makes a dialog, our tag in To.
        dialog = Dialog.as_uas(req, new_tag(), tx.source, tx.transport,
                               self.core.contact(target, tx.transport),
                               self.core.sent_by(tx.transport))
        sub = Subscription(package, event, target, watcher, uri.host, dialog)
        self._ok(tx, sub, expires)
        if expires == 0:
            # 4.4.3: an initial SUBSCRIBE with Expires: 0 is a fetch: one NOTIFY, terminated.
            self._terminate(sub, "timeout")
            return
        self._dialogs[(dialog.call_id, dialog.local_tag)] = sub
        self._by_target.setdefault((package, target), set()).add(sub)
        self._per_watcher[watcher] = self._per_watcher.get(watcher, 0) + 1
        self._schedule(sub, expires)
        log.info("%s watches %s (%s)", watcher, target, package,
                 extra={"event": "subscribe", "watcher": watcher, "target": target,
                        "package": package, "expires": expires})
        self._notify(sub)   # 4.2.1.1: the current state at once, active

    def _refresh(self, req: Request, tx: ServerTransaction, package: str) -> None:
        """4.1.2.2 / 4.2.1.2: a SUBSCRIBE inside the subscription's dialog refreshes it;
        with Expires: 0 it ends it (4.1.2.3)."""
        sub = self._dialogs.get((req.call_id, req.to_tag or ""))
        if sub is None or sub.package != package or sub.dialog.remote_tag != req.from_tag:
            self.core.respond(tx, 481)
            return
        watcher = self.auth.user(req, tx, proxy=False)
        if watcher is None:
            return
        if watcher != sub.owner:
            self.core.respond(tx, 403, "Not your subscription")
            return
        if not sub.dialog.accepts(req):
            self.core.respond(tx, 500, "Out of order", extra=[("Retry-After", "1")])
            return
        expires = SEIZE_EXPIRES if package == LINE_SEIZE else self._expires(req, tx)
        if expires is None:
            return
        # SUBSCRIBE is a target refresh request (4.1.2.2): a moved phone gets its NOTIFYs.
        sub.dialog.update_target(req)
        sub.dialog.dest, sub.dialog.transport = tx.source, tx.transport
        self._ok(tx, sub, expires)
        if expires == 0:
            log.info("%s stopped watching %s (%s)", sub.owner, sub.target, sub.package,
                     extra={"event": "unsubscribe", "watcher": sub.owner,
                            "target": sub.target, "package": sub.package})
            # 4.2.1.4 and 4.1.3: an ended subscription's last NOTIFY says "timeout", the
            # reason for one that was not refreshed (Expires: 0 being the shortest refresh).
            self._terminate(sub, "timeout")
            return
        self._schedule(sub, expires)
        self._notify(sub)   # 4.2.1.2: a refresh is answered with the current state too

    def _expires(self, req: Request, tx: ServerTransaction) -> int | None:
        """The granted duration (4.2.1.1: never longer than asked), or None after 400/423."""
        raw = req.headers.get("Expires")
        if raw is None:
            return self.default_expires   # RFC 3856 section 6.4 / RFC 4235 section 3.3
        if not raw.strip().isdigit():
            self.core.respond(tx, 400, "Bad Expires")
            return None
        asked = int(raw)
        if 0 < asked < self.min_expires:
            self.core.respond(tx, 423, extra=[("Min-Expires", str(self.min_expires))])
            return None
        return min(asked, self.max_expires)

    def _ok(self, tx: ServerTransaction, sub: Subscription, expires: int) -> None:
        self.core.respond(tx, 200, to_tag=sub.dialog.local_tag, extra=[
            ("Expires", str(expires)),          # 4.2.1.1: the 200 MUST say how long
            ("Contact", sub.dialog.local_contact),
            ("Allow-Events", self.allow_events),
        ])

    def _schedule(self, sub: Subscription, expires: int) -> None:
        if sub.timer is not None:
            sub.timer.cancel()
        sub.expires_at = self.clock.now() + expires
        sub.timer = self.clock.call_later(expires, lambda: self._expired(sub))

    def _expired(self, sub: Subscription) -> None:
        sub.timer = None
        log.info("subscription of %s to %s expired", sub.owner, sub.target,
                 extra={"event": "subscription_expired", "watcher": sub.owner,
                        "target": sub.target})
        self._terminate(sub, "timeout")   # 4.2.2 / 4.1.3: not refreshed in time

    # -- state changes -> NOTIFY ----------------------------------------------------------

    def _changed(self, package: str, number: str) -> None:
        for sub in list(self._by_target.get((package, number), ())):
            self._notify(sub)

    def _dialogs_changed(self, number: str, dialogs: list[DialogState]) -> None:
        for sub in list(self._by_target.get(("dialog", number), ())):
            for d in dialogs:
                if d.state == TERMINATED:
                    sub.ended[d.id] = d   # reported once as terminated, then left out
                else:
                    sub.ended.pop(d.id, None)
            self._notify(sub)

    def _notify(self, sub: Subscription) -> None:
        if sub.done:
            return
        if sub.in_flight:
            sub.dirty = True
            return
        sub.dirty = False
        if sub.final_reason is not None:
            state = f"terminated;reason={sub.final_reason}"
            sub.done = True
        else:
            left = max(1, math.ceil(sub.expires_at - self.clock.now()))
            state = f"active;expires={left}"   # 4.2.2: what is left of the subscription
        extra = [("Event", sub.event), ("Subscription-State", state)]
        if sub.package in ("call-info", "line-seize"):
            assert self.lines is not None
            body, content_type = b"", None
            extra += self.lines.headers(sub.package, sub.target)
        else:
            body, content_type = self._body(sub)
        req = sub.dialog.request("NOTIFY", body, content_type, extra=extra)
        sub.in_flight = True
        self.core.send_request(req, sub.dialog.dest, sub.dialog.transport,
                               lambda resp: self._answered(sub, resp),
                               lambda: self._failed(sub, "no answer"))

    def _body(self, sub: Subscription) -> tuple[bytes, str]:
        if sub.package == "presence":
            return pidf.pidf(sub.entity, self.presence.presence(sub.target)), pidf.CONTENT_TYPE
        dialogs = [*self.presence.dialogs(sub.target), *sub.ended.values()]
        sub.ended.clear()
        body = dialoginfo.dialog_info(sub.entity, sub.version, dialogs,
                                      uri=lambda n: f"sip:{n}@{sub.domain}", name=self._name)
        sub.version += 1
        return body, dialoginfo.CONTENT_TYPE

    def _name(self, number: str) -> str:
        ext = self.config.extension(number)
        return ext.display_name if ext is not None else ""

    def _answered(self, sub: Subscription, resp: Response) -> None:
        if resp.status < 200:
            return
        sub.in_flight = False
        if resp.status in ENDING:
            self._failed(sub, f"{resp.status} {resp.reason}")
            return
        if sub.dirty or (sub.final_reason is not None and not sub.done):
            self._notify(sub)

    def _failed(self, sub: Subscription, why: str) -> None:
        sub.in_flight = False
        if not sub.done:
            log.info("subscription of %s to %s ended: NOTIFY got %s", sub.owner, sub.target,
                     why, extra={"event": "subscription_failed", "watcher": sub.owner,
                                 "target": sub.target})
        sub.done = True
        self._forget(sub)

    # -- ending ---------------------------------------------------------------------------

    def _terminate(self, sub: Subscription, reason: str) -> None:
        """Forget `sub` and send its last NOTIFY (after the one in flight, if any)."""
        self._forget(sub)
        sub.final_reason = reason
        self._notify(sub)

    def _forget(self, sub: Subscription) -> None:
        if sub.timer is not None:
            sub.timer.cancel()
            sub.timer = None
        if self._dialogs.pop((sub.dialog.call_id, sub.dialog.local_tag), None) is None:
            return
        watchers = self._by_target.get((sub.package, sub.target))
        if watchers is not None:
            watchers.discard(sub)
            if not watchers:
                del self._by_target[(sub.package, sub.target)]
        left = self._per_watcher.get(sub.owner, 1) - 1
        if left > 0:
            self._per_watcher[sub.owner] = left
        else:
            self._per_watcher.pop(sub.owner, None)

    def close(self, retry_after: int = 10) -> int:
        """Shutdown: end every subscription, telling the phones to subscribe again after
        `retry_after` seconds (4.1.3, "probation"), when the PBX is likely back; returns
        how many there were. Stops listening to the presence service."""
        subs = list(self._dialogs.values())
        for sub in subs:
            self._terminate(sub, f"probation;retry-after={retry_after}")
        for stop in self._stop_listening:
            stop()
        self._stop_listening = []
        return len(subs)


def _accepts(req: Request, content_type: str) -> bool:
    """RFC 6665 section 4.2.1.1 / RFC 3261 21.4.7: a SUBSCRIBE whose Accept excludes the
    package's body type gets 406. No Accept means the package's default type."""
    accepted = [a.split(";", 1)[0].strip().lower() for a in req.headers.get_all("Accept")]
    if not accepted or not content_type:   # call-info and line-seize NOTIFYs have no body
        return True
    major = content_type.split("/", 1)[0]
    return any(a in (content_type, "*/*", f"{major}/*") for a in accepted)
