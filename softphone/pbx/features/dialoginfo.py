"""The body of a `dialog` NOTIFY: a dialog-info document (RFC 4235 section 4.1).

Busy-lamp-field keys (snom, Yealink, baresip) read it: no dialog or only terminated ones
means idle, a recipient dialog in "early" means ringing (blink, offer pickup), anything
"confirmed" or initiated by the extension means busy. Every document is full state
(section 4.1: "full" is always allowed, and a phone that missed one NOTIFY is right again
with the next); `version` counts the documents of one subscription from 0 (section 4.1.1),
so a watcher can drop one that arrives out of order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from xml.sax.saxutils import escape, quoteattr

from softphone.pbx.features.presence import DialogState

CONTENT_TYPE = "application/dialog-info+xml"
DIALOG_INFO_NS = "urn:ietf:params:xml:ns:dialog-info"


def dialog_info(entity: str, version: int, dialogs: Iterable[DialogState],
                uri: Callable[[str], str], name: Callable[[str], str]) -> bytes:
    """The document for `entity`: `uri(number)` makes a SIP URI of an extension,
    `name(number)` its display name ("" for none)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<dialog-info xmlns="{DIALOG_INFO_NS}" version="{version}" state="full"'
        f" entity={quoteattr(entity)}>",
    ]
    for d in dialogs:
        lines += [
            f"  <dialog id={quoteattr(d.id)} direction={quoteattr(d.direction)}>",
            # Schema order (section 4.2): state before local and remote.
            f"    <state>{escape(d.state)}</state>",
            *_participant("local", uri(d.local), name(d.local)),
            *_participant("remote", uri(d.remote) if d.remote else "", d.remote_name),
            "  </dialog>",
        ]
    lines += ["</dialog-info>", ""]
    return "\n".join(lines).encode()


def _participant(tag: str, uri: str, display: str) -> list[str]:
    """<local>/<remote>: identity (what phones show) and target (section 4.1.6)."""
    if not uri:
        return []
    shown = f" display={quoteattr(display)}" if display else ""
    return [
        f"    <{tag}>",
        f"      <identity{shown}>{escape(uri)}</identity>",
        f"      <target uri={quoteattr(uri)}/>",
        f"    </{tag}>",
    ]
