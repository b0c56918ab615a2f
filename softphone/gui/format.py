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


def _tr(text: str) -> str:
    return QCoreApplication.translate("format", text)


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
        return _tr("Registered")
    if state == RegState.REGISTERING:
        return _tr("Registering…")
    if state == RegState.NONE:
        return _tr("No account set up")
    if state == RegState.UNREGISTERED:
        return _tr("Not registered")
    if state == RegState.FAILED:
        why = sip_reason(info.code, info.reason) if info.code else _tr("no answer")
        text = _tr("Registration failed: {reason}").format(reason=why)
    else:   # RETRYING: network trouble
        text = _tr("Server not reachable")
    if info.retry_in > 0:
        text += " – " + _tr("retrying in {seconds} s").format(seconds=info.retry_in)
    return text


def sip_reason(code: int, reason: str = "") -> str:
    """A SIP final response as a sentence; the server's own phrase when we know no better."""
    known = {
        401: _tr("wrong user name or password"),
        403: _tr("access denied"),
        404: _tr("number not found"),
        407: _tr("wrong user name or password"),
        408: _tr("no answer"),
        480: _tr("not available"),
        484: _tr("incomplete number"),
        486: _tr("busy"),
        487: _tr("cancelled"),
        488: _tr("no common audio format"),
        500: _tr("server error"),
        503: _tr("service unavailable"),
        600: _tr("busy everywhere"),
        603: _tr("declined"),
    }
    if code in known:
        return known[code]
    if reason:
        return f"{reason} ({code})" if code else reason
    return _tr("error {code}").format(code=code)


def call_state(info: CallInfo) -> str:
    state = info.state
    texts = {
        CallState.CALLING: _tr("Calling…"),
        CallState.RINGING_OUT: _tr("Ringing…"),
        CallState.INCOMING: _tr("Incoming call"),
        CallState.CONNECTING: _tr("Connecting…"),
        CallState.ACTIVE: _tr("Connected"),
        CallState.HELD: _tr("On hold"),
        CallState.REMOTE_HELD: _tr("Held by the other party"),
    }
    if state in texts:
        return texts[state]
    return call_end(info)


def call_end(info: CallInfo) -> str:
    """Why a call ended, as shown after it is gone."""
    if info.code in (0, 200) or (info.connected_at and info.code < 300):
        return _tr("Call ended")
    return _tr("Call ended: {reason}").format(reason=sip_reason(info.code, info.reason))


def remote(info: CallInfo) -> str:
    """Who is on the other end, for one-line use: "Name (number)" or what we have."""
    number = info.remote_number or info.remote_uri
    if info.remote_name and number:
        return f"{info.remote_name} ({number})"
    return info.remote_name or number or _tr("Unknown")


def engine_state(state: str) -> str:
    texts = {
        EngineState.STARTING: _tr("Starting the phone engine…"),
        EngineState.RUNNING: _tr("Phone engine running"),
        EngineState.LOST: _tr("The phone engine stopped unexpectedly – restarting"),
        EngineState.RESTARTING: _tr("Restarting the phone engine…"),
        EngineState.STOPPED: _tr("Phone engine stopped"),
    }
    return texts.get(state, state)


def request_error(cmd: str, code: str, detail: str = "") -> str:
    texts = {
        ErrorCode.BAD_REQUEST: _tr("The phone engine did not understand the request"),
        ErrorCode.NO_ACCOUNT: _tr("No account is set up – add one under Phone › Account"),
        ErrorCode.NO_SUCH_CALL: _tr("That call no longer exists"),
        ErrorCode.INVALID_NUMBER: _tr("This number cannot be dialled"),
        ErrorCode.INVALID_STATE: _tr("Not possible in the call's current state"),
        ErrorCode.AUDIO_DEVICE: _tr("The audio device could not be opened"),
        ErrorCode.TRANSPORT: _tr("Cannot connect to the network (SIP transport)"),
        ErrorCode.INTERNAL: _tr("Internal error in the phone engine"),
        ENGINE_UNAVAILABLE: _tr("The phone engine is not running yet – try again in a moment"),
    }
    return texts.get(code, _tr("Request failed: {code}").format(code=code))


def audio_warning(status: AudioStatus) -> str:
    """Empty when audio is fine; else what is wrong with it."""
    if status.null_audio:
        return _tr("No audio device – calls will have no sound")
    if status.error:
        return _tr("The chosen audio device could not be opened")
    return ""
