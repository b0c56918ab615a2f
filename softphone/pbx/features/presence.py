"""Presence: one state per extension, from its registrations, its calls and its DND setting.

The client API (JSON + WebSocket) and the SIP event packages (features/subscriptions.py:
`presence`, RFC 3856, and `dialog`, RFC 4235) both read it, so a busy lamp on a desk phone
and the colour in our client never disagree.

Aggregation, strongest first: busy (in an answered call, or placing one) > ringing (a call
rings at it) > dnd > available; offline when no device is registered and no call involves
it. All devices of an extension count as one: the registrar's bindings are per device, a
call's parties are per extension.

A call's parties can change while it lasts (a transfer puts another extension on a side,
CallInfo.parties), so every call change recomputes that call's contribution from scratch:
the old entries of the call are dropped, the new ones added. Each change costs O(calls of
the extensions it touches), never a scan of all calls.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from softphone.common.directory import Presence, PresenceUpdate
from softphone.pbx.features.callinfo import CallInfo
from softphone.pbx.listeners import Listeners

log = logging.getLogger(__name__)

# RFC 4235 section 3.7.1: the dialog states a watcher sees.
TRYING, EARLY, CONFIRMED, TERMINATED = "trying", "early", "confirmed", "terminated"
# Section 4.1.2, the direction attribute: who sent the INVITE.
INITIATOR, RECIPIENT = "initiator", "recipient"

PresenceListener = Callable[[PresenceUpdate], None]
# (extension, its dialogs that changed, ended ones with state "terminated")
DialogListener = Callable[[str, list["DialogState"]], None]


@dataclass(frozen=True)
class DialogState:
    """One extension's view of one call: a <dialog> element of RFC 4235."""

    id: str              # stable for this (call, side, extension); opaque
    call: str            # CallInfo.id, so API clients can match it to call events
    state: str           # trying | early | confirmed | terminated
    direction: str       # initiator | recipient
    local: str           # the extension whose dialog this is
    remote: str          # the extension (or number) on the other side
    remote_name: str = ""


def dialog_id(call: str, side: str, number: str) -> str:
    """Opaque and stable, so a watcher can follow one dialog from early to terminated
    (RFC 4235 section 4.1.2: the id is unique within the notifications of one entity).
    Hashed because the Call-ID is nobody else's business."""
    return hashlib.sha256(f"{call}|{side}|{number}".encode()).hexdigest()[:16]


