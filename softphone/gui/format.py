"""Codes into words: the engine emits codes, the GUI shows translated sentences.

All functions return text translated in the "format" context (QCoreApplication.translate),
so they work without a widget and are what the tests compare against.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from softphone.common.engine_protocol import (
    AudioStatus,
    CallInfo,
    CallState,
    ErrorCode,
    RegistrationInfo,
    RegState,
)
from softphone.gui.engine_backend import ENGINE_UNAVAILABLE, EngineState
from softphone.gui.names import NameLookup, party

# Called with its context in each place, not through a wrapper, so that lupdate finds them.
translate = QCoreApplication.translate


def duration(seconds: float) -> str:
    """mm:ss, or h:mm:ss from one hour on."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def registration(info: RegistrationInfo) -> str:
    state = info.state
    if state == RegState.REGISTERED:
        return translate("format", "Registered")
    if state == RegState.REGISTERING:
        return translate("format", "Registering…")
    if state == RegState.NONE:
        return translate("format", "No account set up")
    if state == RegState.UNREGISTERED:
        return translate("format", "Not registered")
    if state == RegState.FAILED:
        why = sip_reason(info.code, info.reason) if info.code else translate("format", "no answer")
        text = translate("format", "Registration failed: {reason}").format(reason=why)
    else:   # RETRYING: network trouble
        text = translate("format", "Server not reachable")
    if info.retry_in > 0:
        text += " – " + translate("format", "retrying in {seconds} s").format(seconds=info.retry_in)
    return text


def sip_reason(code: int, reason: str = "") -> str:
    """A SIP final response as a sentence; the server's own phrase when we know no better."""
    known = {
        401: translate("format", "wrong user name or password"),
        403: translate("format", "access denied"),
        404: translate("format", "number not found"),
        407: translate("format", "wrong user name or password"),
        408: translate("format", "no answer"),
        480: translate("format", "not available"),
        484: translate("format", "incomplete number"),
        486: translate("format", "busy"),
        487: translate("format", "cancelled"),
        488: translate("format", "no common audio format"),
        500: translate("format", "server error"),
        503: translate("format", "service unavailable"),
        600: translate("format", "busy everywhere"),
        603: translate("format", "declined"),
    }
    if code in known:
        return known[code]
    if reason:
        return f"{reason} ({code})" if code else reason
    return translate("format", "error {code}").format(code=code)


def call_state(info: CallInfo) -> str:
    state = info.state
    texts = {
        CallState.CALLING: translate("format", "Calling…"),
        CallState.RINGING_OUT: translate("format", "Ringing…"),
        CallState.INCOMING: translate("format", "Incoming call"),
        CallState.CONNECTING: translate("format", "Connecting…"),
        CallState.ACTIVE: translate("format", "Connected"),
        CallState.HELD: translate("format", "On hold"),
        CallState.REMOTE_HELD: translate("format", "Held by the other party"),
    }
    if state in texts:
        return texts[state]
    return call_end(info)


def call_end(info: CallInfo) -> str:
    """Why a call ended, as shown after it is gone."""
    if info.code in (0, 200) or (info.connected_at and info.code < 300):
        return translate("format", "Call ended")
    reason = sip_reason(info.code, info.reason)
    return translate("format", "Call ended: {reason}").format(reason=reason)


def call_lost() -> str:
    """A call ended by the client because its PBX was gone (pbx_watch.py)."""
    return translate("format", "Call ended: the PBX is unreachable")


def remote(info: CallInfo, names: NameLookup | None = None) -> str:
    """Who is on the other end, for one-line use: "Name (number)" or what we have (the
    directory's name for the number when `names` knows it, else the SIP display name)."""
    name, number = party(info, names)
    if name and number:
        return f"{name} ({number})"
    return name or number or translate("format", "Unknown")


def engine_state(state: str) -> str:
    texts = {
        EngineState.STARTING: translate("format", "Starting the phone engine…"),
        EngineState.RUNNING: translate("format", "Phone engine running"),
        EngineState.LOST: translate("format", "The phone engine stopped unexpectedly – restarting"),
        EngineState.RESTARTING: translate("format", "Restarting the phone engine…"),
        EngineState.STOPPED: translate("format", "Phone engine stopped"),
    }
    return texts.get(state, state)


def request_error(cmd: str, code: str, detail: str = "") -> str:
    texts = {
        ErrorCode.BAD_REQUEST: translate(
            "format", "The phone engine did not understand the request"),
        ErrorCode.NO_ACCOUNT: translate(
            "format", "No account is set up – add one under Phone › Account"),
        ErrorCode.NO_SUCH_CALL: translate("format", "That call no longer exists"),
        ErrorCode.INVALID_NUMBER: translate("format", "This number cannot be dialled"),
        ErrorCode.INVALID_STATE: translate("format", "Not possible in the call's current state"),
        ErrorCode.AUDIO_DEVICE: translate("format", "The audio device could not be opened"),
        ErrorCode.TRANSPORT: translate("format", "Cannot connect to the network (SIP transport)"),
        ErrorCode.INTERNAL: translate("format", "Internal error in the phone engine"),
        ENGINE_UNAVAILABLE: translate(
            "format", "The phone engine is not running yet – try again in a moment"),
    }
    return texts.get(code, translate("format", "Request failed: {code}").format(code=code))


def audio_warning(status: AudioStatus) -> str:
    """Empty when audio is fine; else what is wrong with it."""
    if status.null_audio:
        return translate("format", "No audio device – calls will have no sound")
    if status.error:
        return translate("format", "The chosen audio device could not be opened")
    return ""
