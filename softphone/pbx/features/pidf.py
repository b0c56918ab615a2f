"""The body of a `presence` NOTIFY: a PIDF document (RFC 3863) as desk phones read it.

`basic` (RFC 3863 section 4.1.4) says whether the extension can be reached at all: open
while a device is registered or a call involves it, closed when it is offline. What it is
doing goes into an RPID person element (RFC 4480 section 3.2, activities), with a note for
phones that only show text: "on-the-phone" while ringing or talking, "busy" for do not
disturb, "away" when offline (as Asterisk and FreeSWITCH do, so snom, Yealink and baresip
light their keys the same way for us).
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from softphone.common.directory import Presence

CONTENT_TYPE = "application/pidf+xml"
PIDF_NS = "urn:ietf:params:xml:ns:pidf"
DATA_MODEL_NS = "urn:ietf:params:xml:ns:pidf:data-model"   # RFC 4479
RPID_NS = "urn:ietf:params:xml:ns:pidf:rpid"               # RFC 4480

# presence -> (basic status, RPID activity or None, note)
_MAPPING: dict[Presence, tuple[str, str | None, str]] = {
    Presence.OFFLINE: ("closed", "away", "Offline"),
    Presence.AVAILABLE: ("open", None, "Available"),
    Presence.RINGING: ("open", "on-the-phone", "Ringing"),
    Presence.BUSY: ("open", "on-the-phone", "On the phone"),
    Presence.DND: ("open", "busy", "Do not disturb"),
}


def pidf(entity: str, presence: Presence) -> bytes:
    """The PIDF document of `entity` (a SIP URI, RFC 3863 section 4.1.1) in `presence`."""
    basic, activity, note = _MAPPING[presence]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<presence xmlns="{PIDF_NS}" xmlns:dm="{DATA_MODEL_NS}" xmlns:rpid="{RPID_NS}"'
        f" entity={quoteattr(entity)}>",
        # One tuple for the extension as a whole: its devices are one state (presence.py).
        '  <tuple id="t1">',
        f"    <status><basic>{basic}</basic></status>",
        f"    <contact>{escape(entity)}</contact>",
        f"    <note>{escape(note)}</note>",
        "  </tuple>",
        '  <dm:person id="p1">',
    ]
    if activity is not None:
        lines.append(f"    <rpid:activities><rpid:{activity}/></rpid:activities>")
    lines += [f"    <dm:note>{escape(note)}</dm:note>", "  </dm:person>", "</presence>", ""]
    return "\n".join(lines).encode()