class PresenceService:
    def __init__(
        self, is_registered: Callable[[str], bool], dnd: Callable[[str], bool],
        clock: Callable[[], float], *, display_name: Callable[[str], str] | None = None,
    ) -> None:
        """`clock` is wall time (PresenceUpdate.since is epoch seconds); `display_name`
        names the remote party of a dialog (defaults to the caller's name from the call)."""
        self.is_registered = is_registered
        self.dnd = dnd
        self.clock = clock
        self.display_name = display_name
        # call id -> {(side, extension): its dialog}: what the call contributes now.
        self._calls: dict[str, dict[tuple[str, str], DialogState]] = {}
        # extension -> {dialog id: dialog}: the same entries, indexed by extension.
        self._by_number: dict[str, dict[str, DialogState]] = {}
        self._state: dict[str, PresenceUpdate] = {}
        self._listeners: Listeners[[PresenceUpdate]] = Listeners("presence listener")
        self._dialog_listeners: Listeners[[str, list[DialogState]]] = Listeners(
            "dialog listener")

    # -- inputs ---------------------------------------------------------------------------

    def seed(self, numbers: Iterable[str]) -> None:
        """Work out the state of `numbers` without telling anyone: at start-up, after the
        location service restored its bindings, so that the first change reported for an
        extension is a real one."""
        now = self.clock()
        for number in numbers:
            self._state.setdefault(number, PresenceUpdate(number, self.presence(number), now))

    def registration_changed(self, number: str) -> None:
        """Location.on_change: a device of `number` registered, unregistered or expired."""
        self._update(number)

    def settings_changed(self, number: str) -> None:
        """DND (or another setting) of `number` was changed through the client API."""
        self._update(number)

    def call_changed(self, info: CallInfo) -> None:
        """B2bua.on_call_change: a call started, was answered, transferred or ended."""
        old = self._calls.pop(info.id, {})
        new = {} if info.state == "ended" else self._entries(info)
        if new:
            self._calls[info.id] = new
        changed: dict[str, list[DialogState]] = {}
        for key, entry in old.items():
            if key not in new:
                self._by_number.get(entry.local, {}).pop(entry.id, None)
                if not self._by_number.get(entry.local, True):
                    del self._by_number[entry.local]
                changed.setdefault(entry.local, []).append(replace(entry, state=TERMINATED))
        for key, entry in new.items():
            if old.get(key) != entry:
                self._by_number.setdefault(entry.local, {})[entry.id] = entry
                changed.setdefault(entry.local, []).append(entry)
        for number, dialogs in changed.items():
            self._emit_dialogs(number, dialogs)
            self._update(number)

    def _entries(self, info: CallInfo) -> dict[tuple[str, str], DialogState]:
        parties = dict(info.parties or {"a": info.caller, "b": info.callee})
        answered = info.state == "answered"
        sides = list(parties.items())
        if not answered and info.ringing:
            # A group or a forward rings other extensions than the number dialled.
            sides = [("a", parties.get("a", info.caller))] + [("b", n) for n in info.ringing]
        entries: dict[tuple[str, str], DialogState] = {}
        for side, number in sides:
            if not number:
                continue
            remote = parties.get("b" if side == "a" else "a", "")
            # Side "a" sent the INVITE (call.py). While ringing both ends are "early": the
            # B2BUA answers the caller with a tagged 180 as soon as a device rings.
            entries[(side, number)] = DialogState(
                id=dialog_id(info.id, side, number), call=info.id,
                state=CONFIRMED if answered else EARLY,
                direction=INITIATOR if side == "a" else RECIPIENT,
                local=number, remote=remote, remote_name=self._name(remote, info),
            )
        return entries

    def _name(self, number: str, info: CallInfo) -> str:
        if self.display_name is not None:
            return self.display_name(number)
        return info.caller_name if number == info.caller else ""

    # -- queries --------------------------------------------------------------------------

    def presence(self, number: str) -> Presence:
        """The state of `number` now, computed from its calls, settings and devices."""
        dialogs = self._by_number.get(number, {}).values()
        if any(d.state == CONFIRMED or d.direction == INITIATOR for d in dialogs):
            return Presence.BUSY
        if dialogs:
            return Presence.RINGING
        if self.dnd(number):
            return Presence.DND
        return Presence.AVAILABLE if self.is_registered(number) else Presence.OFFLINE

    def snapshot(self) -> dict[str, Presence]:
        """Every extension whose state has been worked out; ask presence() for others."""
        return {number: update.presence for number, update in self._state.items()}

    def dialogs(self, number: str) -> list[DialogState]:
        """The calls `number` is in now (none terminated), for RFC 4235 and the API."""
        return list(self._by_number.get(number, {}).values())

    # -- listeners ------------------------------------------------------------------------

    def subscribe(self, listener: PresenceListener) -> Callable[[], None]:
        """Call `listener` on every change of an extension's aggregated state; returns
        the function that stops it."""
        return self._listeners.subscribe(listener)

    def watch_dialogs(self, listener: DialogListener) -> Callable[[], None]:
        """Call `listener(number, dialogs)` whenever dialogs of `number` start, change or
        end (ended ones come once, with state "terminated"); returns the unsubscribe."""
        return self._dialog_listeners.subscribe(listener)

    def _update(self, number: str) -> None:
        current = self.presence(number)
        known = self._state.get(number)
        if known is not None and known.presence == current:
            return
        update = PresenceUpdate(number, current, self.clock())
        self._state[number] = update
        if known is None and current == Presence.OFFLINE:
            return  # first sight of an extension that was offline all along: no change
        self._listeners.notify(update)   # a broken one cannot break the B2BUA or registrar

    def _emit_dialogs(self, number: str, dialogs: list[DialogState]) -> None:
        self._dialog_listeners.notify(number, dialogs)
