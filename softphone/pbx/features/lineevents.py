"""The shared-line event packages desk phones subscribe to, served by subscriptions.py.

`call-info` (BroadWorks "Shared Call Appearance", as draft-anil-sipping-bla and the
phones of Polycom, Yealink and snom implement it): a member subscribes to the line's
address and gets NOTIFYs without a body whose Call-Info headers give each appearance's
state, `Call-Info: <sip:realm>;appearance-index=N;appearance-state=active;
appearance-uri="<sip:101@realm>"`. `line-seize`: a member reserves an appearance to dial
on (the index in the SUBSCRIBE's Call-Info, or the lowest free one) for 15 s; the
subscription is the reservation, and a second member asking for the same appearance gets
403. Only members of the line may do either.
"""

from __future__ import annotations

import re

from softphone.pbx.features.appearances import SEIZE_SECONDS
from softphone.pbx.features.sharedline import SharedLines
from softphone.pbx.sip.message import Request

CALL_INFO, LINE_SEIZE = "call-info", "line-seize"
PACKAGES = (CALL_INFO, LINE_SEIZE)
SEIZE_EXPIRES = int(SEIZE_SECONDS)
_INDEX = re.compile(r";\s*appearance-index\s*=\s*(\d+)", re.IGNORECASE)


class LineEvents:
    def __init__(self, lines: SharedLines) -> None:
        self.lines = lines

    def admit(self, target: str, watcher: str) -> tuple[int, str] | None:
        """Whether ``watcher`` may subscribe to line ``target``: None, or the refusal."""
        line = self.lines.line(target)
        if line is None:
            return 404, "Unknown shared line"
        if watcher not in line.members:
            return 403, "Not a member of this shared line"
        return None

    def seize(self, package: str, target: str, watcher: str,
              req: Request) -> tuple[int, str] | None:
        """A line-seize takes its appearance (the SUBSCRIBE's Call-Info appearance-index,
        or the lowest free): None, or the refusal when another member has it."""
        if package != LINE_SEIZE:
            return None
        found = _INDEX.search(req.headers.get("Call-Info") or "")
        index = int(found.group(1)) if found else None
        if self.lines.states[target].seize(watcher, index) is None:
            return 403, "Appearance in use"
        self.lines.changed(target)
        return None

    def headers(self, package: str, target: str) -> list[tuple[str, str]]:
        """The NOTIFY's Call-Info headers: every appearance of the line with its state."""
        if package != CALL_INFO:
            return []
        realm = self.lines.realm
        out = []
        for a in self.lines.states[target].appearances:
            value = f"<sip:{realm}>;appearance-index={a.index};appearance-state={a.state}"
            if a.party:
                value += f';appearance-uri="<sip:{a.party}@{realm}>"'
            out.append(("Call-Info", value))
        return out
