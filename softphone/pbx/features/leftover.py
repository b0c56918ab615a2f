"""Dialogs a transfer took the PBX's call away from, until one BYE has ended each.

After a transfer the transferor's dialog with the PBX is over, but who ends it? RFC 5589
section 6.1 has the transferor send the BYE once the NOTIFY reports success, and phones do
(baresip, pjsua, most desk phones); if the PBX sent its own BYE as well, the two crossed and
one was answered 481. So the PBX lets the transferor end it: the dialog stays known here so
its BYE gets a 200, and only if none has come within BYE_GRACE does the PBX send the BYE
itself (some phones wait for it). Either way each dialog sees exactly one BYE.
"""

from __future__ import annotations

from softphone.pbx.sip.clock import Clock, TimerHandle
from softphone.pbx.sip.core import SipCore
from softphone.pbx.sip.dialog import Dialog
from softphone.pbx.sip.message import Request
from softphone.pbx.sip.transaction import ServerTransaction

BYE_GRACE = 4.0  # seconds the transferor has to hang up before the PBX does


class Leftovers:
    """Bounded by the calls: at most two dialogs per transfer, each gone after BYE_GRACE."""

    def __init__(self, core: SipCore, clock: Clock, grace: float = BYE_GRACE) -> None:
        self.core = core
        self.clock = clock
        self.grace = grace
        self._dialogs: dict[tuple[str, str], tuple[Dialog, TimerHandle]] = {}

    def __len__(self) -> int:
        return len(self._dialogs)

    def leave(self, dialog: Dialog) -> None:
        """The PBX is done with `dialog`: its peer hangs up, or the PBX does after the grace."""
        key = (dialog.call_id, dialog.local_tag)
        if key not in self._dialogs:
            timer = self.clock.call_later(self.grace, lambda: self._hang_up(key))
            self._dialogs[key] = (dialog, timer)

    def handle(self, req: Request, tx: ServerTransaction) -> bool:
        """An in-dialog request on a dialog left behind: BYE ends it (200), anything else
        is answered 481 as the call is no longer there. False if the dialog is not one."""
        key = (req.call_id, req.to_tag or "")
        entry = self._dialogs.get(key)
        if entry is None:
            return False
        if req.method != "BYE":
            self.core.respond(tx, 481, "Call transferred")
            return True
        entry[1].cancel()
        del self._dialogs[key]
        self.core.respond(tx, 200)
        return True

    def _hang_up(self, key: tuple[str, str]) -> None:
        entry = self._dialogs.pop(key, None)
        if entry is not None:
            dialog = entry[0]
            self.core.send_request(dialog.request("BYE"), dialog.dest, dialog.transport,
                                   lambda r: None, lambda: None)

    def hang_up_all(self) -> None:
        """Shutdown: BYE every dialog still waiting for its peer's."""
        for key, (_, timer) in list(self._dialogs.items()):
            timer.cancel()
            self._hang_up(key)
