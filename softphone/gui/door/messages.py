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
    if code == DoorError.UNREACHABLE:
        return translate("DoorMessages",
                         "The door does not answer. Try again or use the key code.")
    if code == DoorError.REFUSED:
        return translate("DoorMessages", "The door refused the PBX's request to open. "
                         "Tell your administrator (door credentials).")
    if code == DoorError.NO_RELAY:
        return translate("DoorMessages", "This door has no door opener connected.")
    if code == DoorError.UNKNOWN:
        return translate("DoorMessages", "The PBX does not know this door.")
    return common_error_text(code, message)


def video_error_text(code: str, message: str = "") -> str:
    """Why no video link could be had, or why the stream broke."""
    if code == DoorError.NO_VIDEO:
        return translate("DoorMessages", "This door has no camera.")
    if code == DoorError.UNKNOWN:
        return translate("DoorMessages", "The PBX does not know this door.")
    if code == DoorError.UNREACHABLE:
        return translate("DoorMessages", "The door's camera does not answer.")
    if code in ("connect_failed", "stream_ended", "no_frames", "http_status"):
        return translate("DoorMessages", "The video connection failed.")
    if code == "unauthorized":
        return translate("DoorMessages", "The video link was refused.")
    return common_error_text(code, message)


def common_error_text(code: str, message: str = "") -> str:
    if code == DoorError.NOT_CONNECTED:
        return translate("DoorMessages", "No connection to the PBX. Try again in a moment.")
    if code == DoorError.NETWORK:
        return translate("DoorMessages",
                         "The PBX did not answer in time. Check the network and try again.")
    return translate("DoorMessages", "The PBX reported an error ({code}).").format(code=code)
