"""Door error codes (DoorError, and VideoStream's codes) as sentences a person understands.

The PBX and the video worker report codes; the words are made here, in the user's language.
Called with their context in each place (not through a wrapper) so that lupdate finds them.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from softphone.gui.pbx_backend import DoorError

translate = QCoreApplication.translate


def open_error_text(code: str, message: str = "") -> str:
    """Why the door did not open."""
    if code == DoorError.FORBIDDEN:
        text = translate("DoorMessages", "You may not open this door.")
        if message:
            # The PBX's reason names the rule (role, user list): worth showing as it is.
            text += " " + translate("DoorMessages", "The PBX says: {reason}").format(
                reason=message)
        return text
    texts = {
        DoorError.UNREACHABLE: translate(
            "DoorMessages", "The door does not answer. Try again or use the key code."),
        DoorError.REFUSED: translate(
            "DoorMessages", "The door refused the PBX's request to open. "
            "Tell your administrator (door credentials)."),
        DoorError.NO_RELAY: translate("DoorMessages",
                                      "This door has no door opener connected."),
        DoorError.RATE_LIMITED: translate(
            "DoorMessages", "You opened doors too often in the last minute. "
            "Wait a moment, then try again."),
        DoorError.AUDIT_UNAVAILABLE: translate(
            "DoorMessages", "The door stays shut: the PBX cannot record who opens it. "
            "Tell your administrator (door audit log)."),
    }
    return texts.get(code) or common_error_text(code)


def video_error_text(code: str, message: str = "") -> str:
    """Why no video link could be had, or why the stream broke."""
    failed = translate("DoorMessages", "The video connection failed.")
    texts = {
        DoorError.NO_VIDEO: translate("DoorMessages", "This door has no camera."),
        DoorError.UNREACHABLE: translate("DoorMessages", "The door's camera does not answer."),
        "connect_failed": failed, "stream_ended": failed, "no_frames": failed,
        "http_status": failed,
        "unauthorized": translate("DoorMessages", "The video link was refused."),
    }
    return texts.get(code) or common_error_text(code)


def common_error_text(code: str) -> str:
    """What opening and video have in common: the PBX (or the way to it) answered so."""
    texts = {
        DoorError.UNKNOWN: translate("DoorMessages", "The PBX does not know this door."),
        DoorError.NOT_CONNECTED: translate(
            "DoorMessages", "No connection to the PBX. Try again in a moment."),
        DoorError.NETWORK: translate(
            "DoorMessages", "The PBX did not answer in time. Check the network and try again."),
        DoorError.THROTTLED: translate(
            "DoorMessages", "Too many failed logins for your account: the PBX refuses "
            "requests for a while. Try again later."),
    }
    return texts.get(code) or translate(
        "DoorMessages", "The PBX reported an error ({code}).").format(code=code)


def audit_result_text(result: str) -> str:
    """A door audit record's result (softphone.pbx.doorlog.DoorResult) in words."""
    texts = {
        "opening": translate("DoorMessages", "Opening (outcome not recorded)"),
        "opened": translate("DoorMessages", "Opened"),
        "refused": translate("DoorMessages", "Refused"),
        "failed": translate("DoorMessages", "Failed"),
    }
    return texts.get(result) or result
